"""History over the task API: configure a task for a window, poll its waterfall to the end of the stream, judge.

The poller keeps every row and every poll (status, rows, when, how long), and stops on 208, on a status the
contract does not give for a running task, or at its deadline; it never decides whether that was right. The
`expect_*` functions do, each with a message that says what was seen.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Protocol

from support import ids
from support.errors import SuiteDefect
from support.evidence import attach_json, attach_png, attach_text
from support.focus_api import Answer
from support.models import ConfigAccepted, ErrorBody, Range, Row, TaskConfig, WaterfallBlock
from support.pictures import waterfall_png
from support.recordings import HistoryWindow
from support.settings import Timing
from support.timeline import CONTINUITY_MS, Span, compare_holes, coverage, find_temporal_gaps
from support.waiting import Pace, WaitTimeout, monotonic, poll_until

ROW_COUNT = 500  # rows asked for per poll: large, so that a 15-minute window takes few polls
CONFIG_ACCEPTED = "Config received successfully"


class RowTimes(Protocol):
    """What the coverage and hole checks read: the rows' timestamps (a waterfall's, or a gRPC stream's frames')."""

    @property
    def timestamps(self) -> list[int]: ...


class WaterfallSource(Protocol):
    def waterfall(self, task_id: str, row_count: int) -> Answer[list[WaterfallBlock]]: ...


def new_task_id(tags: Iterable[str]) -> str:
    """`acc_<case>_<hex>` (support.ids): unique per scenario, and telling which scenario made it."""
    return ids.new_task_id(ids.purpose_of_tags(tags))


HISTORY_SENSORS = Range(min=0, max=7)  # §4 is about time, not sensors: a few keep the blocks small and quick to read


def history_config(window: Span) -> TaskConfig:
    """The task body for a window: the defaults, a few sensors, and no mode (the clarifications say none exists)."""
    return TaskConfig.history(window.start, window.end, sensors=HISTORY_SENSORS)


@dataclass(frozen=True)
class Poll:
    status: int
    rows: int
    at_s: float  # since the first poll
    took_s: float


@dataclass
class WaterfallResult:
    """Everything one read of a task's waterfall gave."""

    task_id: str
    rows: list[Row] = field(default_factory=list)
    polls: list[Poll] = field(default_factory=list)
    ended_with_208: bool = False
    stopped_because: str = "not started"
    elapsed_s: float = 0.0
    after_end: Poll | None = None  # one more poll after 208: the stream is over, so it must bring no rows

    @property
    def statuses(self) -> list[int]:
        return [poll.status for poll in self.polls]

    @property
    def timestamps(self) -> list[int]:
        return sorted(row.startTimestamp for row in self.rows)

    def status_sequence(self) -> str:
        """`200×2 201×14 208`: the statuses in the order seen, repeats counted."""
        return " ".join(
            f"{status}×{count}" if (count := len(list(group))) > 1 else str(status)
            for status, group in groupby(self.statuses)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "task_id": self.task_id,
            "sequence": self.status_sequence(),
            "ended_with_208": self.ended_with_208,
            "stopped_because": self.stopped_because,
            "elapsed_s": round(self.elapsed_s, 3),
            "rows": len(self.rows),
            "after_end": None if self.after_end is None else vars(self.after_end),
            "polls": [vars(poll) for poll in self.polls],
        }


