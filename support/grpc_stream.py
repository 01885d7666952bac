"""The Focus Server's gRPC data stream (contract, "gRPC stream"), the suite's one reader of it: read a stream, decode
its frames, keep its timeline.

A read ends one of three ways, kept apart because clause 2.1 is about the *server* ending a stream: the server ends
it (OK when a history runs out, `DEADLINE_EXCEEDED` at the limit, anything else); we close it after `read_for_s`; or
our own deadline passes (`deadline_s`, past the limit under test, so a stream kept past its limit shows as ours,
never the server's). Instants are seconds since the call started.

Besides `Reader` (a timeline to judge): `BackgroundRead` keeps a stream open for whoever needs a job alive,
`first_frame_refused` asks for a first frame before a run, `close_job_streams` ends a job nobody reads."""

from __future__ import annotations

import csv
import io
import itertools
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import grpc
import numpy as np

from pandadatastream import pandadatastream_pb2, pandadatastream_pb2_grpc
from support.errors import MalformedAnswer, TargetUnreachable
from support.models import JobConfigured
from support.waiting import monotonic

_CHANNEL_OPTIONS = [  # as the fact sheet's client (§2.4): frames of a 2,222-channel job are large
    ("grpc.max_receive_message_length", 50 * 1024 * 1024),
    ("grpc.max_send_message_length", 50 * 1024 * 1024),
]
_FLOAT32 = np.dtype("<f4")  # the contract's frame layout: little-endian float32


@dataclass(frozen=True)
class Frame:
    """One decoded `DataStream` message: `data[row, channel, bin]`, one timestamp and index per row."""

    start_channel: int
    end_channel: int
    timestamps_ms: tuple[int, ...]
    row_index: tuple[int, ...]
    data: np.ndarray
    global_maximum: float
    global_minimum: float

    @property
    def rows(self) -> int:
        return self.data.shape[0]


def decode_frame(message: pandadatastream_pb2.DataStream, number: int = 0) -> Frame:
    """Decode a frame by the contract's layout, or MalformedAnswer naming the field: `data_shape_x` rows (=
    len(main_data) = len(timestamp_in_milis) = len(row_index)), `data_shape_y` channels (= end_channel -
    start_channel + 1), `data_shape_z` bins (unset = 1); each main_data item one row of y*z little-endian float32."""

    def broken(text: str) -> MalformedAnswer:
        return MalformedAnswer(f"gRPC frame {number}: {text}")

    x, y = message.data_shape_x, message.data_shape_y
    z = message.data_shape_z if message.HasField("data_shape_z") else 1
    for name, value in (("data_shape_x", x), ("data_shape_y", y), ("data_shape_z", z)):
        if value < 1:
            raise broken(f"{name} is {value}, expected at least 1")
    for name, length in (
        ("main_data", len(message.main_data)),
        ("timestamp_in_milis", len(message.timestamp_in_milis)),
        ("row_index", len(message.row_index)),
    ):
        if length != x:
            raise broken(f"len({name}) is {length} but data_shape_x is {x}")
    channels = message.end_channel - message.start_channel + 1
    if y != channels:
        raise broken(
            f"data_shape_y is {y} but end_channel - start_channel + 1 is {channels} "
            f"(start_channel {message.start_channel}, end_channel {message.end_channel})"
        )
    row_bytes = y * z * _FLOAT32.itemsize
    for row, payload in enumerate(message.main_data):
        if len(payload) != row_bytes:
            raise broken(
                f"main_data[{row}] holds {len(payload)} bytes, expected data_shape_y * data_shape_z * 4 = {row_bytes}"
            )
    if message.global_minimum > message.global_maximum:
        raise broken(f"global_minimum {message.global_minimum} is above global_maximum {message.global_maximum}")
    data = np.frombuffer(b"".join(message.main_data), dtype=_FLOAT32).reshape(x, y, z)
    rows, indexes = tuple(message.timestamp_in_milis), tuple(message.row_index)
    extremes = (message.global_maximum, message.global_minimum)
    return Frame(message.start_channel, message.end_channel, rows, indexes, data, *extremes)


