"""Clause §4, partial results in history playback (4.1 … 4.6), over both APIs: each window asked for, read to the end
of its stream, then judged.

Task API: a task per window, its waterfall polled until 208 (`read_waterfall`: every row and poll kept; it stops on
208, on a status the contract does not give a running task, or at its deadline, and never judges). Job API: a job
whose gRPC stream plays the recording at its pace and skips holes (`read_jobs`): the rows are the frames' timestamps,
the end is the stream ending OK after the last recorded instant. A stream cut at the limit before the window's data
ran out is judged by what came before the cut (`_judge_a_cut`). Coverage and holes are judged alike for both APIs by
the pure `check_*`; every reading shows the same picture, gaps and coverage."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, replace
from itertools import groupby
from time import monotonic
from typing import TYPE_CHECKING, Any

import grpc

from support.focus_api import Answer
from support.grpc_stream import Ending, StreamTimeline
from support.models import ConfigAccepted, ErrorBody, JobConfig, JobConfigured, Range, Row, TaskConfig, new_task_id
from support.windows import HistoryWindow, Shape, coverage, fmt

if TYPE_CHECKING:
    from support.world import World

Shown = tuple[str, str, Any]  # what a reading shows: name, kind, content (support/evidence.py attaches it)

ROW_COUNT = 500  # rows asked for per poll: large, so that a 15-minute window takes few polls
CONFIG_ACCEPTED = "Config received successfully"
ENDED = "208, end of stream"
HISTORY_SENSORS = Range(min=0, max=7)  # §4 is about time, not sensors: a few keep the blocks small and quick to read
HISTORY_CHANNELS = Range(min=1, max=8)  # … nor channels (1-based in the job API)


# -- asking for the windows ----------------------------------------------------------------------------------------


def configure_tasks(world: World) -> tuple[list[str], list[Answer]]:
    """A history task per window: the defaults, a few sensors, no mode (the clarifications say none)."""
    ids = [new_task_id(f"history_{history.shape.name.lower()}") for history in world.windows]
    answers = []
    for task_id, history in zip(ids, world.windows, strict=True):
        answer = world.jobs.config_task(
            task_id, TaskConfig.history(history.window.start, history.window.end, sensors=HISTORY_SENSORS)
        )
        _keep_answer(world, answer, history)
        answers.append(answer)
    return ids, answers


def configure_job(world: World, history: HistoryWindow) -> Answer:
    """A history job for the window, configured when its turn to be read comes (a job nobody reads ends)."""
    answer = world.jobs.configure(
        JobConfig.history(history.window.start, history.window.end, channels=HISTORY_CHANNELS)
    )
    _keep_answer(world, answer, history)
    return answer


def _keep_answer(world: World, answer: Answer, history: HistoryWindow) -> None:
    """4.1's fail-fast: the time to the answer, an SLA figure ("at once" taken as under 2 s)."""
    if history.shape is Shape.EMPTY:
        took, limit = f"{answer.route} answered {answer.status} in {answer.elapsed_s:.3f} s", world.times.fail_fast_s
        world.evidence.show("time to answer", "text", f"{took} (limit for 'at once': under {limit:g} s)")
        world.evidence.metric("time to answer", f"time to the refusal ({answer.status})", answer.elapsed_s, "s", limit)


# -- reading a task's waterfall --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Poll:
    status: int
    rows: int
    at_s: float  # since the first poll
    took_s: float


@dataclass(frozen=True)
class WaterfallReading:
    """Everything one read of a task's waterfall gave."""

    history: HistoryWindow
    task_id: str
    rows: tuple[Row, ...] = ()
    polls: tuple[Poll, ...] = ()
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
        """`200×2 201×14 208`: the statuses in order, repeats counted."""
        return " ".join(
            f"{status}×{count}" if (count := len(list(group))) > 1 else str(status)
            for status, group in groupby(self.statuses)
        )

    def shown(self) -> list[Shown]:
        ending = "ended with 208" if self.ended_with_208 else f"stopped: {self.stopped_because}"
        title = (
            f"task {self.task_id}: window {self.history.window.label()} {self.history.shape.value}\n"
            f"{len(self.rows)} rows; statuses {self.status_sequence() or 'none'}; {ending}"
        )
        details = {
            "task_id": self.task_id,
            "sequence": self.status_sequence(),
            "ended_with_208": self.ended_with_208,
            "stopped_because": self.stopped_because,
            "elapsed_s": round(self.elapsed_s, 3),
            "rows": len(self.rows),
            "after_end": None if self.after_end is None else vars(self.after_end),
            "polls": [vars(poll) for poll in self.polls],
        }
        rows = _shown_rows(self.history, "waterfall received", {"rows": list(self.rows)}, self.timestamps, title)
        return [*rows, (self.history.named("waterfall status sequence"), "json", details)]


