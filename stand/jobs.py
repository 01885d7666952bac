"""Job API runs: `POST /configure` creates a job with its own gRPC server on its own port (as the real server
gives every job a port of its own), and the job lives while a stream of it is open."""

from __future__ import annotations

import itertools
import logging
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import grpc

from stand import fiber
from stand.actors import BabyAnalyzer, FocusPublisher
from stand.faults import ActiveFault
from stand.request_bodies import ConfigureRequest
from stand.timing import StandTiming

log = logging.getLogger(__name__)

CHANNELS_PER_STREAM = 1024  # a multichannel job is split into streams of at most this many channels
DEFAULT_NFFT = 1024
DEFAULT_FREQUENCIES = (0, 1000)


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
    top = fiber.CHANNELS
    first = min(request.channels.min, top)
    last = min(request.channels.max, top)
    if request.view_type == "1":  # single channel: one stream, one channel
        return {0: (first, first)}
    return {
        index: (start, min(start + per_stream - 1, last))
        for index, start in enumerate(range(first, last + 1, per_stream))
    }


def _halves(request: ConfigureRequest) -> int:
    """Fault configure-not-equivalent: channels per stream that split the job's channels over two streams."""
    return max(1, math.ceil((min(request.channels.max, fiber.CHANNELS) - request.channels.min + 1) / 2))


# How a job gets its own gRPC server, started on a free port: stand/streaming.py's `serve`, handed in by the stand
# (the stream builds on this registry, so this module never imports it).
Serve = Callable[[Job, "JobRegistry"], tuple[grpc.Server, int]]


class JobRegistry:
    def __init__(
        self,
        fault: ActiveFault,
        focus: FocusPublisher,
        analyzer: BabyAnalyzer,
        stream_limit_s: float,
        unconnected_ttl_s: float,
        serve: Serve,
    ) -> None:
        self.fault = fault
        self.focus = focus
        self.analyzer = analyzer
        self.stream_limit_s = stream_limit_s
        self.unconnected_ttl_s = unconnected_ttl_s
        self.serve = serve
        self.jobs: dict[str, Job] = {}
        # What a client costs this server, said when the stand stops: the jobs it configured, the most alive at once.
        self.configured = 0
        self.most_alive = 0
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
        nfft = request.nfftSelection or DEFAULT_NFFT
        fmin, fmax = (
            (request.frequencyRange.min, request.frequencyRange.max) if request.frequencyRange else DEFAULT_FREQUENCIES
        )
        freqs = fiber.frequencies(fmin, fmax, nfft)
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
        job.server, port = self.serve(job, self)
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
        first_channel = min(first for first, _ in streams.values())
        last_channel = max(last for _, last in streams.values())
        self.focus.roi(first_channel, last_channel)
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