class Ending(StrEnum):
    SERVER = "ended by the server"
    CLOSED_BY_US = "closed by us"
    OUR_DEADLINE = "cut by our own deadline"


@dataclass(frozen=True)
class FrameArrival:
    number: int
    arrived_s: float
    rows: int
    first_timestamp_ms: int
    last_timestamp_ms: int


@dataclass
class StreamTimeline:
    """What happened on one stream: its start, each frame's arrival, its rows, how and when it ended (its frames, if
    kept)."""

    address: str
    stream_id: int
    deadline_s: float
    read_for_s: float | None
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    frames: list[FrameArrival] = field(default_factory=list)
    row_timestamps_ms: list[int] = field(default_factory=list)
    layout: dict[str, int] = field(default_factory=dict)  # of the first frame: channels and shape
    kept: list[Frame] = field(default_factory=list)
    ending: Ending | None = None
    code: grpc.StatusCode | None = None
    details: str = ""
    ended_s: float | None = None

    @property
    def last_frame_s(self) -> float | None:
        return self.frames[-1].arrived_s if self.frames else None

    @property
    def rows(self) -> int:
        return len(self.row_timestamps_ms)

    @property
    def code_name(self) -> str:
        return self.code.name if self.code is not None else "none"

    def frames_from(self, instant_s: float) -> list[FrameArrival]:
        """The frames that arrived `instant_s` or later into the call."""
        return [frame for frame in self.frames if frame.arrived_s >= instant_s]

    def ended_text(self) -> str:
        """One line for reports and assertion messages."""
        ended = f"{self.ended_s:.2f} s" if self.ended_s is not None else "?"
        last = f"{self.last_frame_s:.2f} s" if self.last_frame_s is not None else "none"
        return (
            f"{self.ending or 'not ended'} at {ended} after the call start with status {self.code_name}"
            f"{f' ({self.details})' if self.details else ''}; {len(self.frames)} frames, {self.rows} rows, "
            f"last frame at {last}"
        )

    def summary(self) -> dict[str, Any]:
        gaps = [b.arrived_s - a.arrived_s for a, b in itertools.pairwise(self.frames)]
        return {
            "address": self.address,
            "stream_id": self.stream_id,
            "call_started_at": self.started_at.isoformat(),
            "read_for_s": self.read_for_s,
            "our_deadline_s": self.deadline_s,
            "first_frame_s": _round(self.frames[0].arrived_s if self.frames else None),
            "last_frame_s": _round(self.last_frame_s),
            "longest_silence_between_frames_s": _round(max(gaps, default=None)),
            "frames": len(self.frames),
            "rows": self.rows,
            "first_row_timestamp_ms": self.row_timestamps_ms[0] if self.row_timestamps_ms else None,
            "last_row_timestamp_ms": self.row_timestamps_ms[-1] if self.row_timestamps_ms else None,
            "layout_of_first_frame": self.layout,
            "ending": str(self.ending) if self.ending else None,
            "end_status": self.code_name,
            "end_details": self.details,
            "ended_s": _round(self.ended_s),
        }

    def frames_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["frame", "arrived_s", "rows", "first_timestamp_ms", "last_timestamp_ms"])
        for f in self.frames:
            writer.writerow([f.number, f"{f.arrived_s:.3f}", f.rows, f.first_timestamp_ms, f.last_timestamp_ms])
        return out.getvalue()


def _round(value: float | None) -> float | None:
    return round(value, 3) if value is not None else None


