"""The sign-off sheet kept beyond the workflow's artifacts (deleted after 30 days): a GitHub release per product
version, `signoff-<sw_version>`, whose assets are the sheets of that version, signoff-<sw_version>-<date>.pdf and
.json (a later sheet of the same name replaces the earlier one; other dates stay).

    python -m tools.ci.signoff_release [--base reports] [--skip-without-token]

The workflow's report job calls it after `make signoff` (or tools.verdicts.signoff.write); it needs GITHUB_TOKEN with
`contents: write`, and GITHUB_REPOSITORY (set by GitHub Actions); GITHUB_API_URL names another GitHub. Python and
requests only: it runs on any runner.

Entry point: `keep(files, sw_version, repository, token, api_url) -> Kept`.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import requests

from tools.common.layout import DEFAULT_LAYOUT
from tools.verdicts.signoff import lasting_files

DEFAULT_API = "https://api.github.com"
TIMEOUT_S = 60.0


class ReleaseFailed(RuntimeError):
    """One line saying what GitHub refused; never holds the token."""


@dataclass(frozen=True)
class Kept:
    release: str  # its page
    tag: str
    assets: tuple[str, ...]


def release_tag(sw_version: str) -> str:
    """`signoff-<sw_version>`, in the characters a tag may hold."""
    return "signoff-" + (re.sub(r"[^A-Za-z0-9._-]+", "_", sw_version).strip("_") or "unknown")


class _GitHub:
    def __init__(self, api_url: str, repository: str, token: str) -> None:
        self.repo = f"{api_url.rstrip('/')}/repos/{repository}"
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json"})
        self.token = token

    def call(self, method: str, url: str, ok: tuple[int, ...], **kwargs: object) -> requests.Response:
        try:
            answer = self.session.request(method, url, timeout=TIMEOUT_S, **kwargs)  # type: ignore[arg-type]
        except requests.RequestException as exc:
            raise ReleaseFailed(f"could not reach GitHub ({type(exc).__name__})") from None
        if answer.status_code not in ok:
            said = answer.text.strip().splitlines()[0][:200] if answer.text.strip() else ""
            line = f"GitHub answered {answer.status_code} to {method} {url.split('?')[0]}: {said}"
            raise ReleaseFailed(line.replace(self.token, "***"))
        return answer

    def release(self, tag: str, body: str) -> dict:
        """The release of `tag`, made when there is none yet."""
        found = self.call("GET", f"{self.repo}/releases/tags/{quote(tag)}", (200, 404))
        if found.status_code == 200:
            return found.json()
        made = {"tag_name": tag, "name": f"Sign-off sheets, {tag.removeprefix('signoff-')}", "body": body}
        return self.call("POST", f"{self.repo}/releases", (201,), json=made).json()

    def replace_asset(self, release: dict, path: Path) -> str:
        for asset in self.call("GET", f"{self.repo}/releases/{release['id']}/assets", (200,)).json():
            if asset.get("name") == path.name:
                self.call("DELETE", f"{self.repo}/releases/assets/{asset['id']}", (204,))
        upload = str(release["upload_url"]).split("{", 1)[0]
        kind = "application/pdf" if path.suffix == ".pdf" else "application/json"
        self.call(
            "POST",
            f"{upload}?name={quote(path.name)}",
            (201,),
            data=path.read_bytes(),
            headers={"Content-Type": kind},
        )
        return path.name


def keep(files: Sequence[Path], sw_version: str, repository: str, token: str, api_url: str = DEFAULT_API) -> Kept:
    """The files as assets of the release `signoff-<sw_version>` of `repository` (made when missing)."""
    github = _GitHub(api_url, repository, token)
    tag = release_tag(sw_version)
    body = (
        f"The sign-off sheets of Focus Server {sw_version}: each run's sheet (PDF) and its data (JSON), "
        "named signoff-<sw_version>-<date>, written by `make signoff` (tools/verdicts/signoff.py)."
    )
    release = github.release(tag, body)
    assets = tuple(github.replace_asset(release, path) for path in files)
    return Kept(str(release.get("html_url", "")), tag, assets)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base, help="the reports folder")
    parser.add_argument("--skip-without-token", action="store_true", help="say so and succeed without GITHUB_TOKEN")
    args = parser.parse_args(argv)
    files = lasting_files(args.base)
    if not files:
        print(f"signoff release: no sheet in {args.base} (make signoff writes signoff-<sw_version>-<date>.pdf/.json)")
        return 1
    token, repository = os.environ.get("GITHUB_TOKEN", ""), os.environ.get("GITHUB_REPOSITORY", "")
    if not token or not repository:
        print("signoff release skipped: GITHUB_TOKEN and GITHUB_REPOSITORY are not set")
        return 0 if args.skip_without_token else 2
    data = json.loads(next(p for p in files if p.suffix == ".json").read_text(encoding="utf-8"))
    try:
        kept = keep(
            files,
            str(data.get("sw_version", "unknown")),
            repository,
            token,
            os.environ.get("GITHUB_API_URL") or DEFAULT_API,
        )
    except ReleaseFailed as exc:
        print(f"signoff release failed: {exc}")
        return 1
    print(f"signoff release {kept.tag}: {', '.join(kept.assets)} ({kept.release})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
