"""The clause register: the single list of what the clarifications ask, with the ids used everywhere.

Feature files tag each scenario `@spec-<id>`; the Allure integration turns that tag into the `spec` label and a
link to the section; the lint checks that every clause here has a scenario; the traceability page is built from it.
"""

from __future__ import annotations

from dataclasses import dataclass

SPEC_FILE = "docs/technical-specifications-clarifications.md"
# The report carries an HTML copy of the clarifications with one anchor per clause (see tools/report/build.py).
SPEC_PAGE = "clarifications.html"
TAG_PREFIX = "spec-"
# Allure 3 renders a result's link only for http(s) URLs: results link to this origin, which never resolves (RFC 2606
# `.invalid`), and the report's own script turns it into the page beside the report (tools/report/report_page.py).
REPORT_ORIGIN = "https://report.invalid/"


@dataclass(frozen=True)
class Clause:
    id: str
    section: str  # the numbered section of the clarifications
    title: str  # the heading the clause lives under
    answer: str  # the official answer, word for word

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


_RABBIT = "1️⃣ RabbitMQ Configuration & Topology"
_SLA = "2️⃣ SLA Requirements & Timeouts"
_RECORDER = "3️⃣ Smart Recorder Integration"
_HISTORY = "4️⃣ Partial Results in History Playback"
_HISTORY_ANSWER = (
    "1. No recordings in time range → Fail-fast. Returns error immediately if no recordings exist. "
    "2. Recordings with gaps → Partial results with holes. Returns available data with gaps in the middle"
)

CLAUSES: tuple[Clause, ...] = (
    Clause("1.1", _RABBIT, "Exchange Configuration", "There is only ONE exchange named `prisma`"),
    Clause(
        "1.2",
        _RABBIT,
        "Queue Configuration",
        "Official Answer (Context-Dependent): Recorder: `recorder_input`; "
        "Jobs: `{job_id}_{suffix}`; Focus Server: No queue (publisher only)",
    ),
    Clause("2.1", _SLA, "gRPC Stream Timeout", "On backend we have gRPC timeout for live and history of 180 seconds"),
    Clause(
        "2.2",
        _SLA,
        "Metadata Collection Time",
        "Metadata collect time is supposed to be quick (no specific value given)",
    ),
    Clause(
        "2.3",
        _SLA,
        "Reconnect/Retry Timeouts",
        "Noga has some timeouts for resending requests (frontend responsibility)",
    ),
    Clause(
        "3.1", _RECORDER, "Connection Protocol", "AMQP. It connects to the interrogator - all communication is AMQP"
    ),
    Clause("4.1", _HISTORY, "Scenario 1: No Recordings → Fail-Fast", _HISTORY_ANSWER),
    Clause("4.2", _HISTORY, "Scenario 2: Complete Coverage → Full Results", _HISTORY_ANSWER),
    Clause("4.3", _HISTORY, "Scenario 3: Partial Coverage → Data with Holes", _HISTORY_ANSWER),
    Clause("4.4", _HISTORY, "Scenario 4: Edge Case - Single Recording at Start", _HISTORY_ANSWER),
    Clause("4.5", _HISTORY, "Scenario 5: Edge Case - Single Recording in Middle", _HISTORY_ANSWER),
    Clause(
        "4.6", _HISTORY, 'Decision on "Strict" vs "Best-Effort"', 'No explicit "Strict" or "Best-Effort" modes exist.'
    ),
)

BY_ID: dict[str, Clause] = {clause.id: clause for clause in CLAUSES}


def clause_of_tags(tags: list[str]) -> Clause | None:
    """The clause a scenario checks, from its `@spec-<id>` tag (scenario tags first, then the feature's)."""
    for tag in tags:
        if tag.startswith(TAG_PREFIX) and tag[len(TAG_PREFIX) :] in BY_ID:
            return BY_ID[tag[len(TAG_PREFIX) :]]
    return None
