"""The AMQP topology and actors of the stand, each on its own thread with its own named connection.

pika's BlockingConnection is not thread-safe, so an actor's connection never leaves its thread: other threads
hand work over through a `queue.Queue` that the actor drains between `process_data_events` calls. Every actor
reconnects by itself (and declares its topology again) after the broker goes away.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
from collections.abc import Iterator

import pika
from pika.adapters.blocking_connection import BlockingChannel

from stand.faults import ActiveFault
from stand.timing import StandTiming

log = logging.getLogger(__name__)

FRAMES_PER_SECOND = 5  # interrogator → recorder → prisma, "several times a second"

# -- the topology (contract: clarifications §1 and §3), with its faults --------------------------------------

EXCHANGE = "prisma"
RECORDER_QUEUE = "recorder_input"
INTERROGATOR_QUEUE = "interrogator_input"
FOCUS_QUEUE = "focus_server_queue"  # exists only under the `focus-queue` fault
EXTRA_EXCHANGE = "baby_analyzer_commands"  # exists only under the `extra-exchange` fault
COMMAND_PREFIX = "baby_analyzer.commands."
OTHER_EXCHANGE = "amq.topic"  # where the faults send what belongs on prisma (a probe can hear it there)


def declare_prisma(channel: BlockingChannel, fault: ActiveFault) -> None:
    """The one custom exchange; every actor that touches it declares it the same way."""
    channel.exchange_declare(
        EXCHANGE,
        exchange_type="fanout" if fault.on("exchange-fanout") else "topic",
        durable=not fault.on("exchange-transient"),
    )


def recorder_queue(fault: ActiveFault) -> str:
    return "smart_recorder_input" if fault.on("recorder-queue-renamed") else RECORDER_QUEUE


def results_queue(run_id: str, fault: ActiveFault) -> str:
    """The per task/job queue: `{id}_results`."""
    return f"results_{run_id}" if fault.on("job-queue-pattern") else f"{run_id}_results"


def drained(box: queue.Queue) -> Iterator:
    """What another thread handed over so far, taken out."""
    while True:
        try:
            yield box.get_nowait()
        except queue.Empty:
            return


class AmqpActor(threading.Thread):
    """A thread that keeps one named AMQP connection alive and calls `setup` and `tick` on it."""

    connection_name = "actor"
    tick_s = StandTiming.actor_tick_s

    def __init__(self, fault: ActiveFault) -> None:
        super().__init__(name=self.connection_name, daemon=True)
        self.amqp_url = ""  # set by the stand once the broker answers
        self.fault = fault
        self.stopping = threading.Event()
        self.connected = threading.Event()

    def run(self) -> None:
        params = pika.URLParameters(self.amqp_url)
        params.client_properties = {"connection_name": self.connection_name}
        params.heartbeat = 30
        params.socket_timeout = StandTiming.amqp_socket_s
        params.connection_attempts = 1
        params.blocked_connection_timeout = StandTiming.amqp_blocked_s
        while not self.stopping.is_set():
            connection = None
            try:
                connection = pika.BlockingConnection(params)
                channel = connection.channel()
                self.setup(channel)
                self.connected.set()
                log.info("%s connected", self.connection_name)
                while not self.stopping.is_set():
                    connection.process_data_events(time_limit=self.tick_s)
                    self.tick(channel)
            except (pika.exceptions.AMQPError, OSError) as exc:
                if not self.stopping.is_set():
                    log.warning("%s lost its connection (%s); reconnecting", self.connection_name, exc or type(exc))
            except Exception:
                log.exception("%s failed; reconnecting", self.connection_name)
            finally:
                self.connected.clear()
                if connection is not None and connection.is_open:
                    # Closing a broken connection may fail in many ways; it is gone anyway.
                    with contextlib.suppress(Exception):
                        connection.close()
            self.stopping.wait(StandTiming.reconnect_pause_s)

    def setup(self, channel: BlockingChannel) -> None:
        raise NotImplementedError

    def tick(self, channel: BlockingChannel) -> None:
        """Called between event-loop slices, at least every `tick_s`."""


class Interrogator(AmqpActor):
    """The fibre's data source: owns `interrogator_input` and feeds frames to the Smart Recorder's queue."""

    connection_name = "interrogator"

    def __init__(self, fault: ActiveFault) -> None:
        super().__init__(fault)
        self.sequence = 0
        self.next_frame = 0.0

    def setup(self, channel: BlockingChannel) -> None:
        channel.queue_declare(recorder_queue(self.fault), durable=True)
        if not self.fault.on("no-interrogator-queue"):
            channel.queue_declare(INTERROGATOR_QUEUE, durable=True)
            channel.basic_consume(INTERROGATOR_QUEUE, lambda *_: None, auto_ack=True)  # commands are only heard

    def tick(self, channel: BlockingChannel) -> None:
        now = time.monotonic()
        if now < self.next_frame:
            return
        self.next_frame = now + 1.0 / FRAMES_PER_SECOND
        self.sequence += 1
        frame = {"sequence": self.sequence, "timestamp_ms": int(time.time() * 1000), "prr": 2000.0}
        channel.basic_publish("", recorder_queue(self.fault), json.dumps(frame).encode())


class SmartRecorder(AmqpActor):
    """Consumes the interrogator's frames and publishes them on `prisma` as `recorder.data.*` (AMQP only)."""

    connection_name = "smart-recorder"

    def __init__(self, fault: ActiveFault) -> None:
        super().__init__(fault)
        self.last_publish = 0.0
        self.first_publish: float | None = None

    def setup(self, channel: BlockingChannel) -> None:
        declare_prisma(channel, self.fault)
        name = recorder_queue(self.fault)
        channel.queue_declare(name, durable=True)
        channel.basic_consume(name, lambda ch, _method, _properties, body: self._forward(ch, body), auto_ack=True)

    def _forward(self, channel: BlockingChannel, body: bytes) -> None:
        if self.fault.on("recorder-silent"):
            return
        now = time.monotonic()
        if self.fault.on("recorder-sparse") and now - self.last_publish < StandTiming.recorder_sparse_every_s:
            return
        if self.first_publish is None:
            self.first_publish = now
        timing = self.fault.timing  # recorder-stops: publishing a while, then silent for the rest of each period
        if self.fault.on("recorder-stops") and (now - self.first_publish) % timing.recorder_stops_period_s >= (
            timing.recorder_stops_after_s
        ):
            return
        self.last_publish = now
        key = "recorder_data.das" if self.fault.on("recorder-wrong-key") else "recorder.data.das"
        for exchange in [EXCHANGE, *([OTHER_EXCHANGE] if self.fault.on("recorder-copied-elsewhere") else [])]:
            channel.basic_publish(exchange, key, body, pika.BasicProperties(content_type="application/json"))


