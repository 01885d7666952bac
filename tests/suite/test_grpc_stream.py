"""The gRPC stream client: frame decoding against the contract's layout, and the timeline of a real grpcio call."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent import futures

import grpc
import numpy as np
import pytest
from httpfake import closed_port

from pandadatastream import pandadatastream_pb2 as pb
from pandadatastream import pandadatastream_pb2_grpc as pb_grpc
from support.errors import MalformedAnswer, TargetUnreachable
from support.grpc_stream import BackgroundRead, Ending, Reader, decode_frame, first_frame_refused, stream_of
from support.models import JobConfigured
from support.waiting import wait_for

READER = Reader(deadline_s=10, connect_s=5, backstop_s=5)


def frame(rows: int = 2, start: int = 1, end: int = 3, bins: int | None = 4, first_ms: int = 1_000) -> pb.DataStream:
    """A frame by the contract's layout; value = 1000*row + 10*channel + bin, so that the order can be checked."""
    channels, z = end - start + 1, bins or 1
    message = pb.DataStream(
        start_channel=start,
        end_channel=end,
        data_shape_x=rows,
        data_shape_y=channels,
        global_maximum=9999.0,
        global_minimum=0.0,
    )
    if bins is not None:
        message.data_shape_z = bins
    for row in range(rows):
        values = [1000 * row + 10 * channel + b for channel in range(channels) for b in range(z)]
        message.main_data.append(np.asarray(values, dtype="<f4").tobytes())
        message.timestamp_in_milis.append(first_ms + 100 * row)
        message.row_index.append(row)
    return message


# -- decoding ----------------------------------------------------------------------------------------------------


def test_a_good_frame_decodes_row_channel_bin() -> None:
    decoded = decode_frame(frame(rows=2, start=1, end=3, bins=4))
    assert decoded.data.shape == (2, 3, 4)
    assert decoded.data[1, 2, 3] == 1000 + 20 + 3  # channel-major within a row
    assert decoded.timestamps_ms == (1000, 1100)
    assert decoded.row_index == (0, 1)
    assert decoded.rows == 2


def _break(change) -> pb.DataStream:
    message = frame()
    change(message)
    return message


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda m: m.main_data.pop(), "len(main_data) is 1 but data_shape_x is 2"),
        (lambda m: m.timestamp_in_milis.append(5), "len(timestamp_in_milis) is 3"),
        (lambda m: m.row_index.pop(), "len(row_index) is 1"),
        (lambda m: setattr(m, "data_shape_x", 3), "but data_shape_x is 3"),
        (lambda m: setattr(m, "end_channel", 4), "data_shape_y is 3 but end_channel - start_channel + 1 is 4"),
        (lambda m: setattr(m, "data_shape_z", 5), "main_data[0] holds 48 bytes, expected"),
        (lambda m: m.main_data.__setitem__(1, b"\x00" * 47), "main_data[1] holds 47 bytes"),
        (lambda m: setattr(m, "data_shape_y", 0), "data_shape_y is 0"),
        (lambda m: setattr(m, "global_minimum", 1e6), "global_minimum 1000000.0 is above global_maximum"),
    ],
)
def test_a_malformed_frame_fails_naming_the_field(change, named: str) -> None:
    with pytest.raises(MalformedAnswer, match="gRPC frame 7: ") as caught:
        decode_frame(_break(change), number=7)
    assert named in str(caught.value)


# -- the stream of a configured job ------------------------------------------------------------------------------


def configured(index: dict[str, int], url: str = "http://10.0.0.5", port: int | str = "12301") -> JobConfigured:
    return JobConfigured.model_validate(
        {
            "status": "ok",
            "job_id": "12-34",
            "stream_url": url,
            "stream_port": port,
            "stream_amount": len(index),
            "channel_to_stream_index": index,
            "channel_amount": len(index),
            "frequencies_list": [0.0],
            "frequencies_amount": 1,
            "lines_dt": 0.1,
            "view_type": "0",
        }
    )


