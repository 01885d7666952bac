"""Job API runs: `POST /configure` creates a job with its own gRPC server on its own port (as the real server gives
every job a port of its own), and `pandadatastream.DataStreamService/StreamData` serves its paced frames, cut at the
stream limit; the job lives while a stream of it is open.

Frame layout (docs/grpc-frame-layout.md): `data_shape_x` rows, `data_shape_y` channels, `data_shape_z` bins; each
`main_data[i]` is one row of y*z little-endian float32, channel-major.
"""

from __future__ import annotations

import itertools
import logging
import math
import random
import threading
import time
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field

import grpc
import numpy as np

from pandadatastream import pandadatastream_pb2 as pb
from pandadatastream import pandadatastream_pb2_grpc
from stand import fiber
from stand.actors import BabyAnalyzer, FocusPublisher
from stand.faults import ActiveFault
from stand.request_bodies import ConfigureRequest
from stand.timing import StandTiming

log = logging.getLogger(__name__)

CHANNELS_PER_STREAM = 1024  # a multichannel job is split into streams of at most this many channels
DEFAULT_NFFT = 1024
DEFAULT_FREQUENCIES = (0, 1000)
FRAME_INTERVAL_S = StandTiming.frame_interval_s
FRAME_BYTES_MAX = 1 << 20
HISTORY_SKIP_EVERY = 10  # fault grpc-history-skips: the rows of the 2nd recorded second of every 10 are left out
GRPC_OPTIONS = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]


@dataclass
class Job:
    id: str
    number: int  # the proto's optional int32 job_id
    request: ConfigureRequest
    streams: dict[int, tuple[int, int]]  # stream id → first..last channel (1-based, inclusive)
    bins: int  # data_shape_z
    lines_dt: float
    segments: list[tuple[int, int]] | None  # history: covered seconds; None = live
    answer: dict = field(default_factory=dict)
    server: grpc.Server | None = None
    created: float = field(default_factory=time.monotonic)
    open_streams: int = 0
    connected_once: bool = False
    ended: bool = False
    immortal: bool = False  # fault resent-job-lingers: only the stand's stop ends it
    mute: bool = False  # fault resent-job-unreadable: its streams end at once, without a frame


def plan_streams(request: ConfigureRequest, per_stream: int = CHANNELS_PER_STREAM) -> dict[int, tuple[int, int]]:
    first, last = min(request.channels.min, fiber.CHANNELS), min(request.channels.max, fiber.CHANNELS)
    if request.view_type == "1":  # single channel: one stream, one channel
        return {0: (first, first)}
    starts = range(first, last + 1, per_stream)
    return {index: (start, min(start + per_stream - 1, last)) for index, start in enumerate(starts)}


def _halves(request: ConfigureRequest) -> int:
    """Fault configure-not-equivalent: channels per stream that split the job's channels over two streams."""
    return max(1, math.ceil((min(request.channels.max, fiber.CHANNELS) - request.channels.min + 1) / 2))


