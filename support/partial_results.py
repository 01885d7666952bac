"""Clause §4, partial results in history playback (4.1 … 4.6), over both APIs: a history window asked for, read to
the end of its stream, and judged.

Task API: a task configured for the window, its waterfall polled until 208. The poller keeps every row and every
poll (status, rows, when, how long), and stops on 208, on a status the contract does not give for a running task, or
at its deadline; it never decides whether that was right.

Job API (the production server offers no waterfall): history is a job (`POST /configure`, epoch seconds) whose gRPC
stream plays the recorded data at recording pace and skips holes. What the waterfall's rows and 208 say there, the
stream says here (contract, "Target shapes"): the rows are the frames' `timestamp_in_milis`, and the end of stream is
the stream ending with status OK once the last recorded instant has come. A stream the server cut at its limit before
the window's data ran out is judged by what came before the cut (`judge_a_cut`): only when that agrees with the
clause does the scenario say it could not judge it (clause 2.1's business).

The `expect_*` functions judge, each with a message that says what was seen. Coverage and holes are judged alike for
both APIs, on the rows' timestamps (`support.timeline.RowTimes`), and each reading attaches the same picture and gap
table.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Protocol

import grpc

from support import ids
from support.errors import PreconditionNotMet, SuiteDefect
from support.evidence import attach_json, attach_png, attach_text
from support.focus_api import Answer, FocusServer
from support.grpc_stream import Ending, Frame, StreamTimeline, read_job_stream
from support.models import (
    ConfigAccepted,
    ErrorBody,
    JobConfig,
    JobConfigured,
    Range,
    Row,
    TaskConfig,
    WaterfallBlock,
)
from support.pictures import rows_of_frame, waterfall_png
from support.recordings import HistoryWindow
from support.settings import Settings, Timing, get_settings
from support.timeline import (
    CONTINUITY_MS,
    RowTimes,
    Span,
    compare_holes,
    coverage,
    find_temporal_gaps,
    fmt,
    parts_until,
)
from support.waiting import Pace, WaitTimeout, monotonic, poll_until

ROW_COUNT = 500  # rows asked for per poll: large, so that a 15-minute window takes few polls
CONFIG_ACCEPTED = "Config received successfully"
HISTORY_SENSORS = Range(min=0, max=7)  # §4 is about time, not sensors: a few keep the blocks small and quick to read
# §4 is about time, not channels: a few keep the frames small (channels are 1-based in the job API).
HISTORY_CHANNELS = Range(min=1, max=8)


# -- asking for a window: a task, or a job -----------------------------------------------------------------------


class WaterfallSource(Protocol):
    """Where the poller reads a task's waterfall: the target's REST client, or a fake."""

    def waterfall(self, task_id: str, row_count: int) -> Answer[list[WaterfallBlock]]: ...


def new_task_id(tags: Iterable[str]) -> str:
    """`acc_<case>_<hex>` (support.ids): unique per scenario, and telling which scenario made it."""
    return ids.new_task_id(ids.purpose_of_tags(tags))


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
    deadline_s: float = field(default_factory=lambda: get_settings().timeouts.waterfall_read_s)
    end_grace_s: float = field(default_factory=lambda: get_settings().timeouts.waterfall_end_grace_s)
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


def history_job_config(history: HistoryWindow) -> JobConfig:
    """The job body for a window: the defaults, a few channels, and no mode (the clarifications say none exists)."""
    return JobConfig.history(history.window.start, history.window.end, channels=HISTORY_CHANNELS)


@dataclass
class StreamReading:
    """Everything one read of a history job's stream gave: its timeline and the rows, for the picture."""

    job_id: str
    timeline: StreamTimeline
    rows: list[Row] = field(default_factory=list)
    # A stream cut at the limit whose rows had already shown the clause broken: why the cut excuses nothing (each
    # failing check says it, `each`); empty for a stream that was not cut.
    cut: str = ""

    @property
    def timestamps(self) -> list[int]:
        return sorted(self.timeline.row_timestamps_ms)


def expect_job_accepted(answer: Answer) -> JobConfigured:
    assert answer.status == 200 and isinstance(answer.body, JobConfigured), (
        f"{answer.route} answered {answer.status}, not 200: {answer.text[:300]}"
    )
    return answer.body


# -- reading it to the end of its stream, and keeping the evidence -----------------------------------------------


def read_history(source: WaterfallSource, task_id: str, history: HistoryWindow, **poller: Any) -> WaterfallResult:
    """Read the task's waterfall to its end and attach what came: picture, status sequence, gaps found."""
    reader = WaterfallPoller(source, task_id, last_covered_ms=history.last_covered_ms, **poller)
    try:
        return reader.run()
    finally:
        attach_reading(reader.result, history)