def test_the_stream_of_a_job_is_its_lowest_channel_unless_one_is_named() -> None:
    job = configured({"10": 3, "2": 7, "5": 1})
    assert stream_of(job) == ("10.0.0.5:12301", 7)
    assert stream_of(job, channel=5) == ("10.0.0.5:12301", 1)
    with pytest.raises(MalformedAnswer, match="no stream for channel 6"):
        stream_of(job, channel=6)
    with pytest.raises(MalformedAnswer, match="not a channel"):
        stream_of(configured({"a": 0}))


# -- a real in-process gRPC server -------------------------------------------------------------------------------


class FakeStreams(pb_grpc.DataStreamServiceServicer):
    """Sends a frame every `period_s`; after `end_after_s` ends with `end_code` (None: keeps going until cancelled)."""

    def __init__(self) -> None:
        self.period_s = 0.05
        self.end_after_s: float | None = 0.6
        self.end_code = grpc.StatusCode.DEADLINE_EXCEEDED
        self.bad_frame_at: int | None = None
        self.requested: list[int] = []
        self.cancelled = threading.Event()

    def StreamData(self, request: pb.StreamDataRequest, context: grpc.ServicerContext) -> Iterator[pb.DataStream]:
        self.requested.append(request.stream_id)
        context.add_callback(self.cancelled.set)
        started, number = time.monotonic(), 0
        while context.is_active():
            if self.end_after_s is not None and time.monotonic() - started >= self.end_after_s:
                if self.end_code is grpc.StatusCode.OK:
                    return
                context.abort(self.end_code, "stream limit reached")
            message = frame(rows=2, first_ms=1_000 * (number + 1))
            if number == self.bad_frame_at:
                message.row_index.pop()
            yield message
            number += 1
            time.sleep(self.period_s)


@pytest.fixture
def server() -> Iterator[tuple[FakeStreams, str]]:
    fake = FakeStreams()
    grpc_server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    pb_grpc.add_DataStreamServiceServicer_to_server(fake, grpc_server)
    port = grpc_server.add_insecure_port("127.0.0.1:0")
    grpc_server.start()
    yield fake, f"127.0.0.1:{port}"
    grpc_server.stop(grace=None)


def test_a_server_ending_with_deadline_exceeded_is_the_servers_and_timed_from_the_call_start(server) -> None:
    fake, address = server
    timeline = READER.read(address, 4)
    assert fake.requested == [4]
    assert timeline.ending is Ending.SERVER
    assert timeline.code is grpc.StatusCode.DEADLINE_EXCEEDED
    assert timeline.details == "stream limit reached"
    assert 0.55 <= timeline.ended_s < 1.5
    assert timeline.frames[0].arrived_s < 0.3
    arrivals = [f.arrived_s for f in timeline.frames]
    assert arrivals == sorted(arrivals) and timeline.last_frame_s <= timeline.ended_s
    assert timeline.rows == 2 * len(timeline.frames) >= 8
    assert timeline.row_timestamps_ms[:4] == [1000, 1100, 2000, 2100]
    assert timeline.layout == {"start_channel": 1, "end_channel": 3, "data_shape_y": 3, "data_shape_z": 4}
    assert "ended by the server" in timeline.ended_text() and "DEADLINE_EXCEEDED" in timeline.ended_text()


def test_closing_it_ourselves_is_told_apart_from_a_server_ending(server) -> None:
    fake, address = server
    fake.end_after_s = None
    timeline = READER.read(address, 0, read_for_s=0.5)
    assert timeline.ending is Ending.CLOSED_BY_US
    assert timeline.code is grpc.StatusCode.CANCELLED
    assert 0.5 <= timeline.ended_s < 1.0
    assert timeline.frames
    assert fake.cancelled.wait(2), "the server should see the cancellation"


@pytest.mark.parametrize(
    ("end_after_s", "reader", "ending", "code"),
    [
        (0.6, READER, Ending.SERVER, grpc.StatusCode.OK),
        (None, Reader(0.4, 5, 5), Ending.OUR_DEADLINE, grpc.StatusCode.CANCELLED),
    ],
)
def test_an_ok_ending_is_the_servers_and_our_deadline_ours(server, end_after_s, reader, ending, code) -> None:
    fake, address = server
    fake.end_after_s, fake.end_code = end_after_s, grpc.StatusCode.OK
    timeline = reader.read(address, 0, read_for_s=5)
    assert (timeline.ending, timeline.code) == (ending, code)
    assert 0.4 <= timeline.ended_s < 1.5


