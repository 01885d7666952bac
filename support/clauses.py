"""The clause register's loader: features/clauses.yaml (each clause, its cases, the clarifications' figures) read
once into frozen records; the one way in for the suite and the tools (which may import it and the settings only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml
from allure_commons.utils import md5

REGISTER = Path(__file__).resolve().parent.parent / "features" / "clauses.yaml"
SPEC_FILE = "docs/technical-specifications-clarifications.md"
# The report carries an HTML copy of the clarifications with one anchor per clause (see tools/report/).
SPEC_PAGE = "clarifications.html"
TAG_PREFIX = "spec-"
CASE_PREFIX = "case-"
# Allure 3 renders a result's link only for http(s) URLs: results link to this origin, which never resolves (RFC 2606
# `.invalid`), and the report's own script turns it into the page beside the report.
REPORT_ORIGIN = "https://report.invalid/"


@dataclass(frozen=True)
class Clause:
    id: str
    section: str  # the numbered section of the clarifications, as its heading reads
    title: str  # the heading the clause lives under
    answer: str  # the official answer, one line
    cases: MappingProxyType[str, str | None]  # each @case-<slug> of its scenarios, and its Xray key if it has one

    @property
    def anchor(self) -> str:
        return "clause-" + self.id.replace(".", "-")

    @property
    def link(self) -> str:
        return f"{SPEC_PAGE}#{self.anchor}"

    @property
    def report_link(self) -> str:
        """The link of an Allure result: absolute, as Allure needs; the report makes it relative again."""
        return REPORT_ORIGIN + self.link

    @property
    def tag(self) -> str:
        return TAG_PREFIX + self.id

    @property
    def labels(self) -> list[tuple[str, str]]:
        """The Allure labels of a result of this clause: the report's tree groups by section, then clause."""
        title = f"{self.id} {self.title}"
        return [("spec", self.id), ("clause", title), ("parentSuite", f"§{self.id[0]}"), ("suite", title)]

    @property
    def link_name(self) -> str:
        return f"Clarifications {self.id}"

    def history_ids(self, case: str, values: list[str]) -> tuple[str, str]:
        """A result's history and test case ids: from the clause, the case and an outline row's `name=value`s, so
        that trends survive a renamed title (the suite's results and the runner's not-run ones alike)."""
        return md5(self.id, case, *values), md5(self.id, case)


def _load(path: Path) -> tuple[dict[str, float], tuple[Clause, ...]]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    sections = {str(key): str(value) for key, value in data["sections"].items()}
    clauses = tuple(
        Clause(
            id=str(entry["id"]),
            section=sections[str(entry["id"]).split(".")[0]],
            title=str(entry["title"]),
            answer=str(entry["answer"]),
            cases=MappingProxyType({str(slug): key for slug, key in (entry.get("cases") or {}).items()}),
        )
        for entry in data["clauses"]
    )
    return {str(name): float(value) for name, value in data["figures"].items()}, clauses


_FIGURES, CLAUSES = _load(REGISTER)
# The clarifications' own figures (the stream limit, the SLAs, §4's example sizes), by their name in the register.
FIGURES: MappingProxyType[str, float] = MappingProxyType(_FIGURES)
BY_ID: dict[str, Clause] = {clause.id: clause for clause in CLAUSES}
CASES: dict[str, Clause] = {case: clause for clause in CLAUSES for case in clause.cases}


def clause_of_tags(tags: list[str]) -> Clause | None:
    """The clause a scenario checks, from its `@spec-<id>` tag (scenario tags first, then the feature's)."""
    for tag in tags:
        if tag.startswith(TAG_PREFIX) and tag[len(TAG_PREFIX) :] in BY_ID:
            return BY_ID[tag[len(TAG_PREFIX) :]]
    return None


def case_of_tags(tags: list[str]) -> str | None:
    """The scenario's `@case-<slug>` without its prefix, if it has one."""
    return next((tag[len(CASE_PREFIX) :] for tag in tags if tag.startswith(CASE_PREFIX)), None)


def xray_key(case: str | None) -> str | None:
    """The Xray test key the register gives a case, if any."""
    clause = CASES.get(case or "")
    return clause.cases[case] if clause is not None and case is not None else None