def attach_reading(result: WaterfallResult, history: HistoryWindow) -> None:
    ending = "ended with 208" if result.ended_with_208 else f"stopped: {result.stopped_because}"
    title = (
        f"task {result.task_id}: window {history.window.label()} {history.shape.value}\n"
        f"{len(result.rows)} rows; statuses {result.status_sequence() or 'none'}; {ending}"
    )
    details = ("waterfall status sequence", result.as_dict())
    _attach_rows("waterfall received", result.rows, result.timestamps, history, title, details)


def attachment_name(name: str, history: HistoryWindow) -> str:
    """`name`, and which window it is of, when its clause is judged on several: no two attachments share a name."""
    return f"{name}, {history.part}" if history.part else name


def _attach_rows(
    picture: str, rows: list[Row], timestamps: list[int], history: HistoryWindow, title: str, details: tuple[str, Any]
) -> None:
    """What a reading of either API gave: its rows as a picture against the catalogue's recordings, `details` of the
    reading (its statuses, its stream), and the gaps found in the rows beside the catalogue's holes. A clause judged
    on several windows (4.5 on one long recording) names each attachment and caption after its window ("window 1
    of 2: its start"), so that no two attachments share a name and each picture says which edge it shows."""
    gaps = find_temporal_gaps(timestamps, CONTINUITY_MS)
    caption = f"{history.part.capitalize()}. {title}" if history.part else title
    attach_png(
        attachment_name(picture, history),
        lambda: waterfall_png(rows, history.window, history.recordings, gaps, caption),
    )
    attach_json(attachment_name(details[0], history), details[1])
    attach_json(
        attachment_name("gaps found in the rows", history),
        {
            "threshold_ms": CONTINUITY_MS,
            "gaps": [gap.as_dict() for gap in gaps],
            "catalogue_holes": [hole.as_dict() for hole in history.holes],
        },
    )


def read_history_job(answer: Answer, history: HistoryWindow, settings: Settings) -> StreamReading:
    """Read the job's stream until the server ends it (our deadline: the stream limit plus a margin); attach it."""
    if not isinstance(answer.body, JobConfigured):
        raise PreconditionNotMet(f"no job to read: {answer.route} answered {answer.status}")
    configured = answer.body
    rows: list[Row] = []

    def keep(frame: Frame) -> None:
        rows.extend(rows_of_frame(configured.job_id, frame))

    timeline = StreamTimeline(address=configured.grpc_address, stream_id=-1, deadline_s=0, read_for_s=None)
    reading = StreamReading(configured.job_id, timeline, rows)
    try:
        reading.timeline = read_job_stream(
            configured,
            deadline_s=settings.stream_limit_s + settings.timing.deadline_margin_s,
            connect_timeout_s=settings.timeouts.grpc_ready_s,
            on_frame=keep,
        )
    finally:
        attach_stream_reading(reading, history)
    judge_a_cut(reading, history)
    return reading


def read_history_jobs(
    focus: FocusServer, answers: list[Answer], histories: list[HistoryWindow], settings: Settings
) -> list[StreamReading]:
    """Read each window's job in turn; a window after the first is configured when its turn comes (`answers` grows),
    as a job nobody connects to ends within a minute."""
    readings = []
    for index, history in enumerate(histories):
        if index >= len(answers):
            answers.append(focus.configure(history_job_config(history)))
            expect_job_accepted(answers[index])
        readings.append(read_history_job(answers[index], history, settings))
    return readings


def judge_a_cut(reading: StreamReading, history: HistoryWindow) -> None:
    """A stream the server cut with DEADLINE_EXCEEDED before the window's data ran out is judged by what came.

    A window of ours holds less recorded data than the stream limit, so a server that plays the recorded data alone,
    at recording pace, ends the stream OK before its limit: such a cut says the limit is wrong (clause 2.1), unless
    the rows that came before it already show this clause broken: rows where the catalogue records nothing (outside
    the window or inside a hole: stream time spent on what has no recording), a recorded part that came late, short
    or with a gap. Then the cut excuses nothing: the checks judge the window as for any stream (they fail, since its
    data did not all come), each naming the cut and what came before it (`reading.cut`). Only when what came agrees
    with the clause could it not be judged: `PreconditionNotMet`, broken, not verified, pointing at 2.1.
    """
    timeline, last = reading.timeline, history.last_covered_ms
    if timeline.ending is not Ending.SERVER or timeline.code is not grpc.StatusCode.DEADLINE_EXCEEDED:
        return
    reached = max(reading.timestamps, default=None)
    if last is None or (reached is not None and reached >= last - CONTINUITY_MS):
        return
    cut = (
        f"the stream was cut before the window's data ran out: {timeline.ended_text()}; last row "
        f"{fmt(reached) if reached is not None else 'none'}, last recorded instant {fmt(last)}"
    )
    came = coverage(reading.timestamps, parts_until(history.parts, reached), CONTINUITY_MS)
    attach_json("what came before the cut", {"cut": cut} | came.as_dict())
    shown = came.inside + [f"rows where the catalogue records nothing: {run}" for run in came.outside]
    if not shown:
        raise PreconditionNotMet(
            f"precondition not met: {cut}; the rows that came before the cut agree with this clause, and the window "
            "holds less recorded data than the stream limit, so the limit itself is wrong: see clause 2.1; this "
            "clause could not be judged"
        )
    reading.cut = f"{cut}; but before the cut its rows already showed this clause broken: {'; '.join(shown)}"