class BabyAnalyzer(AmqpActor):
    """Per running task/job: declares `{id}_results` bound to `prisma`, deletes it when the run ends."""

    connection_name = "baby-analyzer"

    def __init__(self, fault: ActiveFault) -> None:
        super().__init__(fault)
        self.inbox: queue.Queue[tuple[str, str]] = queue.Queue()
        self.running: set[str] = set()  # owned by this thread

    def open_run(self, run_id: str) -> None:
        self.inbox.put(("open", run_id))

    def close_run(self, run_id: str) -> None:
        self.inbox.put(("close", run_id))

    def _declare(self, channel: BlockingChannel, run_id: str) -> None:
        name = results_queue(run_id, self.fault)
        channel.queue_declare(name, durable=False)
        channel.queue_bind(name, EXCHANGE, routing_key=f"baby_analyzer.results.{run_id}")

    def setup(self, channel: BlockingChannel) -> None:
        declare_prisma(channel, self.fault)
        for run_id in sorted(self.running):
            self._declare(channel, run_id)

    def tick(self, channel: BlockingChannel) -> None:
        for action, run_id in drained(self.inbox):
            if action == "open":
                self.running.add(run_id)  # before declaring: a reconnect declares it again
                self._declare(channel, run_id)
            elif run_id in self.running:
                self.running.discard(run_id)
                if not self.fault.on("results-queue-lingers"):
                    channel.queue_delete(results_queue(run_id, self.fault))


class FocusPublisher(AmqpActor):
    """Focus Server's only AMQP role: publish JSON commands to `prisma`. No queue, no consumer."""

    connection_name = "focus-server"
    tick_s = StandTiming.publisher_tick_s
    keepalive_interval_s = StandTiming.keepalive_every_s

    def __init__(self, fault: ActiveFault) -> None:
        super().__init__(fault)
        self.outbox: queue.Queue[tuple[float, str, dict]] = queue.Queue()
        self._last_keepalive: dict[str, float] = {}
        self._lock = threading.Lock()

    def roi(self, first: int, last: int) -> None:
        self.outbox.put(
            (time.monotonic(), "roi", {"type": "RegionOfInterestCommand", "value": {"start": first, "end": last}})
        )

    def keepalive(self, run_id: str) -> None:
        """A keepalive for a polled task or streamed job, at most one per second per run."""
        now = time.monotonic()
        with self._lock:
            if now - self._last_keepalive.get(run_id, 0.0) < self.keepalive_interval_s:
                return
            self._last_keepalive[run_id] = now
        self.outbox.put((now, "keepalive", {"type": "KeepaliveCommand", "value": {"source": "focus-server"}}))

    def forget(self, run_id: str) -> None:
        with self._lock:
            self._last_keepalive.pop(run_id, None)

    def setup(self, channel: BlockingChannel) -> None:
        declare_prisma(channel, self.fault)
        if self.fault.on("extra-exchange"):
            channel.exchange_declare(EXTRA_EXCHANGE, exchange_type="topic", durable=True)
        if self.fault.on("focus-queue"):
            channel.queue_declare(FOCUS_QUEUE, durable=True)
            channel.queue_bind(FOCUS_QUEUE, EXCHANGE, routing_key="focus_server.#")
            channel.basic_consume(FOCUS_QUEUE, lambda *_: None, auto_ack=True)
        if self.fault.on("focus-exclusive-queue"):
            channel.queue_declare("", exclusive=True)  # server-named, owned by this connection, never consumed

    def tick(self, channel: BlockingChannel) -> None:
        for queued_at, command, body in drained(self.outbox):
            if time.monotonic() - queued_at > StandTiming.stale_command_s:
                continue
            keepalive = command == "keepalive"
            bare = self.fault.on("bare-routing-keys") or (keepalive and self.fault.on("keepalive-bare-key"))
            elsewhere = self.fault.on("commands-elsewhere") or (keepalive and self.fault.on("keepalive-elsewhere"))
            copied = [OTHER_EXCHANGE] if self.fault.on("commands-copied-elsewhere") else []
            properties = pika.BasicProperties(content_type="application/json", delivery_mode=2)
            key = command if bare else COMMAND_PREFIX + command
            for exchange in [OTHER_EXCHANGE if elsewhere else EXCHANGE, *copied]:
                channel.basic_publish(exchange, key, json.dumps(body).encode(), properties)