class JobRegistry:
    def __init__(self, fault: ActiveFault, focus: FocusPublisher, analyzer: BabyAnalyzer) -> None:
        self.fault = fault
        self.focus = focus
        self.analyzer = analyzer
        self.stream_limit_s = fault.timing.limit_s
        self.unconnected_ttl_s = fault.timing.job_unconnected_ttl_s
        self.jobs: dict[str, Job] = {}
        # What a client costs this server, said when the stand stops: the jobs it configured, the most alive at once.
        self.configured = self.most_alive = 0
        self.lock = threading.Lock()
        self.numbers = itertools.count(random.randint(100, 900))

    def get(self, job_id: str) -> Job | None:
        with self.lock:
            return self.jobs.get(job_id)

    def configure(
        self, request: ConfigureRequest, segments: list[tuple[int, int]] | None, *, resent: bool = False
    ) -> Job:
        """A new job (with its own gRPC server); `resent`: the same body as the `/configure` just before it."""
        number = next(self.numbers)
        duration = request.displayTimeAxisDuration or StandTiming.waterfall_view_s
        range_ = request.frequencyRange
        fmin, fmax = (range_.min, range_.max) if range_ else DEFAULT_FREQUENCIES
        freqs = fiber.frequencies(fmin, fmax, request.nfftSelection or DEFAULT_NFFT)
        split = resent and self.fault.on("configure-not-equivalent") and request.view_type != "1"
        streams = plan_streams(request, _halves(request)) if split else plan_streams(request)
        job = Job(
            id=f"{number % 30}-{number}",
            number=number,
            request=request,
            streams=streams,
            bins=len(freqs) if request.view_type == "1" else 1,
            lines_dt=duration / request.displayInfo.height,
            segments=segments,
            immortal=resent and self.fault.on("resent-job-lingers"),
            mute=resent and self.fault.on("resent-job-unreadable"),
        )
        workers = futures.ThreadPoolExecutor(max_workers=max(4, 2 * len(streams)))
        job.server = grpc.server(workers, options=GRPC_OPTIONS)
        pandadatastream_pb2_grpc.add_DataStreamServiceServicer_to_server(JobStreamServicer(job, self), job.server)
        port = job.server.add_insecure_port("127.0.0.1:0")
        job.server.start()
        job.answer = {
            "status": "",
            "job_id": job.id,
            "stream_url": "http://127.0.0.1",
            "stream_port": str(port),  # the real server sends a numeric string
            "stream_amount": len(streams),
            "channel_to_stream_index": {
                str(ch): index for index, (first, last) in streams.items() for ch in range(first, last + 1)
            },
            "channel_amount": sum(last - first + 1 for first, last in streams.values()),
            "frequencies_list": freqs,
            "frequencies_amount": len(freqs),
            "lines_dt": job.lines_dt,
            "view_type": request.view_type,
        }
        with self.lock:
            self.jobs[job.id] = job
            self.configured += 1
            self.most_alive = max(self.most_alive, len(self.jobs))
        self.analyzer.open_run(job.id)
        self.focus.roi(min(first for first, _ in streams.values()), max(last for _, last in streams.values()))
        log.info("job %s configured on port %d (%d streams)", job.id, port, len(streams))
        return job

    # -- stream bookkeeping (called from the gRPC handler threads) -----------------------------------------------

    def stream_opened(self, job: Job) -> bool:
        with self.lock:
            if job.ended:
                return False
            job.open_streams += 1
            job.connected_once = True
            return True

    def stream_closed(self, job: Job) -> None:
        with self.lock:
            job.open_streams -= 1
            last = job.open_streams == 0
        if last:
            self.end(job, "its streams have all ended")

    def end(self, job: Job, why: str, *, stopping: bool = False) -> None:
        with self.lock:
            if job.ended or (job.immortal and not stopping):
                return
            job.ended = True
            self.jobs.pop(job.id, None)
        log.info("job %s ended: %s", job.id, why)
        self.analyzer.close_run(job.id)
        self.focus.forget(job.id)
        if job.server is not None:
            job.server.stop(grace=1.0)  # non-blocking; lets the last status reach the client

    def reap_unconnected(self) -> None:
        now = time.monotonic()
        with self.lock:
            stale = [j for j in self.jobs.values() if not j.connected_once and now - j.created > self.unconnected_ttl_s]
        for job in stale:
            self.end(job, f"nobody connected within {self.unconnected_ttl_s:g} s")

    def stop_all(self) -> None:
        log.info("jobs: %d configured, at most %d alive at once", self.configured, self.most_alive)
        for job in list(self.jobs.values()):
            self.end(job, "the stand stops", stopping=True)


# -- the stream ------------------------------------------------------------------------------------------------------


class JobStreamServicer(pandadatastream_pb2_grpc.DataStreamServiceServicer):
    def __init__(self, job: Job, registry: JobRegistry) -> None:
        self.job = job
        self.registry = registry
        self.fault = registry.fault

    def limit_s(self) -> float:
        limit = self.registry.stream_limit_s
        if self.fault.on("grpc-cut-early"):
            return min(self.fault.timing.grpc_cut_early_s, limit)  # as by an idle timeout in a proxy
        return limit * (4 / 3 if self.fault.on("grpc-limit-240") else 1 / 3 if self.fault.on("grpc-limit-60") else 1)

    def _segments(self) -> list[tuple[int, int]] | None:
        """The history job's covered seconds as this stream plays them (faults history-overrun, -ends-early)."""
        segments = self.job.segments
        if segments and self.fault.on("history-overrun"):
            segments = [*segments, (segments[-1][1], segments[-1][1] + round(StandTiming.overrun_s))]
        if segments and self.fault.on("history-ends-early"):
            segments = without_last(segments, round(self.fault.timing.history_early_s))
        return segments

    def StreamData(self, request: pb.StreamDataRequest, context: grpc.ServicerContext) -> Iterator[pb.DataStream]:
        started = time.monotonic()
        deadline = started + self.limit_s()
        if request.stream_id not in self.job.streams:
            context.abort(grpc.StatusCode.NOT_FOUND, f"job {self.job.id} has no stream {request.stream_id}")
        if not self.registry.stream_opened(self.job):
            context.abort(grpc.StatusCode.NOT_FOUND, f"job {self.job.id} is gone")
        gone = threading.Event()
        context.add_callback(gone.set)
        stall_at = started + min(self.fault.timing.grpc_stall_after_s, self.registry.stream_limit_s / 2)
        stalls = self.fault.on("grpc-stall") and self.job.segments is None
        # Faults resent-job-unreadable / history-stream-empty: one keepalive, then status OK without a frame.
        mute = self.job.mute or (self.job.segments is not None and self.fault.on("history-stream-empty"))
        try:
            frames = Frames(self.job, request.stream_id, started, self._segments(), self.fault.on("grpc-history-skips"))
            while (now := time.monotonic()) < deadline:
                if gone.is_set():
                    return
                self.registry.focus.keepalive(self.job.id)
                if mute:
                    return
                if stalls and now >= stall_at:
                    gone.wait(min(FRAME_INTERVAL_S, deadline - now))  # open, alive, and silent
                    continue
                frame = frames.next_frame(now)
                if frame is not None:
                    yield frame
                    continue
                if frames.exhausted and not self.fault.on("grpc-history-hangs"):
                    return  # history data ran out before the limit: status OK
                gone.wait(min(frames.wait_s(now), deadline - now))
            if self.fault.on("grpc-end-ok"):
                return
            context.abort(grpc.StatusCode.DEADLINE_EXCEEDED, f"stream limit of {self.limit_s():g} s reached")
        finally:
            self.registry.stream_closed(self.job)