def read_waterfall(world: World, task_id: str, history: HistoryWindow, *, once: bool = False) -> WaterfallReading:
    """The task's waterfall polled until 208, another status or the deadline (`once`: one poll); kept as evidence."""
    waits, started = world.times.waits, monotonic()
    rows: list[Row] = []
    polls: list[Poll] = []
    reached_at: list[float] = []  # when the rows reached the last recorded instant: the end's grace starts then

    def ask() -> tuple[Poll, list[Row]]:
        asked = monotonic()
        answer = world.focus.waterfall(task_id, ROW_COUNT)
        came = [row for block in answer.body or [] for row in block.rows] if answer.status == 201 else []
        return Poll(answer.status, len(came), round(asked - started, 3), round(answer.elapsed_s, 3)), came

    def poll() -> str | bool:
        seen, came = ask()
        polls.append(seen)
        rows.extend(came)
        if seen.status == 208:
            return ENDED
        if seen.status not in (200, 201):
            return f"the waterfall answered {seen.status}"
        if came:  # progress: polled again at once
            if not reached_at and history.reached_last([row.startTimestamp for row in came]):
                reached_at.append(monotonic())
            return True
        if reached_at and monotonic() - reached_at[0] > waits.waterfall_end_grace_s:
            return f"no 208 within {waits.waterfall_end_grace_s:g} s after the rows reached the last recorded instant"
        return False

    stopped, after_end = "not started", None
    try:
        if once:
            poll()
            stopped = f"one poll, to see whether the task exists: {polls[0].status}"
        else:
            polling, said = world.wait.polling(waits.waterfall_read_s), poll()
            while isinstance(said, bool) and polling.again(progress=said):
                said = poll()
            stopped = said if isinstance(said, str) else f"no 208 within the deadline of {waits.waterfall_read_s:g} s"
            after_end = ask()[0] if stopped == ENDED else None  # the stream is over: it must bring no rows
    finally:
        kept = WaterfallReading(
            history, task_id, tuple(rows), tuple(polls), stopped == ENDED, stopped, monotonic() - started, after_end
        )
        world.evidence.keep(kept)  # as far as it got, even after a malformed answer
    return kept


# -- reading a job's stream ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StreamReading:
    """One read of a history job's stream; `cut`: why a stream cut at the limit excuses nothing."""

    history: HistoryWindow
    job_id: str
    timeline: StreamTimeline
    cut: str = ""

    @property
    def timestamps(self) -> list[int]:
        return sorted(self.timeline.row_timestamps_ms)

    def shown(self) -> list[Shown]:
        said = textwrap.fill(f"{len(self.timestamps)} rows over gRPC; {self.timeline.ended_text()}", 130)
        title = f"job {self.job_id}: window {self.history.window.label()} {self.history.shape.value}\n{said}"
        drawn = {"rows": [], "frames": self.timeline.kept, "canvas": self.job_id}
        shown = _shown_rows(self.history, "stream received", drawn, self.timestamps, title)
        return [*shown, (self.history.named("gRPC stream timeline"), "json", self.timeline.summary())]


def read_jobs(world: World) -> list[StreamReading]:
    """Each window's job read until the server ends its stream; a later window's job configured when its turn comes."""
    readings = []
    for index, history in enumerate(world.windows):
        if index >= len(world.answers):
            world.answers.append(configure_job(world, history))
            check_job_accepted(world.answers[index])
        job = world.jobs.started(world.answers[index], "no job to read")
        job_id = job.job_id
        try:
            timeline = world.reader.job(job, keep=world.settings.pictures)
        except Exception as error:  # a stream read as far as it got is evidence too
            if (partial := getattr(error, "timeline", None)) is not None:
                world.evidence.keep(StreamReading(history, job_id, partial))
            raise
        reading = StreamReading(history, job_id, timeline)
        world.evidence.keep(reading)
        readings.append(_judge_a_cut(world, reading))
    return readings


