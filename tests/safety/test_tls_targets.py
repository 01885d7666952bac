"""TLS, with certificates made at test time: HTTPS to the Focus Server REST (the stand behind a TLS terminator),
AMQP over TLS (amqps) and the management API over HTTPS (the production node's TLS listeners), trusted through a CA
bundle (FOCUS_CA_BUNDLE) or with verification switched off (FOCUS_VERIFY_TLS=false) for a self-signed certificate.

The scenarios chosen pass on the production node (they need no Focus Server on its broker) and use every part:
REST (metadata, sensors, a live task), AMQP (passive declares: the amqps port speaks TLS only) and the management
API (exchange listings: its HTTPS port likewise).
Untrusted certificates are in test_down_or_wrong_target.py.
"""

from __future__ import annotations

from pathlib import Path

from safety_certs import Certificates
from safety_net import TlsTerminator
from safety_parts import Production, StandHandle
from safety_runs import run_behave, target_env

SCENARIOS = (
    "@case-prisma-only-custom-exchange",
    "@case-prisma-durable-topic",
    "@case-no-focus-server-queue",
    "@case-recorder-input-queue",
    "@case-interrogator-input-queue",
    "@case-live-metadata-quick",
    "@case-sensors-quick",
)


def _stand_port(stand: StandHandle) -> int:
    return int(stand.env["FOCUS_BASE_URL"].split(":")[2].split("/")[0])


def _run_over_tls(
    production: Production, stand: StandHandle, tls: TlsTerminator, tmp_path: Path, **trust: str
) -> tuple[list[dict], str]:
    focus = {
        "FOCUS_BASE_URL": tls.url(),
        "FOCUS_AMQP_URL": production.broker.amqps_url,
        "FOCUS_RABBITMQ_API_URL": production.broker.api_tls_url,
        **trust,
    }
    run = run_behave(target_env(focus), tmp_path, ["features", f"--tags={' or '.join(SCENARIOS)}"])
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    return run.results(), output


def test_https_amqps_and_management_over_tls_with_a_ca_bundle(
    production: Production, stand: StandHandle, certs: Certificates, tmp_path: Path
) -> None:
    with TlsTerminator(_stand_port(stand), certs.server_context()) as tls:
        results, _ = _run_over_tls(production, stand, tls, tmp_path, FOCUS_CA_BUNDLE=str(certs.ca))
    assert len(results) == len(SCENARIOS)
    assert {r["status"] for r in results} == {"passed"}, [(r["name"], r["statusDetails"]) for r in results]


def test_a_self_signed_certificate_with_verification_switched_off(
    production: Production, stand: StandHandle, certs: Certificates, tmp_path: Path
) -> None:
    with TlsTerminator(_stand_port(stand), certs.server_context(rogue=True)) as tls:
        results, output = _run_over_tls(production, stand, tls, tmp_path, FOCUS_VERIFY_TLS="false")
    assert {r["status"] for r in results} == {"passed"}, [(r["name"], r["statusDetails"]) for r in results]
    assert "InsecureRequestWarning" not in output  # chosen by setting: said once in the report, not per request
