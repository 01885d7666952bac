"""The run's results for Jira Xray, on the command line: build the Test Execution file, upload it.

    python -m tools.ci.xray build  [--base reports] [--keys docs/xray-keys.yaml] [--project PZ] [--create-missing]
    python -m tools.ci.xray upload [--file reports/xray/execution.json] [--skip-without-credentials]

`build` (`make xray`) writes reports/xray/execution.json (tools/ci/xray_build.py); `upload` posts it to Xray Cloud
(tools/ci/xray_upload.py) and attaches the run's sign-off sheet (signoff-<sw_version>-<date>.pdf and .json, when
`make signoff` made them) to the Test Execution, when Jira's credentials are set. With `--create-missing`, the keys
of the tests Xray created are written into docs/xray-keys.yaml.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from tools.ci.xray_build import (
    DEFAULT_PROJECT,
    NO_VERDICT,
    NOTHING_FILE,
    NothingToUpload,
    build,
    write_keys,
    xray_dir,
)
from tools.ci.xray_upload import DEFAULT_BASE_URL, UploadFailed, api_base, attach, upload
from tools.common.layout import DEFAULT_LAYOUT, FEATURES, RunLayout
from tools.verdicts.signoff import lasting_files
from tools.verdicts.xray_keys import DEFAULT_KEYS


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The run's results for Jira Xray.")
    steps = parser.add_subparsers(dest="step", required=True)
    make = steps.add_parser("build", help="write reports/xray/execution.json from the results there")
    make.add_argument("--base", type=Path, default=DEFAULT_LAYOUT.base, help="the reports folder")
    make.add_argument("--features", type=Path, default=FEATURES)
    make.add_argument("--keys", type=Path, default=DEFAULT_KEYS, help="case slug → Xray test key (YAML)")
    make.add_argument("--project", default=os.environ.get("XRAY_PROJECT") or DEFAULT_PROJECT)
    make.add_argument("--test-plan", default=os.environ.get("XRAY_TEST_PLAN") or None, help="e.g. PZ-100")
    make.add_argument(
        "--test-execution", default=os.environ.get("XRAY_TEST_EXECUTION") or None, help="import into this one"
    )
    make.add_argument("--create-missing", action="store_true", help="import unmapped scenarios as new Xray tests")
    make.add_argument(
        "--include-stand",
        action="store_true",
        default=os.environ.get("XRAY_INCLUDE_STAND", "") in ("1", "true", "yes"),
        help="build the file for a run on the embedded stand too (XRAY_INCLUDE_STAND=1)",
    )
    make.add_argument(
        "--no-verdict-status",
        default=os.environ.get("XRAY_NO_VERDICT_STATUS") or NO_VERDICT,
        help="Xray status of a broken environment or suite defect (default ABORTED; a custom one of the project)",
    )
    send = steps.add_parser("upload", help="post the file to Xray Cloud (XRAY_CLIENT_ID, XRAY_CLIENT_SECRET)")
    send.add_argument("--file", type=Path, default=xray_dir(DEFAULT_LAYOUT) / "execution.json")
    send.add_argument(
        "--skip-without-credentials", action="store_true", help="say so and succeed when the credentials are not set"
    )
    send.add_argument(
        "--create-missing", action="store_true", help="write the keys of the tests Xray created into --keys"
    )
    send.add_argument("--keys", type=Path, default=DEFAULT_KEYS, help="the mapping file to complete")
    args = parser.parse_args(argv)
    if args.step == "build":
        return _build(args)
    return _upload(args)


def _build(args: argparse.Namespace) -> int:
    layout = RunLayout(args.base.resolve())
    try:
        path, unmapped = build(
            layout,
            args.features.resolve(),
            args.keys,
            project=args.project,
            test_plan=args.test_plan,
            test_execution=args.test_execution,
            create_missing=args.create_missing,
            include_stand=args.include_stand,
            no_verdict=args.no_verdict_status.strip().upper() or NO_VERDICT,
        )
    except NothingToUpload as why:
        print(f"xray: {why} (no {xray_dir(layout) / 'execution.json'})")
        return 0
    tests = json.loads(path.read_text(encoding="utf-8"))["tests"]
    print(f"xray: {path} ({len(tests)} tests)")
    if unmapped:
        what = "imported as new tests" if args.create_missing else "not in the import"
        count = sum(len(item.names) for item in unmapped)
        print(f"xray: {count} scenario(s) without an Xray test key ({what}); {args.keys} maps them by case:")
        for item in unmapped:
            print(f"  {item.line()}")
        print(f"  (listed in {path.parent / 'unmapped.txt'})")
    return 0


def _upload(args: argparse.Namespace) -> int:
    note = args.file.parent / NOTHING_FILE
    if not args.file.is_file() and note.is_file():
        print(f"xray upload: nothing to upload: {note.read_text(encoding='utf-8').strip()}")
        return 0
    client_id, secret = os.environ.get("XRAY_CLIENT_ID", ""), os.environ.get("XRAY_CLIENT_SECRET", "")
    if not client_id or not secret:
        print("xray upload skipped: XRAY_CLIENT_ID and XRAY_CLIENT_SECRET are not set")
        return 0 if args.skip_without_credentials else 2
    if not args.file.is_file():
        print(f"xray upload: {args.file} does not exist; `make xray` writes it")
        return 1
    if not json.loads(args.file.read_text(encoding="utf-8")).get("tests"):
        print(f"xray upload: {args.file} holds no test: no scenario has an Xray test key yet ({DEFAULT_KEYS.name})")
        return 1
    base_url = os.environ.get("XRAY_BASE_URL") or DEFAULT_BASE_URL
    try:
        done = upload(args.file, base_url, client_id, secret, created=args.create_missing)
    except UploadFailed as exc:
        print(f"xray upload failed: {exc}")
        return 1
    answer = done.answer
    print(f"xray: imported as Test Execution {answer.get('key', '?')} ({answer.get('self', api_base(base_url))})")
    if args.create_missing:
        written = write_keys(args.keys, done.created) if done.created else []
        print(f"xray: {len(written)} created test key(s) written to {args.keys}" + (": commit it" if written else ""))
    return _attach_sheet(str(answer.get("key") or ""), args.file.parent.parent)


def _attach_sheet(key: str, base: Path) -> int:
    """The sign-off sheet attached to the Test Execution (Jira's API: Xray's import carries no file for it)."""
    files = lasting_files(base)
    jira, user, token = (os.environ.get(k, "") for k in ("JIRA_BASE_URL", "JIRA_USER", "JIRA_API_TOKEN"))
    if not key or not files:
        print("xray: no sign-off sheet attached (`make signoff` writes signoff-<sw_version>-<date>.pdf and .json)")
        return 0
    if not (jira and user and token):
        print("xray: sign-off sheet not attached: JIRA_BASE_URL, JIRA_USER and JIRA_API_TOKEN are not set")
        return 0
    try:
        taken = attach(key, files, jira, user, token)
    except UploadFailed as exc:
        print(f"xray: attaching the sign-off sheet failed: {exc}")
        return 1
    print(f"xray: attached to {key}: {', '.join(taken)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