@dataclass
class WaterfallPoller:
    """Polls `GET /waterfall/{task_id}/{row_count}` until 208, an unexpected status, or the deadline."""

    source: WaterfallSource
    task_id: str
    row_count: int = ROW_COUNT
    deadline_s: float = Timing.waterfall_read_s
    end_grace_s: float = Timing.waterfall_end_grace_s
    pause_s: float = Timing.fast_poll_s  # between polls that brought nothing (200 empty); none after rows
    last_covered_ms: int | None = None  # the window's last recorded instant, when known
    result: WaterfallResult = field(init=False)

    def __post_init__(self) -> None:
        self.result = WaterfallResult(self.task_id)
        self._started = monotonic()
        self._complete_at: float | None = None  # when the rows reached the last recorded instant

    def run(self) -> WaterfallResult:
        """Read to the end; the result is filled in place as polls come, so that it is there even after an error."""
        self._started = monotonic()
        try:
            self.result.stopped_because = poll_until(
                self._poll,
                reason=f"the end of stream (208) of task {self.task_id}",
                timeout_s=self.deadline_s,
                interval_s=self.pause_s,
            )
        except WaitTimeout:
            self.result.stopped_because = f"no 208 within the deadline of {self.deadline_s:g} s"
        finally:
            self.result.elapsed_s = monotonic() - self._started
        if self.result.ended_with_208:
            self.result.after_end = self._ask()[0]
        return self.result

    def once(self) -> tuple[Poll, list[Row]]:
        """One poll, kept in the result with its rows."""
        poll, rows = self._ask()
        self.result.polls.append(poll)
        self.result.rows.extend(rows)
        return poll, rows

    def _ask(self) -> tuple[Poll, list[Row]]:
        asked = monotonic()
        answer = self.source.waterfall(self.task_id, self.row_count)
        rows = [row for block in answer.body or [] for row in block.rows] if answer.status == 201 else []
        return Poll(answer.status, len(rows), round(asked - self._started, 3), round(answer.elapsed_s, 3)), rows

    def _poll(self) -> str | Pace:
        poll, rows = self.once()
        if poll.status == 208:
            self.result.ended_with_208 = True
            return "208, end of stream"
        if poll.status not in (200, 201):
            return f"the waterfall answered {poll.status}"
        if rows:
            self._note_progress(rows)
            return Pace.AT_ONCE
        if self._complete_at is not None and monotonic() - self._complete_at > self.end_grace_s:
            return f"no 208 within {self.end_grace_s:g} s after the rows reached the last recorded instant"
        return Pace.LATER

    def _note_progress(self, rows: list[Row]) -> None:
        """Start the end-of-stream grace once a row has come from the window's last recorded instant."""
        if self._complete_at is not None or self.last_covered_ms is None:
            return
        if max(row.startTimestamp for row in rows) >= self.last_covered_ms - CONTINUITY_MS:
            self._complete_at = monotonic()


# -- reading a history window and keeping the evidence -----------------------------------------------------------


def read_history(source: WaterfallSource, task_id: str, history: HistoryWindow, **poller: Any) -> WaterfallResult:
    """Read the task's waterfall to its end and attach what came: picture, status sequence, gaps found."""
    reader = WaterfallPoller(source, task_id, last_covered_ms=history.last_covered_ms, **poller)
    try:
        return reader.run()
    finally:
        attach_reading(reader.result, history)


def attach_reading(result: WaterfallResult, history: HistoryWindow) -> None:
    gaps = find_temporal_gaps(result.timestamps, CONTINUITY_MS)
    ending = "ended with 208" if result.ended_with_208 else f"stopped: {result.stopped_because}"
    title = (
        f"task {result.task_id}: window {history.window.label()} {history.shape.value}\n"
        f"{len(result.rows)} rows; statuses {result.status_sequence() or 'none'}; {ending}"
    )
    attach_png("waterfall received", waterfall_png(result.rows, history.window, history.recordings, gaps, title))
    attach_json("waterfall status sequence", result.as_dict())
    attach_json(
        "gaps found in the rows",
        {
            "threshold_ms": CONTINUITY_MS,
            "gaps": [gap.as_dict() for gap in gaps],
            "catalogue_holes": [hole.as_dict() for hole in history.holes],
        },
    )


# -- judging ---------------------------------------------------------------------------------------------------


def expect_accepted(answer: Answer) -> None:
    assert answer.status == 200 and isinstance(answer.body, ConfigAccepted), (
        f"{answer.route} answered {answer.status}, not 200: {answer.text[:300]}"
    )
    said = answer.body.status
    assert said == CONFIG_ACCEPTED, f"accepted with status {said!r}, not {CONFIG_ACCEPTED!r}"


def expect_refused(answer: Answer, status: int, text: str) -> None:
    assert answer.status == status, f"{answer.route} answered {answer.status}, not {status}: {answer.text[:300]}"
    assert isinstance(answer.body, ErrorBody), f"{answer.route} answered {status} without an error body"
    assert text.lower() in answer.body.error.lower(), f"the error {answer.body.error!r} does not say {text!r}"