def test_a_malformed_frame_on_the_wire_fails_naming_the_field(server) -> None:
    fake, address = server
    fake.bad_frame_at = 2
    with pytest.raises(MalformedAnswer, match=r"gRPC frame 2: len\(row_index\) is 1 but data_shape_x is 2"):
        READER.read(address, 0)
    assert fake.cancelled.wait(2), "we should cancel the stream we stop reading"


def test_nothing_listening_is_an_unreachable_target() -> None:
    port = closed_port()
    with pytest.raises(TargetUnreachable, match=f"127.0.0.1:{port}: no connection within 0.5 s"):
        Reader(10, 0.5, 5).read(f"127.0.0.1:{port}", 0)


def test_unavailable_before_any_frame_is_an_unreachable_target(server) -> None:
    fake, address = server
    fake.end_after_s, fake.end_code = 0.0, grpc.StatusCode.UNAVAILABLE
    with pytest.raises(TargetUnreachable, match="UNAVAILABLE before any frame"):
        READER.read(address, 0)


# -- a stream kept open, and a first frame -----------------------------------------------------------------------


def _job_at(address: str, stream_id: int = 3) -> JobConfigured:
    host, port = address.rsplit(":", 1)
    return configured({"1": stream_id}, url=f"http://{host}", port=port)


def test_a_stream_read_in_the_background_has_its_first_frame_when_entered_and_closes_on_exit(server) -> None:
    fake, address = server
    fake.end_after_s = None
    with BackgroundRead(_job_at(address), connect_s=5, join_s=5) as reading:
        assert reading.frames, "the first frame should have come once entered"
        assert fake.requested == [3]
    assert fake.cancelled.wait(2), "leaving should cancel the call"
    assert reading.error is None  # our own cancel is no error


def test_a_stream_read_in_the_background_keeps_an_ending_of_the_server(server) -> None:
    fake, address = server
    fake.end_after_s = 0.2
    with BackgroundRead(_job_at(address), connect_s=5, join_s=5) as reading:
        wait_for(lambda: reading.error, reason="the server's ending to be kept", timeout_s=2)
    assert reading.summary()["stopped_by"] == "DEADLINE_EXCEEDED: stream limit reached"


def test_a_malformed_frame_does_not_stop_a_background_read(server) -> None:
    """Kept open for another clause (a job alive while a scenario watches): frames are counted, never judged."""
    fake, address = server
    fake.end_after_s, fake.bad_frame_at = None, 0
    with BackgroundRead(_job_at(address), connect_s=5, join_s=5) as reading:
        wait_for(lambda: reading.frames >= 3, reason="frames after the malformed first one", timeout_s=2)
    assert reading.error is None


def test_a_background_read_of_nothing_listening_is_an_unreachable_target() -> None:
    port = closed_port()
    with pytest.raises(TargetUnreachable, match=f"127.0.0.1:{port}: no connection within 0.5 s"):
        BackgroundRead(_job_at(f"127.0.0.1:{port}"), connect_s=0.5, join_s=1).__enter__()


def test_the_first_frame_refused_only_by_no_connection_or_unavailable(server) -> None:
    fake, address = server
    assert first_frame_refused(address, 0, 5, 5) is None
    assert fake.cancelled.wait(2), "the stream is closed after its first frame"
    fake.end_after_s, fake.end_code = 0.0, grpc.StatusCode.DEADLINE_EXCEEDED
    assert first_frame_refused(address, 0, 5, 5) is None  # an answer, for 2.1
    fake.end_code = grpc.StatusCode.UNAVAILABLE
    assert first_frame_refused(address, 0, 5, 5) == "UNAVAILABLE: stream limit reached"
    assert first_frame_refused(f"127.0.0.1:{closed_port()}", 0, 0.5, 5) == "no connection within 0.5 s"
