"""The known-defects register (docs/known-defects.yaml, or $FOCUS_KNOWN_DEFECTS): failures filed in Jira and accepted
for a while. A failed scenario an entry matches stays failed (exit 1), and reads "known defect PZ-1234" with its link.
`python -m tools.verdicts.known_defects` (make lint): exit 1 on a bad or expired entry of the register."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable
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
JIRA = "https://jira.invalid/browse/"


@dataclass(frozen=True)
class KnownDefect:
    key: str
    reason: str
    expires: date
    clause: str | None
    case: str | None
    url: str  # its Jira link

    @property
    def label(self) -> str:
        return f"known defect {self.key}"  # what a matching failure reads, everywhere


@dataclass(frozen=True)
class Register:
    defects: tuple[KnownDefect, ...]
    problems: tuple[str, ...]  # what is wrong with the file, one line each
    path: Path
    browse_url: str  # where a Jira key opens: the key is appended (the team's Jira; JIRA_BASE_URL wins)

    def match(self, spec: str | None, case: str | None, today: date | None = None) -> KnownDefect | None:
        """The live (unexpired) entry for a failed scenario of this clause and case; one naming the case wins."""
        today = today or datetime.now(UTC).date()
        live = [d for d in self.defects if today <= d.expires and d.case in (None, case) and d.clause in (None, spec)]
        return next((d for d in live if d.case), next((d for d in live if d.clause), None))


def _entry(raw: object, where: str, browse: str) -> tuple[KnownDefect | None, list[str]]:
    if not isinstance(raw, dict):
        return None, [f"{where}: not a mapping of key, clause/case, reason, expires"]
    key, reason = str(raw.get("key") or "").strip(), str(raw.get("reason") or "").strip()
    clause, case = (str(raw[name]).strip() if raw.get(name) is not None else None for name in ("clause", "case"))
    where = f"{where} ({key or 'no key'})"
    problems = [f"{where}: key {key!r} is not a Jira key like PZ-1234"] if not KEY.match(key) else []
    problems += [f"{where}: no reason"] if not reason else []
    problems += [f"{where}: names neither a clause nor a case"] if clause is None and case is None else []
    problems += [f"{where}: no clause {clause!r} in features/clauses.yaml"] if clause and clause not in BY_ID else []
    try:  # YAML reads a date (or a date and time) itself; anything else is text
        expires = date.fromisoformat(str(raw.get("expires"))[:10])
    except ValueError:
        return None, [*problems, f"{where}: expires {raw.get('expires')!r} is not a date (YYYY-MM-DD)"]
    return KnownDefect(key, reason, expires, clause, case, browse + key), problems


def read(path: Path | None = None) -> Register:
    """The register as written (default: $FOCUS_KNOWN_DEFECTS, else docs/known-defects.yaml); absent, it is empty."""
    path, problems = path or Path(os.environ.get(REGISTER_ENV) or REGISTER), []
    try:
        data = (yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else None) or {}
    except yaml.YAMLError as error:
        data, problems = {}, [f"not valid YAML: {error}"]
    if not isinstance(data, dict):
        data, problems = {}, ["not a mapping with `defects:`"]
    given = os.environ.get("JIRA_BASE_URL", "").rstrip("/")
    browse = f"{given}/browse" if given and "/browse" not in given else given or data.get("jira_browse_url") or JIRA
    browse = str(browse).rstrip("/") + "/"
    entries = [_entry(raw, f"entry {n}", browse) for n, raw in enumerate(data.get("defects") or [], start=1)]
    problems += [problem for _, found in entries for problem in found]
    return Register(tuple(d for d, _ in entries if d is not None), tuple(problems), path, browse)


def check(register: Register, known_cases: Iterable[tuple[str | None, str | None]], today: date) -> list[str]:
    """Every problem of the register: bad entries, expired ones, cases the feature files do not have."""
    cases = {case: spec for spec, case in known_cases if case}
    problems = list(register.problems)
    for d in register.defects:
        if today > d.expires:
            problems.append(f"{d.key}: expired on {d.expires.isoformat()}: renew it (a new date) or remove it")
        if d.case is not None and d.case not in cases:
            problems.append(f"{d.key}: no scenario has @case-{d.case}")
        elif d.case is not None and d.clause is not None and cases[d.case] != d.clause:
            problems.append(f"{d.key}: @case-{d.case} checks clause {cases[d.case]}, not {d.clause}")
    return problems


def main() -> int:
    register = read()
    problems = check(register, [(s.spec, s.case) for s in scenarios(FEATURES, ROOT)], datetime.now(UTC).date())
    print("".join(f"{register.path.name}: {problem}\n" for problem in problems), end="", file=sys.stderr)
    if not problems:
        print(f"known defects: {len(register.defects)} in {register.path.name}, none expired")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
