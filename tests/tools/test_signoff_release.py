"""The sign-off sheet kept in a GitHub release per sw_version (tools/ci/signoff_release.py), against a real HTTP
server playing GitHub's REST API."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from httpfake import Canned, FakeHttp, answer, serve

from tools.ci import signoff_release

TOKEN = "ghs_release-token-secret"


def _sheet(base: Path, stem: str = "signoff-focus-2.4.1-2026-03-02") -> list[Path]:
    (base / f"{stem}.pdf").write_bytes(b"%PDF-1.7 sheet")
    (base / f"{stem}.json").write_text(json.dumps({"sw_version": "focus 2.4.1", "valid_for_signoff": False}))
    return [base / f"{stem}.pdf", base / f"{stem}.json"]


def _github(existing_assets: list[dict], release_exists: bool) -> FakeHttp:
    fake = FakeHttp()
    release = {"id": 7, "html_url": "https://github.example/o/r/releases/7"}

    def with_upload_url(_match: re.Match[str], _body: bytes) -> Canned:
        return Canned(
            200 if release_exists else 201, json.dumps({**release, "upload_url": fake.url + "/up/7{?name,label}"})
        )

    tag = "/repos/o/r/releases/tags/signoff-focus_2.4.1"
    fake.route("GET", re.escape(tag), with_upload_url if release_exists else answer(404, {"message": "Not Found"}))
    fake.route("POST", re.escape("/repos/o/r/releases"), with_upload_url)
    fake.answer("GET", "/repos/o/r/releases/7/assets", 200, existing_assets)
    fake.route("DELETE", r"/repos/o/r/releases/assets/\d+", answer(204))
    fake.route("POST", r"/up/7\?name=.*", answer(201, {"id": 99}))
    return fake


def _run(monkeypatch: pytest.MonkeyPatch, fake: FakeHttp, base: Path) -> int:
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("GITHUB_REPOSITORY", "o/r")
    monkeypatch.setenv("GITHUB_API_URL", fake.url)
    return signoff_release.main(["--base", str(base)])


def test_a_new_version_gets_its_release_and_the_sheet_as_assets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    _sheet(tmp_path)
    fake = _github([], release_exists=False)
    with serve(fake):
        assert _run(monkeypatch, fake, tmp_path) == 0
    made = next(r for r in fake.requests if r.method == "POST" and r.path == "/repos/o/r/releases")
    assert json.loads(made.body)["tag_name"] == "signoff-focus_2.4.1"
    uploads = [r for r in fake.requests if r.path.startswith("/up/7")]
    assert [r.path for r in uploads] == [
        "/up/7?name=signoff-focus-2.4.1-2026-03-02.pdf",
        "/up/7?name=signoff-focus-2.4.1-2026-03-02.json",
    ]
    assert uploads[0].body == b"%PDF-1.7 sheet" and uploads[0].headers["Content-Type"] == "application/pdf"
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in fake.requests)
    out = capsys.readouterr().out
    assert "signoff-focus_2.4.1" in out and TOKEN not in out


def test_a_sheet_of_the_same_name_replaces_the_earlier_one_others_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _sheet(tmp_path)
    assets = [
        {"id": 1, "name": "signoff-focus-2.4.1-2026-03-02.pdf"},
        {"id": 2, "name": "signoff-focus-2.4.1-2026-03-01.pdf"},
    ]
    fake = _github(assets, release_exists=True)
    with serve(fake):
        assert _run(monkeypatch, fake, tmp_path) == 0
    assert [r.path for r in fake.requests if r.method == "DELETE"] == ["/repos/o/r/releases/assets/1"]
    assert not any(r.method == "POST" and r.path == "/repos/o/r/releases" for r in fake.requests)


def test_a_refusal_is_one_line_without_the_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    _sheet(tmp_path)
    fake = FakeHttp()
    fake.route("GET", r"/repos/o/r/releases/tags/.*", answer(403, {"message": f"Resource not accessible {TOKEN}"}))
    with serve(fake):
        assert _run(monkeypatch, fake, tmp_path) == 1
    out = capsys.readouterr().out
    assert out.startswith("signoff release failed: GitHub answered 403") and TOKEN not in out


def test_without_a_token_it_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    _sheet(tmp_path)
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    assert signoff_release.main(["--base", str(tmp_path), "--skip-without-token"]) == 0
    assert signoff_release.main(["--base", str(tmp_path)]) == 2
    assert "GITHUB_TOKEN and GITHUB_REPOSITORY are not set" in capsys.readouterr().out