def without_last(segments: list[tuple[int, int]], seconds: int) -> list[tuple[int, int]]:
    """The covered seconds less the last `seconds` of them (fault history-ends-early: the stream runs out of data,
    and ends OK, that long before the window's last recorded second)."""
    kept: list[tuple[int, int]] = []
    left = sum(b - a for a, b in segments) - seconds
    for a, b in segments:
        if left <= 0:
            break
        kept.append((a, min(b, a + left)))
        left -= kept[-1][1] - a
    return kept


class Frames:
    """Rows of one stream, due by the clock: live at height/duration rows per second, history at recording pace."""

    def __init__(
        self, job: Job, stream_id: int, started: float, segments: list[tuple[int, int]] | None, skips: bool
    ) -> None:
        self.job = job
        self.segments = segments
        self.skips = skips and segments is not None  # fault grpc-history-skips
        self.first, self.last = job.streams[stream_id]
        self.started = started
        self.wall_origin = time.time()
        self.max_rows = max(1, min(256, FRAME_BYTES_MAX // ((self.last - self.first + 1) * job.bins * 4)))
        self.sent = 0
        self.last_frame = 0.0
        if segments is None:
            self.dt = max(job.lines_dt, StandTiming.live_row_dt_min_s)
            self.total = math.inf
        else:
            self.dt = min(StandTiming.history_row_dt_max_s, max(job.lines_dt, StandTiming.history_row_dt_min_s))
            per_segment = [math.ceil((b - a) / self.dt) for a, b in segments]
            self.total = sum(per_segment)
            self.bounds = np.cumsum(per_segment)  # rows before the end of each segment

    @property
    def exhausted(self) -> bool:
        return self.sent >= self.total

    def wait_s(self, now: float) -> float:
        next_row = self.started + self.sent * self.dt
        return max(0.001, min(FRAME_INTERVAL_S, max(next_row, self.last_frame + FRAME_INTERVAL_S) - now))

    def next_frame(self, now: float) -> pb.DataStream | None:
        """The rows due by `now` (all of them once the data is exhausted), batched by the frame interval."""
        backlog = min(self.total, math.floor((now - self.started) / self.dt) + 1) - self.sent
        if backlog <= 0:
            return None
        if backlog < self.max_rows and now - self.last_frame < FRAME_INTERVAL_S and self.sent + backlog < self.total:
            return None  # batch rows until the frame interval is over
        count = int(min(backlog, self.max_rows))
        self.last_frame = now
        index = np.arange(self.sent, self.sent + count, dtype=np.float64)
        times = self._times(index)
        self.sent += count
        if self.skips:
            kept = (np.floor(times).astype(np.int64) - self.segments[0][0]) % HISTORY_SKIP_EVERY != 1
            if not kept.any():
                return None
            index, times = index[kept], times[kept]
        return self._frame(index.astype(np.int64), times)

    def _times(self, index: np.ndarray) -> np.ndarray:
        if self.segments is None:
            return self.wall_origin + index * self.dt
        which = np.searchsorted(self.bounds, index, side="right")
        firsts = np.concatenate(([0], self.bounds[:-1]))[which]  # each row's segment's first row
        return np.array([a for a, _ in self.segments], dtype=np.float64)[which] + (index - firsts) * self.dt

    def _frame(self, rows: np.ndarray, times: np.ndarray) -> pb.DataStream:
        values = fiber.SIGNAL.rows(
            times, self.first - 1, self.last - 1
        )  # the signal's channels are 0-based, a job's 1-based
        if self.job.bins > 1:
            values = fiber.DasSignal.spectrum(values, self.job.bins)
        data = np.ascontiguousarray(values, dtype="<f4").reshape(len(rows), -1)
        return pb.DataStream(
            start_channel=self.first,
            end_channel=self.last,
            timestamp_in_milis=(times * 1000).astype(np.int64).tolist(),
            row_index=rows.tolist(),
            data_shape_x=len(rows),
            data_shape_y=self.last - self.first + 1,
            global_maximum=float(data.max()),
            global_minimum=float(data.min()),
            main_data=[row.tobytes() for row in data],
            job_id=self.job.number,
            data_shape_z=self.job.bins,
        )
