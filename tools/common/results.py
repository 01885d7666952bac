"""Read an allure-results folder back: one `ScenarioResult` per scenario, with its clause, case and kind of ending.

The kind of a red scenario is the label `outcome` the suite's formatter wrote (support/errors.py files it by the type
of what was raised, never by the message); a red result without it (not written by our formatter) is filed by its
Allure status: failed (an assertion, for allure-behave) is a product defect, broken a suite defect.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from hashlib import md5
from pathlib import Path

from support.clauses import case_of_tags


class Kind(StrEnum):
    PASSED = "passed"
    PRODUCT = "product defect"  # the `outcome` label's values (support/errors.py's table files them)
    ENVIRONMENT = "broken environment"
    SUITE = "suite defect"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class ScenarioResult:
    name: str
    spec: str | None  # clause id from the `spec` label, None if the scenario has none
    case: str | None  # the `@case-<slug>` tag without its prefix
    status: str  # Allure's: passed, failed, broken, skipped, unknown
    message: str
    start_ms: int
    stop_ms: int
    history_id: str
    exception: tuple[str, ...] = ()  # the qualified names of the raised exception's MRO, most specific first
    outcome: str | None = None  # the category the suite filed a red result under (label `outcome`)
    not_offered: bool = False  # skipped because the target offers no API for it (label `offered` = `no`)
    api: str | None = None  # the API the scenario needs, from its `@api-task` / `@api-job` tag (None: neither)
    feature: str = ""  # the feature file's title, from the `feature` label
    uuid: str = ""
    left_out: bool = False  # not run because the profile does not select it (label `left_out`, tools/run/not_run.py)

    @property
    def kind(self) -> Kind:
        if self.status == "passed":
            return Kind.PASSED
        if not self.red:
            return Kind.SKIPPED
        if self.outcome in {kind.value for kind in Kind}:
            return Kind(self.outcome)
        # no outcome label (a result written by hand, a crash): failed is the product's, broken ours
        return Kind.PRODUCT if self.status == "failed" else Kind.SUITE

    @property
    def red(self) -> bool:
        """Failed or broken: the run did not show the clause holds."""
        return self.status in ("failed", "broken")

    @property
    def report_id(self) -> str:
        """The result's id in the Allure report (the md5 of its uuid): `index.html#<id>` opens it."""
        return md5(self.uuid.encode()).hexdigest() if self.uuid else ""

    @property
    def duration_s(self) -> float:
        return max(0, self.stop_ms - self.start_ms) / 1000


def _label(labels: list[dict], name: str) -> str | None:
    return next((label.get("value") for label in labels if label.get("name") == name), None)


def parse_result(data: dict) -> ScenarioResult:
    labels = data.get("labels") or []
    details = data.get("statusDetails") or {}
    tags = [label.get("value", "") for label in labels if label.get("name") == "tag"]
    return ScenarioResult(
        name=data.get("name", ""),
        spec=_label(labels, "spec"),
        case=case_of_tags(tags),
        status=data.get("status") or "unknown",
        message=(details.get("message") or "").strip(),
        start_ms=int(data.get("start") or 0),
        stop_ms=int(data.get("stop") or 0),
        history_id=data.get("historyId") or "",
        exception=tuple(label.get("value", "") for label in labels if label.get("name") == "exception"),
        outcome=_label(labels, "outcome"),
        not_offered=_label(labels, "offered") == "no",
        api=next((tag[len("api-") :] for tag in tags if tag in ("api-task", "api-job")), None),
        feature=_label(labels, "feature") or "",
        left_out=_label(labels, "left_out") == "profile",
        uuid=data.get("uuid") or "",
    )


def read_results(folder: Path) -> list[ScenarioResult]:
    """Every scenario result of an allure-results folder, in start order (an absent folder reads as empty)."""
    if not folder.is_dir():
        return []
    found = [parse_result(json.loads(path.read_text(encoding="utf-8"))) for path in folder.glob("*-result.json")]
    return sorted(found, key=lambda result: (result.start_ms, result.name))


def tally(results: Iterable[ScenarioResult]) -> Counter[Kind]:
    return Counter(result.kind for result in results)


def run_properties(results: Path) -> dict[str, str]:
    """The run's environment.properties (written by the runner into the results folder), as a dict."""
    path = results / "environment.properties"
    lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    pairs = (line.partition("=") for line in lines if not line.lstrip().startswith("#"))
    return {key.strip(): value.strip().replace("\\\\", "\\") for key, sep, value in pairs if sep}
