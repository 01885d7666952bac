"""The known-defects register (docs/known-defects.yaml): failures the team knows, has filed in Jira and accepts for a
while. A failed scenario an entry matches stays a product defect: its clause stays failed, the run not fit for
sign-off, the exit code 1; only its words change, "known defect PZ-1234", with the Jira link, wherever it is shown.

    python -m tools.verdicts.known_defects [--register docs/known-defects.yaml]   # make lint: exit 1 on a bad entry

An entry that expired, names no clause or case the feature files know, or has no key, reason or date fails the check;
an expired entry is never applied.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import yaml

from support.clauses import BY_ID
from tools.common.catalogue import scenarios
from tools.common.layout import FEATURES, ROOT

REGISTER = ROOT / "docs" / "known-defects.yaml"
REGISTER_ENV = "FOCUS_KNOWN_DEFECTS"  # another register for a run (a trial, a test): its path
KEY = re.compile(r"^[A-Z][A-Z0-9_]*-\d+$")
DEFAULT_BROWSE = "https://jira.invalid/browse/"


@dataclass(frozen=True)
class KnownDefect:
    key: str
    reason: str
    expires: date
    clause: str | None = None
    case: str | None = None
    browse_url: str = DEFAULT_BROWSE

    @property
    def url(self) -> str:
        return self.browse_url + self.key

    @property
    def label(self) -> str:
        """What a matching failure reads, everywhere."""
        return f"known defect {self.key}"

    def expired(self, today: date) -> bool:
        return today > self.expires

    def matches(self, spec: str | None, case: str | None) -> bool:
        if self.case is not None and self.case != case:
            return False
        return self.clause is None or self.clause == spec


@dataclass(frozen=True)
class Register:
    defects: tuple[KnownDefect, ...]
    problems: tuple[str, ...]  # what is wrong with the file, one line each
    path: Path = REGISTER
    browse_url: str = DEFAULT_BROWSE  # where a Jira key opens: the key is appended (the team's Jira)

    def link(self, key: str) -> str:
        return self.browse_url + key

    def live(self, today: date | None = None) -> list[KnownDefect]:
        """The entries that apply today (an expired one does not)."""
        today = today or datetime.now(UTC).date()
        return [d for d in self.defects if not d.expired(today)]

    def match(self, spec: str | None, case: str | None, today: date | None = None) -> KnownDefect | None:
        """The live entry for a failed scenario of this clause and case, if any (one naming the case wins)."""
        found = [d for d in self.live(today) if d.matches(spec, case)]
        return next((d for d in found if d.case), found[0] if found else None)


def _browse_url(data: dict) -> str:
    base = os.environ.get("JIRA_BASE_URL") or str(data.get("jira_browse_url") or DEFAULT_BROWSE)
    if os.environ.get("JIRA_BASE_URL") and "/browse" not in base:
        base = base.rstrip("/") + "/browse/"
    return base if base.endswith("/") else base + "/"


def _entry(raw: object, index: int, browse: str) -> tuple[KnownDefect | None, list[str]]:
    where = f"entry {index + 1}"
    if not isinstance(raw, dict):
        return None, [f"{where}: not a mapping of key, clause/case, reason, expires"]
    key, reason = str(raw.get("key") or "").strip(), str(raw.get("reason") or "").strip()
    clause = str(raw["clause"]).strip() if raw.get("clause") is not None else None
    case = str(raw["case"]).strip() if raw.get("case") is not None else None
    problems = [] if KEY.match(key) else [f"{where}: key {key!r} is not a Jira key like PZ-1234"]
    where = f"{where} ({key or 'no key'})"
    if not reason:
        problems.append(f"{where}: no reason")
    if clause is None and case is None:
        problems.append(f"{where}: names neither a clause nor a case")
    if clause is not None and clause not in BY_ID:
        problems.append(f"{where}: no clause {clause!r} in support/clauses.py")
    expires = raw.get("expires")
    if isinstance(expires, datetime):
        expires = expires.date()
    if not isinstance(expires, date):
        try:
            expires = date.fromisoformat(str(expires))
        except ValueError:
            problems.append(f"{where}: expires {expires!r} is not a date (YYYY-MM-DD)")
            return None, problems
    return KnownDefect(key, reason, expires, clause, case, browse), problems


def register_path() -> Path:
    """The register a run reads: FOCUS_KNOWN_DEFECTS when set, else docs/known-defects.yaml."""
    return Path(os.environ.get(REGISTER_ENV) or REGISTER)


def read(path: Path | None = None) -> Register:
    """The register as written (default: `register_path()`); an absent file is an empty register."""
    path = path or register_path()
    if not path.is_file():
        return Register((), (), path, _browse_url({}))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        return Register((), (f"not valid YAML: {error}",), path, _browse_url({}))
    if not isinstance(data, dict):
        return Register((), ("not a mapping with `defects:`",), path, _browse_url({}))
    browse, defects, problems = _browse_url(data), [], []
    for index, raw in enumerate(data.get("defects") or []):
        entry, found = _entry(raw, index, browse)
        problems += found
        if entry is not None:
            defects.append(entry)
    return Register(tuple(defects), tuple(problems), path, browse)


def check(register: Register, known_cases: Iterable[tuple[str | None, str | None]], today: date) -> list[str]:
    """Every problem of the register: bad entries, expired ones, cases the feature files do not have."""
    cases = {case: spec for spec, case in known_cases if case}
    problems = list(register.problems)
    for d in register.defects:
        if d.expired(today):
            problems.append(f"{d.key}: expired on {d.expires.isoformat()}: renew it (a new date) or remove it")
        if d.case is not None and d.case not in cases:
            problems.append(f"{d.key}: no scenario has @case-{d.case}")
        elif d.case is not None and d.clause is not None and cases[d.case] != d.clause:
            problems.append(f"{d.key}: @case-{d.case} checks clause {cases[d.case]}, not {d.clause}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check the known-defects register.")
    parser.add_argument("--register", type=Path, help=f"default: ${REGISTER_ENV}, else docs/{REGISTER.name}")
    parser.add_argument("--features", type=Path, default=FEATURES)
    args = parser.parse_args(argv)
    register = read(args.register)
    known = [(s.spec, s.case) for s in scenarios(args.features, ROOT)]
    problems = check(register, known, datetime.now(UTC).date())
    for problem in problems:
        print(f"{register.path.name}: {problem}", file=sys.stderr)
    if problems:
        return 1
    print(f"known defects: {len(register.defects)} entr{'y' if len(register.defects) == 1 else 'ies'}, none expired")
    return 0


if __name__ == "__main__":
    sys.exit(main())