def _judge_a_cut(world: World, reading: StreamReading) -> StreamReading:
    """A stream cut with DEADLINE_EXCEEDED before the window's data ran out, judged by what came. Our window holds
    less than the limit, so a server playing at recording pace ends OK first: the cut says the limit is wrong (2.1),
    unless the rows before it already show this clause broken; then the checks judge as usual, each naming the cut.
    Else the clause could not be judged (broken, pointing at 2.1)."""
    timeline, history, last = reading.timeline, reading.history, reading.history.last_covered_ms
    if timeline.ending is not Ending.SERVER or timeline.code is not grpc.StatusCode.DEADLINE_EXCEEDED:
        return reading
    if last is None or history.reached_last(reading.timestamps):
        return reading
    reached = max(reading.timestamps, default=None)
    cut = (
        f"the stream was cut before the window's data ran out: {timeline.ended_text()}; last row "
        f"{fmt(reached) if reached is not None else 'none'}, last recorded instant {fmt(last)}"
    )
    came = history.before_a_cut(reading.timestamps)
    world.evidence.show("what came before the cut", "json", {"cut": cut} | came.as_dict())
    return replace(reading, cut=came.broken_before(cut))


def _shown_rows(
    history: HistoryWindow, picture: str, drawn: dict[str, Any], stamps: list[int], title: str
) -> list[Shown]:
    """What a reading of either API shows: its rows drawn (`drawn`: the rows, or a stream's frames), the gaps, the
    coverage, the seconds without a row, the holes."""
    gaps, said = history.seen_in(stamps)
    caption = f"{history.part.capitalize()}. {title}" if history.part else title
    picture_of = {"window": history.window, "recordings": history.recordings, "gaps": gaps, "title": caption}
    return [
        (history.named(picture), "waterfall", drawn | picture_of),
        *((history.named(name), "json", content) for name, content in said.items()),
    ]


# -- judging ---------------------------------------------------------------------------------------------------------


def each(readings: list[Any], check: Callable[..., None], *args: Any, **kwargs: Any) -> None:
    """Judge every window with `check` (and `args`); a failure names its window when several, and the cut that
    excused nothing."""
    for reading in readings:
        history = reading.history
        try:
            check(reading, history, *args, **kwargs)
        except AssertionError as error:
            cut = getattr(reading, "cut", "")
            if len(readings) == 1 and not cut:
                raise
            named = len(readings) == 1 or str(error).startswith(history.describe())
            where = "" if named else f"window {history.window.label()} {history.shape.value}: "
            raise AssertionError(f"{where}{error}" + (f"; {cut}" if cut else "")) from None


def check_accepted(answer: Answer) -> None:
    assert answer.status == 200 and isinstance(answer.body, ConfigAccepted), (
        f"{answer.route} answered {answer.status}, not 200: {answer.text[:300]}"
    )
    assert answer.body.status == CONFIG_ACCEPTED, (
        f"accepted with status {answer.body.status!r}, not {CONFIG_ACCEPTED!r}"
    )


def check_job_accepted(answer: Answer) -> None:
    assert answer.status == 200 and isinstance(answer.body, JobConfigured), (
        f"{answer.route} answered {answer.status}, not 200: {answer.text[:300]}"
    )


def check_refused(answer: Answer, status: int, text: str) -> None:
    assert answer.status == status, f"{answer.route} answered {answer.status}, not {status}: {answer.text[:300]}"
    assert isinstance(answer.body, ErrorBody), f"{answer.route} answered {status} without an error body"
    assert text.lower() in answer.body.error.lower(), f"the error {answer.body.error!r} does not say {text!r}"


def check_at_once(answer: Answer, limit_s: float) -> None:
    """Fail-fast, from sending the request to the whole answer."""
    took = f"{answer.route} answered {answer.status} in {answer.elapsed_s:.3f} s"
    assert answer.elapsed_s < limit_s, f"{took}, not under {limit_s:g} s"


