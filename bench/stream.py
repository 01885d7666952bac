"""`make bench-stream`: the stand's gRPC stream against a minimal raw grpcio server (a process of its own, like the
stand) sending prebuilt frames of the same sizes on as many streams: a 2,222-channel job at a row rate no stream can
carry (the unpaced mode), each stream read at once; frames/s, MB/s and the ratio stand/raw (goal >= 0.5).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from concurrent import futures
from pathlib import Path

import grpc
import requests

from pandadatastream import pandadatastream_pb2 as pb
from pandadatastream import pandadatastream_pb2_grpc as pb_grpc
from stand.control import ROOT, Stand

CHANNELS = 2222
MEASURE_S, WARMUP_S = 6.0, 1.0
OPTIONS = [("grpc.max_receive_message_length", 64 << 20), ("grpc.max_send_message_length", 64 << 20)]


def read_streams(address: str, stream_ids: list[int]) -> tuple[int, int, float]:
    """Read all streams at once for MEASURE_S after a warm-up: frames, bytes, seconds."""
    start_at = time.monotonic() + WARMUP_S

    def read(stream_id: int) -> tuple[int, int]:
        frames = size = 0
        with grpc.insecure_channel(address, options=OPTIONS) as channel:
            call = pb_grpc.DataStreamServiceStub(channel).StreamData(pb.StreamDataRequest(stream_id=stream_id))
            for frame in (frame for frame in call if time.monotonic() >= start_at):
                if time.monotonic() >= start_at + MEASURE_S:
                    break
                frames, size = frames + 1, size + sum(len(row) for row in frame.main_data)
            call.cancel()
        return frames, size

    counted = list(futures.ThreadPoolExecutor(max_workers=len(stream_ids)).map(read, stream_ids))
    return sum(frames for frames, _ in counted), sum(size for _, size in counted), MEASURE_S


def stand_figures() -> tuple[tuple[int, int, float], list[tuple[int, int]]]:
    stand = Stand.up(Path(tempfile.mkdtemp(prefix="bench-")) / "stand.env")
    try:
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
        answer = requests.post(f"{stand.focus_env['FOCUS_BASE_URL']}/configure", json=body, timeout=30).json()
        by_stream: dict[int, list[int]] = {}
        for channel, stream in answer["channel_to_stream_index"].items():
            by_stream.setdefault(stream, []).append(int(channel))
        address = f"{answer['stream_url'].split('://', 1)[-1]}:{int(answer['stream_port'])}"
        return read_streams(address, sorted(by_stream)), [
            (min(by_stream[s]), max(by_stream[s])) for s in sorted(by_stream)
        ]
    finally:
        stand.down()


class RawServicer(pb_grpc.DataStreamServiceServicer):
    """Prebuilt frames, sent back to back: the ceiling for frames of this size in grpcio."""

    def __init__(self, frames: list[list[int]]) -> None:
        self.frames = []
        for first, last, rows in frames:
            shape = {"data_shape_x": rows, "data_shape_y": last - first + 1, "data_shape_z": 1}
            data = {
                "timestamp_in_milis": [0] * rows,
                "row_index": list(range(rows)),
                "main_data": [bytes(shape["data_shape_y"] * 4)] * rows,
            }
            self.frames.append(pb.DataStream(start_channel=first, end_channel=last, **shape, **data))

    def StreamData(self, request, context):
        while context.is_active():
            yield self.frames[request.stream_id]


def raw_figures(shapes: list[tuple[int, int]]) -> tuple[int, int, float]:
    """The raw server (`python -m bench.stream --raw JSON`, which prints its port) sending the stand's frame sizes."""
    from stand.jobs import FRAME_BYTES_MAX

    frames = [[first, last, max(1, min(256, FRAME_BYTES_MAX // ((last - first + 1) * 4)))] for first, last in shapes]
    command = [sys.executable, "-m", "bench.stream", "--raw", json.dumps(frames)]
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        return read_streams(f"127.0.0.1:{int(proc.stdout.readline())}", list(range(len(shapes))))
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--raw":
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=OPTIONS)
        pb_grpc.add_DataStreamServiceServicer_to_server(RawServicer(json.loads(sys.argv[2])), server)
        print(server.add_insecure_port("127.0.0.1:0"), flush=True)
        server.start()
        server.wait_for_termination()
        return
    stand, shapes = stand_figures()
    print(f"job: {CHANNELS} channels, multichannel, {len(shapes)} streams, {MEASURE_S:g} s measured")
    rates = {}
    for name, (frames, size, seconds) in (("stand", stand), ("raw", raw_figures(shapes))):
        rates[name] = size / seconds / 1e6
        print(f"{name + ':':<6} {frames / seconds:8.1f} frames/s {rates[name]:8.1f} MB/s", flush=True)
    print(f"ratio stand/raw (MB/s): {rates['stand'] / rates['raw'] if rates['raw'] else 0.0:.2f} (goal >= 0.5)")


if __name__ == "__main__":
    main()
