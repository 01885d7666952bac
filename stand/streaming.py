"""`pandadatastream.DataStreamService/StreamData` for one job: paced frames, cut at the stream limit.

Frame layout (docs/grpc-frame-layout.md): `data_shape_x` rows, `data_shape_y` channels, `data_shape_z` bins;
each `main_data[i]` is one row of y*z little-endian float32, channel-major.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from concurrent import futures

import grpc
import numpy as np

from pandadatastream import pandadatastream_pb2 as pb
from pandadatastream import pandadatastream_pb2_grpc
from stand.fiber import DasSignal
from stand.jobs import Job, JobRegistry
from stand.timing import StandTiming

FRAME_INTERVAL_S = StandTiming.frame_interval_s
FRAME_BYTES_MAX = 1 << 20
SIGNAL = DasSignal()

GRPC_OPTIONS = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]

# Fault grpc-history-skips: the rows of the 2nd recorded second of every this many are left out.
HISTORY_SKIP_EVERY = 10


def serve(job: Job, registry: JobRegistry) -> tuple[grpc.Server, int]:
    """The job's own gRPC server (as the real server gives every job a port), started on a free port."""
    workers = max(4, 2 * len(job.streams))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=workers), options=GRPC_OPTIONS)
    pandadatastream_pb2_grpc.add_DataStreamServiceServicer_to_server(JobStreamServicer(job, registry), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, port


class JobStreamServicer(pandadatastream_pb2_grpc.DataStreamServiceServicer):
    def __init__(self, job: Job, registry: JobRegistry) -> None:
        self.job = job
        self.registry = registry

    def limit_s(self) -> float:
        fault, limit = self.registry.fault, self.registry.stream_limit_s
        if fault.on("grpc-limit-240"):
            return limit * 4 / 3
        if fault.on("grpc-limit-60"):
            return limit / 3
        if fault.on("grpc-cut-early"):
            return min(fault.timing.grpc_cut_early_s, limit)  # as by an idle timeout in a proxy
        return limit

    def StreamData(self, request: pb.StreamDataRequest, context: grpc.ServicerContext) -> Iterator[pb.DataStream]:
        started = time.monotonic()
        deadline = started + self.limit_s()
        if request.stream_id not in self.job.streams:
            context.abort(grpc.StatusCode.NOT_FOUND, f"job {self.job.id} has no stream {request.stream_id}")
        if not self.registry.stream_opened(self.job):
            context.abort(grpc.StatusCode.NOT_FOUND, f"job {self.job.id} is gone")
        gone = threading.Event()
        context.add_callback(gone.set)
        stall_at = started + min(self.registry.fault.timing.grpc_stall_after_s, self.registry.stream_limit_s / 2)
        stalls = self.registry.fault.on("grpc-stall") and self.job.segments is None
        try:
            # Faults resent-job-unreadable / history-stream-empty: one keepalive, then status OK without a frame.
            mute = self.job.mute or (self.job.segments is not None and self.registry.fault.on("history-stream-empty"))
            segments = self.job.segments
            if segments and self.registry.fault.on("history-overrun"):
                overrun = round(StandTiming.overrun_s)  # rows past the last recorded instant
                segments = [*segments, (segments[-1][1], segments[-1][1] + overrun)]
            if segments and self.registry.fault.on("history-ends-early"):
                segments = without_last(segments, round(self.registry.fault.timing.history_early_s))
            frames = Frames(
                self.job, request.stream_id, started, segments, self.registry.fault.on("grpc-history-skips")
            )
            while True:
                now = time.monotonic()
                if now >= deadline:
                    break
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
                if frames.exhausted and not self.registry.fault.on("grpc-history-hangs"):
                    return  # history data ran out before the limit: status OK
                gone.wait(min(frames.wait_s(now), deadline - now))
            if self.registry.fault.on("grpc-end-ok"):
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
        self,
        job: Job,
        stream_id: int,
        started: float,
        segments: list[tuple[int, int]] | None = None,
        skips: bool = False,
    ) -> None:
        self.job = job
        self.segments = segments if segments is not None else job.segments
        self.skips = skips and self.segments is not None  # fault grpc-history-skips
        self.first, self.last = job.streams[stream_id]
        self.started = started
        self.wall_origin = time.time()
        channels = self.last - self.first + 1
        self.row_bytes = channels * job.bins * 4
        self.max_rows = max(1, min(256, FRAME_BYTES_MAX // self.row_bytes))
        self.sent = 0
        self.last_frame = 0.0
        if self.segments is None:
            self.dt = max(job.lines_dt, StandTiming.live_row_dt_min_s)
            self.total = math.inf
        else:
            self.dt = min(StandTiming.history_row_dt_max_s, max(job.lines_dt, StandTiming.history_row_dt_min_s))
            self.total = sum(math.ceil((b - a) / self.dt) for a, b in self.segments)
            self.per_segment = [math.ceil((b - a) / self.dt) for a, b in self.segments]

    @property
    def exhausted(self) -> bool:
        return self.sent >= self.total

    def due(self, now: float) -> int:
        """Rows that should have been sent by `now` (all of them once the data is exhausted)."""
        return min(self.total, math.floor((now - self.started) / self.dt) + 1)

    def wait_s(self, now: float) -> float:
        next_row = self.started + self.sent * self.dt
        return max(0.001, min(FRAME_INTERVAL_S, max(next_row, self.last_frame + FRAME_INTERVAL_S) - now))

    def next_frame(self, now: float) -> pb.DataStream | None:
        backlog = self.due(now) - self.sent
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
            kept = (np.floor(times).astype(np.int64) - self.job.segments[0][0]) % HISTORY_SKIP_EVERY != 1
            if not kept.any():
                return None
            index, times = index[kept], times[kept]
        return self._frame(index.astype(np.int64), times)

    def _times(self, index: np.ndarray) -> np.ndarray:
        if self.segments is None:
            return self.wall_origin + index * self.dt
        times = np.empty_like(index)
        bounds = np.cumsum(self.per_segment)
        which = np.searchsorted(bounds, index, side="right")
        starts = np.concatenate(([0], bounds[:-1]))
        for i, seg in enumerate(which):
            a, _ = self.segments[seg]
            times[i] = a + (index[i] - starts[seg]) * self.dt
        return times

    def _frame(self, rows: np.ndarray, times: np.ndarray) -> pb.DataStream:
        # das_signal channels are 0-based; job channels are 1-based.
        values = SIGNAL.rows(times, self.first - 1, self.last - 1)
        if self.job.bins > 1:
            values = DasSignal.spectrum(values, self.job.bins)
        data = np.ascontiguousarray(values, dtype="<f4").reshape(len(rows), -1)
        frame = pb.DataStream(
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
        return frame