def check_no_task(reading: WaterfallReading) -> None:
    """A refused configuration leaves nothing behind: the waterfall answers 404."""
    status = reading.statuses[0]
    assert status == 404, f"the waterfall of the refused task {reading.task_id} answered {status}, not 404"


def check_rows(reading: WaterfallReading, _: HistoryWindow) -> None:
    """Rows came with 201; besides, only 200 (none ready) and 208 (the end) are a running task's statuses."""
    sequence = reading.status_sequence() or "no poll"
    assert reading.rows, f"no rows received; statuses {sequence}; stopped: {reading.stopped_because}"
    others = sorted(set(reading.statuses) - {200, 201, 208})
    assert not others, f"the waterfall answered {others} while the task ran; statuses {sequence}"


def check_end(reading: WaterfallReading, _: HistoryWindow) -> None:
    sequence = reading.status_sequence() or "no poll"
    assert reading.ended_with_208, f"the stream did not end with 208: {reading.stopped_because}; statuses {sequence}"


def check_nothing_after_end(reading: WaterfallReading, _: HistoryWindow) -> None:
    after = reading.after_end
    assert after is not None, f"the stream never ended: {reading.stopped_because}"
    assert after.rows == 0, f"{after.rows} row(s) came after the end of stream (status {after.status})"


def check_coverage(reading: Any, history: HistoryWindow, threshold_ms: int, *, only_inside: bool = False) -> None:
    """The rows cover the window's recorded time (and, unless `only_inside`, lie nowhere else)."""
    report = coverage(reading.timestamps, history.parts, threshold_ms)
    problems = list(report.inside)
    if report.outside and not only_inside:
        problems.append("rows outside the recordings: " + "; ".join(report.outside))
    assert not problems, f"{history.describe()}: " + "; ".join(problems)


def check_every_second(reading: Any, history: HistoryWindow) -> None:
    """Every whole second of recorded time has a row (the contract's row per second)."""
    recorded, missing = history.seconds_without_a_row(reading.timestamps)
    assert not missing, (
        f"{history.describe()}: {len(missing)} of the {len(recorded)} recorded seconds have no row, the first at "
        f"{missing[0]} (epoch s)"
    )


def check_holes(reading: Any, history: HistoryWindow, threshold_s: int) -> None:
    """Each catalogue hole over the threshold shows as a gap in the rows, and no gap shows elsewhere."""
    comparison = history.holes_seen(reading.timestamps, threshold_s)
    assert not comparison.problems, f"{history.describe()}: " + "; ".join(comparison.problems)


def check_stream_rows(reading: StreamReading, _: HistoryWindow) -> None:
    assert reading.timestamps, f"no rows received; the stream was {reading.timeline.ended_text()}"


def check_stream_end(reading: StreamReading, history: HistoryWindow) -> None:
    """The end over gRPC: the server ended with OK after the rows reached the last recorded instant."""
    timeline = reading.timeline
    assert timeline.ending is Ending.SERVER and timeline.code is grpc.StatusCode.OK, (
        f"the stream should have ended with status OK once its data ran out; it was {timeline.ended_text()}"
    )
    last = history.last_covered_ms
    assert last is not None, f"{history.describe()}: nothing recorded, no end of data to wait for"
    reached = max(reading.timestamps, default=None)
    assert history.reached_last(reading.timestamps), (
        f"the stream ended OK before its data had come: last row {fmt(reached) if reached else 'none'}, "
        f"last recorded instant {fmt(last)}; {history.describe()}"
    )


def check_nothing_after_last_recorded(reading: StreamReading, history: HistoryWindow) -> None:
    """No row after the window's last recorded instant (give or take the row spacing the contract allows)."""
    last = history.last_covered_ms
    assert last is not None, f"{history.describe()}: nothing recorded"
    after = history.after_last(reading.timestamps)
    assert not after, (
        f"{len(after)} row(s) came after the last recorded instant {fmt(last)}, from {fmt(after[0])} to "
        f"{fmt(after[-1])}; {history.describe()}"
    )