def each(histories: list[HistoryWindow], readings: list[Any], check: Callable[[Any, HistoryWindow], None]) -> None:
    """Judge every window of a clause (4.5 may need two) with `check`; a failure names its window when several, and
    the cut that excused nothing when its stream was cut (`judge_a_cut`)."""
    for history, reading in zip(histories, readings, strict=True):
        try:
            check(reading, history)
        except AssertionError as error:
            cut = reading.cut if isinstance(reading, StreamReading) else ""
            if len(histories) == 1 and not cut:
                raise
            named = len(histories) == 1 or str(error).startswith(history.describe())
            where = "" if named else f"window {history.window.label()} {history.shape.value}: "
            raise AssertionError(f"{where}{error}" + (f"; {cut}" if cut else "")) from None


def attach_stream_reading(reading: StreamReading, history: HistoryWindow) -> None:
    title = (
        f"job {reading.job_id}: window {history.window.label()} {history.shape.value}\n"
        # wrapped, never cut: the caption is the reading's verdict in words
        + textwrap.fill(f"{len(reading.timestamps)} rows over gRPC; {reading.timeline.ended_text()}", 130)
    )
    details = ("gRPC stream timeline", reading.timeline.summary())
    _attach_rows("stream received", reading.rows, reading.timestamps, history, title, details)


# -- judging -----------------------------------------------------------------------------------------------------


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
    attach_json(attachment_name("coverage of the recorded time", history), report.as_dict())
    problems = list(report.inside)
    if report.outside and not only_inside:
        problems.append("rows outside the recordings: " + "; ".join(report.outside))
    assert not problems, f"{history.describe()}: " + "; ".join(problems)


def expect_every_second(result: RowTimes, history: HistoryWindow) -> None:
    """Every whole second of the window's recorded time has at least one row (the contract: history carries at least
    one row per second of covered recording time), so that a second left out shows even where the rows beside it
    are closer than the gap threshold."""
    seconds_with_rows = {stamp // 1000 for stamp in result.timestamps}
    recorded = [s for part in history.parts for s in range(-(-part.start_ms // 1000), part.end_ms // 1000)]
    missing = [s for s in recorded if s not in seconds_with_rows]
    seconds = {"recorded_seconds": len(recorded), "missing": missing[:200]}
    attach_json(attachment_name("recorded seconds without a row", history), seconds)
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


def expect_stream_rows(reading: StreamReading) -> None:
    assert reading.timestamps, f"no rows received; the stream was {reading.timeline.ended_text()}"


def expect_stream_end(reading: StreamReading, history: HistoryWindow) -> None:
    """The end of stream over gRPC: the server ended it with OK, after the rows reached the last recorded instant."""
    timeline = reading.timeline
    assert timeline.ending is Ending.SERVER and timeline.code is grpc.StatusCode.OK, (
        f"the stream should have ended with status OK once its data ran out; it was {timeline.ended_text()}"
    )
    last = history.last_covered_ms
    assert last is not None, f"{history.describe()}: nothing recorded, no end of data to wait for"
    reached = max(reading.timestamps, default=None)
    assert reached is not None and reached >= last - CONTINUITY_MS, (
        f"the stream ended OK before its data had come: last row {fmt(reached) if reached else 'none'}, "
        f"last recorded instant {fmt(last)}; {history.describe()}"
    )


def expect_nothing_after_last_recorded(reading: StreamReading, history: HistoryWindow) -> None:
    """No row from after the window's last recorded instant (give or take the row spacing the contract allows)."""
    last = history.last_covered_ms
    assert last is not None, f"{history.describe()}: nothing recorded"
    after = [stamp for stamp in reading.timestamps if stamp > last + CONTINUITY_MS]
    assert not after, (
        f"{len(after)} row(s) came after the last recorded instant {fmt(last)}, from {fmt(after[0])} to "
        f"{fmt(after[-1])}; {history.describe()}"
    )
