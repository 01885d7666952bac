"""Certificates made at test time with the openssl command line: a test CA, a server certificate it signs, and a
self-signed "rogue" certificate that nobody trusts. All for 127.0.0.1 and localhost."""

from __future__ import annotations

import ssl
import subprocess
from dataclasses import dataclass
from pathlib import Path

_SAN = "subjectAltName=IP:127.0.0.1,DNS:localhost"


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@dataclass(frozen=True)
class Certificates:
    dir: Path

    @property
    def ca(self) -> Path:
        """The test CA: what FOCUS_CA_BUNDLE names."""
        return self.dir / "ca.pem"

    @property
    def server_cert(self) -> Path:
        return self.dir / "server.pem"

    @property
    def server_key(self) -> Path:
        return self.dir / "server.key"

    @property
    def rogue_cert(self) -> Path:
        """Self-signed, trusted by no one (the CA bundle does not hold it)."""
        return self.dir / "rogue.pem"

    @property
    def rogue_key(self) -> Path:
        return self.dir / "rogue.key"

    def server_context(self, *, rogue: bool = False) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        if rogue:
            context.load_cert_chain(self.rogue_cert, self.rogue_key)
        else:
            context.load_cert_chain(self.server_cert, self.server_key)
        return context


def make_certificates(folder: Path) -> Certificates:
    folder.mkdir(parents=True, exist_ok=True)
    certs = Certificates(folder)
    days = "2"
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", days,
        "-subj", "/CN=Focus safety test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign", cwd=folder,
    )  # fmt: skip
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
        "-subj", "/CN=127.0.0.1", cwd=folder,
    )  # fmt: skip
    (folder / "server.ext").write_text(f"{_SAN}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
    _openssl(
        "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
        "-out", "server.pem", "-days", days, "-extfile", "server.ext", cwd=folder,
    )  # fmt: skip
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "rogue.key", "-out", "rogue.pem", "-days", days,
        "-subj", "/CN=127.0.0.1", "-addext", _SAN, cwd=folder,
    )  # fmt: skip
    for key in folder.glob("*.key"):
        key.chmod(0o600)
    return certs
