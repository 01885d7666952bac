"""`make bench-stream`: the stand's gRPC stream against a minimal raw grpcio server, frames of the same size.

A 2,222-channel multichannel job is configured on a fresh stand with a row rate far above what any stream can
carry (height/duration huge), so the stand sends full frames as fast as it can: that is the unpaced mode, and the
contract's behaviour is unchanged. Each of the job's streams is read at once for MEASURE_S seconds. The raw server
(a separate process, like the stand) sends prebuilt frames of exactly the same sizes on the same number of
streams. Printed: frames/s and MB/s of both and the ratio stand/raw (goal >= 0.5).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent import futures
from pathlib import Path

import grpc
import requests

from pandadatastream import pandadatastream_pb2 as pb
from pandadatastream import pandadatastream_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = 2222
MEASURE_S = 6.0
WARMUP_S = 1.0
OPTIONS = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]


def read_streams(address: str, stream_ids: list[int]) -> tuple[int, int, float]:
    """Read all streams at once for MEASURE_S after a warm-up: frames, bytes, seconds."""
    totals = {"frames": 0, "bytes": 0}
    lock = threading.Lock()
    start_at = time.monotonic() + WARMUP_S
    stop_at = start_at + MEASURE_S

    def read(stream_id: int) -> None:
        channel = grpc.insecure_channel(address, options=OPTIONS)
        call = pb_grpc.DataStreamServiceStub(channel).StreamData(pb.StreamDataRequest(stream_id=stream_id))
        frames = size = 0
        try:
            for frame in call:
                now = time.monotonic()
                if now >= stop_at:
                    break
                if now >= start_at:
                    frames += 1
                    size += sum(len(row) for row in frame.main_data)
        finally:
            call.cancel()
            channel.close()
        with lock:
            totals["frames"] += frames
            totals["bytes"] += size

    threads = [threading.Thread(target=read, args=(s,)) for s in stream_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return totals["frames"], totals["bytes"], MEASURE_S


def stand_figures() -> tuple[tuple[int, int, float], list[tuple[int, int]]]:
    """Up a stand, configure the unpaced 2,222-channel job, read it, bring the stand down."""
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    env_file = work / "stand.env"
    up = subprocess.run([sys.executable, "-m", "stand", "up", "--env-file", str(env_file)], cwd=ROOT, check=False)
    if up.returncode != 0:
        sys.exit("the stand did not come up")
    try:
        env = dict(line.split("=", 1) for line in env_file.read_text(encoding="utf-8").splitlines() if "=" in line)
        body = {
            "displayInfo": {"height": 1_000_000},
            "channels": {"min": 1, "max": CHANNELS},
            "view_type": "0",
            "displayTimeAxisDuration": 0.001,  # 10^9 rows/s asked: the stream never waits
            "nfftSelection": 1024,
            "frequencyRange": {"min": 0, "max": 500},
            "start_time": None,
            "end_time": None,
        }
        answer = requests.post(f"{env['FOCUS_BASE_URL']}/configure", json=body, timeout=30).json()
        streams = sorted(set(answer["channel_to_stream_index"].values()))
        by_stream: dict[int, list[int]] = {}
        for channel, stream in answer["channel_to_stream_index"].items():
            by_stream.setdefault(stream, []).append(int(channel))
        shapes = [(min(by_stream[s]), max(by_stream[s])) for s in streams]
        address = f"{answer['stream_url'].split('://', 1)[-1]}:{int(answer['stream_port'])}"
        return read_streams(address, streams), shapes
    finally:
        subprocess.run([sys.executable, "-m", "stand", "down", "--env-file", str(env_file)], cwd=ROOT, check=False)
        shutil.rmtree(work, ignore_errors=True)


# -- the raw server ------------------------------------------------------------------------------------------------


class RawServicer(pb_grpc.DataStreamServiceServicer):
    """Prebuilt frames, sent back to back: the ceiling for frames of this size in grpcio."""

    def __init__(self, shapes: list[tuple[int, int]], rows_per_frame: list[int]) -> None:
        self.frames = []
        for (first, last), rows in zip(shapes, rows_per_frame, strict=True):
            row = bytes((last - first + 1) * 4)
            self.frames.append(
                pb.DataStream(
                    start_channel=first,
                    end_channel=last,
                    timestamp_in_milis=[0] * rows,
                    row_index=list(range(rows)),
                    data_shape_x=rows,
                    data_shape_y=last - first + 1,
                    main_data=[row] * rows,
                    data_shape_z=1,
                )
            )

    def StreamData(self, request, context):
        frame = self.frames[request.stream_id]
        while context.is_active():
            yield frame


def serve_raw(spec: str) -> None:
    """Child process: `python -m bench.stream --raw first-last:rows,...`; prints its port."""
    shapes, rows = [], []
    for part in spec.split(","):
        span, count = part.split(":")
        first, last = span.split("-")
        shapes.append((int(first), int(last)))
        rows.append(int(count))
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=OPTIONS)
    pb_grpc.add_DataStreamServiceServicer_to_server(RawServicer(shapes, rows), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    server.wait_for_termination()


def raw_figures(shapes: list[tuple[int, int]]) -> tuple[int, int, float]:
    from stand.streaming import FRAME_BYTES_MAX  # the stand's frame size rule, to send the same sizes

    rows = [max(1, min(256, FRAME_BYTES_MAX // ((last - first + 1) * 4))) for first, last in shapes]
    spec = ",".join(f"{first}-{last}:{count}" for (first, last), count in zip(shapes, rows, strict=True))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.stream", "--raw", spec],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )
    try:
        port = int(proc.stdout.readline())
        return read_streams(f"127.0.0.1:{port}", list(range(len(shapes))))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--raw":
        serve_raw(sys.argv[2])
        return
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    (s_frames, s_bytes, s_secs), shapes = stand_figures()
    r_frames, r_bytes, r_secs = raw_figures(shapes)
    stand_fps, stand_mbs = s_frames / s_secs, s_bytes / s_secs / 1e6
    raw_fps, raw_mbs = r_frames / r_secs, r_bytes / r_secs / 1e6
    print(f"job: {CHANNELS} channels, multichannel, {len(shapes)} streams, {MEASURE_S:g} s measured")
    print(f"stand: {stand_fps:8.1f} frames/s {stand_mbs:8.1f} MB/s")
    print(f"raw:   {raw_fps:8.1f} frames/s {raw_mbs:8.1f} MB/s")
    ratio = stand_mbs / raw_mbs if raw_mbs else 0.0
    print(f"ratio stand/raw (MB/s): {ratio:.2f} (goal >= 0.5)")


if __name__ == "__main__":
    main()