def expect_at_once(answer: Answer, limit_s: float) -> None:
    """Fail-fast, measured from sending the request to the whole answer; the figure goes into the report."""
    took = f"{answer.route} answered {answer.status} in {answer.elapsed_s:.3f} s"
    attach_text("time to answer", f"{took} (limit for 'at once': under {limit_s:g} s)")
    assert answer.elapsed_s < limit_s, f"{took}, not under {limit_s:g} s"


def expect_no_task(source: WaterfallSource, task_id: str, history: HistoryWindow) -> None:
    """A refused configuration leaves nothing behind: the task is unknown to the waterfall (404)."""
    reader = WaterfallPoller(source, task_id)
    poll, _ = reader.once()
    reader.result.stopped_because = f"one poll, to see whether the task exists: {poll.status}"
    attach_reading(reader.result, history)
    assert poll.status == 404, f"the waterfall of the refused task {task_id} answered {poll.status}, not 404"


def expect_rows(result: WaterfallResult) -> None:
    """Rows came with 201; besides, only 200 (none ready yet) and 208 (the end) are statuses of a running task."""
    sequence = result.status_sequence() or "no poll"
    assert result.rows, f"no rows received; statuses {sequence}; stopped: {result.stopped_because}"
    others = sorted(set(result.statuses) - {200, 201, 208})
    assert not others, f"the waterfall answered {others} while the task ran; statuses {sequence}"


def expect_end(result: WaterfallResult) -> None:
    sequence = result.status_sequence() or "no poll"
    assert result.ended_with_208, f"the stream did not end with 208: {result.stopped_because}; statuses {sequence}"


def expect_nothing_after_end(result: WaterfallResult) -> None:
    after = result.after_end
    assert after is not None, f"the stream never ended: {result.stopped_because}"
    assert after.rows == 0, f"{after.rows} row(s) came after the end of stream (status {after.status})"


def expect_coverage(result: RowTimes, history: HistoryWindow, threshold_ms: int, *, only_inside: bool = False) -> None:
    """The rows cover the window's recorded time (and, unless `only_inside`, lie nowhere else)."""
    report = coverage(result.timestamps, history.parts, threshold_ms)
    attach_json("coverage of the recorded time", report.as_dict())
    assert not report.inside, f"{history.describe()}: " + "; ".join(report.inside)
    if not only_inside:
        assert not report.outside, f"{history.describe()}: rows outside the recordings: " + "; ".join(report.outside)


def expect_every_second(result: RowTimes, history: HistoryWindow) -> None:
    """Every whole second of the window's recorded time has at least one row (the contract: history carries at least
    one row per second of covered recording time), so that a second left out shows even where the rows beside it
    are closer than the gap threshold."""
    seconds_with_rows = {stamp // 1000 for stamp in result.timestamps}
    recorded = [s for part in history.parts for s in range(-(-part.start_ms // 1000), part.end_ms // 1000)]
    missing = [s for s in recorded if s not in seconds_with_rows]
    attach_json("recorded seconds without a row", {"recorded_seconds": len(recorded), "missing": missing[:200]})
    assert not missing, (
        f"{history.describe()}: {len(missing)} of the {len(recorded)} recorded seconds have no row, the first at "
        f"{missing[0]} (epoch s)"
    )


def expect_holes(result: RowTimes, history: HistoryWindow, threshold_s: int) -> None:
    """Each catalogue hole over the threshold shows as a gap in the rows, and no gap shows anywhere else."""
    comparison = compare_holes(result.timestamps, history.holes, threshold_s * 1000)
    attach_json("holes: rows against the catalogue", comparison.as_dict())
    if not (comparison.matched or comparison.missing):
        # The Given step found the window by such a hole (support.recordings.fits): a check does not judge set-up.
        raise SuiteDefect(f"the window chosen has no catalogue hole over {threshold_s} s: {history.describe()}")
    assert not comparison.problems, f"{history.describe()}: " + "; ".join(comparison.problems)