@dataclass(frozen=True)
class Reader:
    """How to read a stream: our deadline past the limit, the wait for a connection, gRPC's own backstop."""

    deadline_s: float
    connect_s: float
    backstop_s: float

    def job(self, configured: JobConfigured, read_for_s: float | None = None, keep: bool = False) -> StreamTimeline:
        """Read the stream of a configured job's lowest channel; see `read`."""
        return self.read(*stream_of(configured), read_for_s=read_for_s, keep=keep)

    def read(
        self, address: str, stream_id: int, *, read_for_s: float | None = None, keep: bool = False
    ) -> StreamTimeline:
        """`StreamData(stream_id)` read until the server ends it, `read_for_s` passes, or our deadline does; each
        frame decoded on arrival (kept, with `keep`). TargetUnreachable when nothing takes the connection,
        MalformedAnswer on a broken frame; either carries the timeline as far as it got (`timeline`)."""
        timeline = StreamTimeline(
            address=address, stream_id=stream_id, deadline_s=self.deadline_s, read_for_s=read_for_s
        )
        try:
            with _connect(address, self.connect_s) as channel:
                _read(channel, timeline, self.backstop_s, keep)
        except (TargetUnreachable, MalformedAnswer) as error:
            error.timeline = timeline  # type: ignore[attr-defined]
            raise
        if timeline.code is grpc.StatusCode.UNAVAILABLE and not timeline.frames:
            raise TargetUnreachable(f"gRPC stream at {address}: UNAVAILABLE before any frame ({timeline.details})")
        return timeline


def stream_of(configured: JobConfigured, channel: int | None = None) -> tuple[str, int]:
    """The address and stream id of a job's stream: for `channel`, or its lowest channel."""
    index = configured.channel_to_stream_index
    if not index:
        raise MalformedAnswer(f"channel_to_stream_index of job {configured.job_id} is empty: no stream to read")
    try:
        key = str(channel) if channel is not None else str(min(int(name) for name in index))
    except ValueError:
        raise MalformedAnswer(
            f"POST /configure: channel_to_stream_index holds a key that is not a channel: {sorted(index)}"
        ) from None
    if key not in index:
        raise MalformedAnswer(f"POST /configure: channel_to_stream_index has no stream for channel {key}")
    return configured.grpc_address, index[key]


def _connect(address: str, connect_timeout_s: float) -> grpc.Channel:
    """A channel to `address` ready within `connect_timeout_s`; TargetUnreachable (and closed) if not."""
    channel = grpc.insecure_channel(address, options=_CHANNEL_OPTIONS)
    try:
        grpc.channel_ready_future(channel).result(timeout=connect_timeout_s)
    except grpc.FutureTimeoutError:
        channel.close()
        raise TargetUnreachable(f"gRPC stream at {address}: no connection within {connect_timeout_s:g} s") from None
    return channel


def _call(channel: grpc.Channel, stream_id: int, timeout_s: float | None = None) -> Any:
    """`StreamData(stream_id)`: an iterator of `DataStream` messages that can be cancelled."""
    stub = pandadatastream_pb2_grpc.DataStreamServiceStub(channel)
    return stub.StreamData(pandadatastream_pb2.StreamDataRequest(stream_id=stream_id), timeout=timeout_s)


def _read(channel: grpc.Channel, timeline: StreamTimeline, backstop_s: float, keep: bool) -> None:
    closing, stop_after = Ending.OUR_DEADLINE, timeline.deadline_s
    if timeline.read_for_s is not None and timeline.read_for_s < timeline.deadline_s:
        closing, stop_after = Ending.CLOSED_BY_US, timeline.read_for_s
    stopped_by_us = threading.Event()
    timeline.started_at = datetime.now(UTC)
    started = monotonic()
    # gRPC's own deadline, a backstop behind our timer: only reached if the timer thread failed.
    call = _call(channel, timeline.stream_id, timeout_s=timeline.deadline_s + backstop_s)

    def stop() -> None:
        if call.cancel():  # False when the call had already ended: then the ending was the server's, not ours
            stopped_by_us.set()

    timer = threading.Timer(max(0.0, stop_after - (monotonic() - started)), stop)
    timer.daemon = True
    timer.start()
    try:
        for message in call:
            arrived = monotonic() - started
            frame = decode_frame(message, number=len(timeline.frames))
            if not timeline.frames:
                timeline.layout = {
                    "start_channel": frame.start_channel,
                    "end_channel": frame.end_channel,
                    "data_shape_y": frame.data.shape[1],
                    "data_shape_z": frame.data.shape[2],
                }
            timeline.frames.append(
                FrameArrival(len(timeline.frames), arrived, frame.rows, frame.timestamps_ms[0], frame.timestamps_ms[-1])
            )
            timeline.row_timestamps_ms.extend(frame.timestamps_ms)
            if keep:
                timeline.kept.append(frame)
        timeline.code, timeline.details = grpc.StatusCode.OK, ""
    except grpc.RpcError:
        timeline.code, timeline.details = call.code(), call.details() or ""
    except MalformedAnswer:
        call.cancel()
        raise
    finally:
        timer.cancel()
        timeline.ended_s = monotonic() - started
    if stopped_by_us.is_set():
        timeline.ending = closing
    elif timeline.code is grpc.StatusCode.DEADLINE_EXCEEDED and timeline.ended_s >= timeline.deadline_s:
        timeline.ending = Ending.OUR_DEADLINE  # the gRPC backstop: still ours
    else:
        timeline.ending = Ending.SERVER


@dataclass
class BackgroundRead:
    """A job's stream read in a thread until closed, for a caller that needs the job alive (1.x, 2.2); frames
    counted, undecoded; an ending other than our cancel kept in `error`. Entering returns at the first frame (or the
    end), or after `connect_s`."""

    configured: JobConfigured
    connect_s: float
    join_s: float
    frames: int = 0
    error: str | None = None
    _thread: threading.Thread | None = None

    def __enter__(self) -> BackgroundRead:
        address, stream_id = stream_of(self.configured)
        self._channel = _connect(address, self.connect_s)
        self._call = _call(self._channel, stream_id)
        first = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(first,), name=f"read-{self.configured.job_id}")
        self._thread.daemon = True
        self._thread.start()
        first.wait(timeout=self.connect_s)
        return self

    def _run(self, first: threading.Event) -> None:
        try:
            for _ in self._call:
                self.frames += 1
                first.set()
        except grpc.RpcError as error:
            if error.code() is not grpc.StatusCode.CANCELLED:
                self.error = f"{error.code().name}: {error.details()}"
        finally:
            first.set()

    def __exit__(self, *_: object) -> None:
        self._call.cancel()
        if self._thread is not None:
            self._thread.join(timeout=self.join_s)
        self._channel.close()

    def summary(self) -> dict[str, object]:
        return {"job_id": self.configured.job_id, "frames_read": self.frames, "stopped_by": self.error}


def first_frame_refused(address: str, stream_id: int, connect_s: float, first_frame_s: float) -> str | None:
    """Connect, await the first frame within `first_frame_s`, close the stream: why it took us not at all, or None."""
    try:
        channel = _connect(address, connect_s)
    except TargetUnreachable:
        return f"no connection within {connect_s:g} s"
    with channel:
        call = _call(channel, stream_id, timeout_s=first_frame_s)
        try:
            next(call, None)
        except grpc.RpcError as error:
            if error.code() is grpc.StatusCode.UNAVAILABLE:
                return f"UNAVAILABLE: {error.details()}"
        finally:
            call.cancel()
    return None


def close_job_streams(job: JobConfigured, *, connect_timeout_s: float, first_frame_s: float) -> None:
    """End a job nobody reads, as a client does: open each stream, take the first frame, close it."""
    for stream_id in sorted(set(job.channel_to_stream_index.values())):
        first_frame_refused(job.grpc_address, stream_id, connect_timeout_s, first_frame_s)
