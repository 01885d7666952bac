"""Focus Server REST client: one method per route of the contract, each answer validated before it is returned.

Every exchange is kept (`exchanges`) so that the scenario can attach it as evidence. A status the contract names
for a route is parsed into its model; a status it does not name comes back unparsed for the step to judge.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import requests
from pydantic import BaseModel, ValidationError

from support.errors import MalformedAnswer, TargetUnreachable
from support.evidence import body_evidence
from support.grpc_stream import close_job_streams
from support.job_slots import JobSlots, Slot, run_slots
from support.models import (
    ChannelRange,
    ConfigAccepted,
    ErrorBody,
    JobConfig,
    JobConfigured,
    Metadata,
    RecordingSpans,
    SensorList,
    TaskConfig,
    WaterfallBlock,
    WaterfallBlocks,
)
from support.rabbit_admin import http_reason
from support.settings import Settings, mask_url
from support.waiting import monotonic

M = TypeVar("M")


@dataclass
class Answer(Generic[M]):
    """One HTTP answer: status, time taken, and the body parsed into the model the contract gives for it."""

    route: str
    status: int
    elapsed_s: float
    text: str
    body: M | None = None

    def json(self) -> Any:
        return json.loads(self.text)


@dataclass
class Exchange:
    method: str
    url: str
    request: Any
    status: int
    elapsed_ms: float
    response: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "request": f"{self.method} {self.url}",
            "body": self.request,
            "status": self.status,
            "elapsed_ms": round(self.elapsed_ms, 1),
            "response": body_evidence(self.response),
        }


# What each status of a route carries: a model, or None for an empty body.
Shape = dict[int, type[BaseModel] | None]


@dataclass
class FocusServer:
    """The REST client. Every job or task it configures holds one of the run's job slots (support/job_slots.py)
    until `close`, which ends what is still alive: the owner calls it once done (a scenario's last cleanup)."""

    settings: Settings
    session: requests.Session = field(default_factory=requests.Session)
    exchanges: list[Exchange] = field(default_factory=list)
    slots: JobSlots | None = None  # unset: the run's (run_slots)
    held: list[tuple[Slot, BaseModel | None]] = field(default_factory=list)
    reserved: list[Slot] = field(default_factory=list)  # taken ahead for jobs that must live together (`reserve`)

    def __post_init__(self) -> None:
        self.session.verify = self.settings.tls_verify  # and per request: see Settings.tls_verify
        self.session.headers.update({"Accept": "application/json"})

    # -- task API --------------------------------------------------------------------------------------------
    def config_task(self, task_id: str, config: TaskConfig | dict[str, Any]) -> Answer[ConfigAccepted | ErrorBody]:
        """`POST /config/{task_id}`: 200 accepted; 400 no recordings (fail-fast); 422 malformed body."""
        return self._opening(
            lambda: self._call("POST", f"/config/{task_id}", config, {200: ConfigAccepted, 400: ErrorBody, 422: None}),
            lambda answer: task_id if answer.status == 200 else None,
        )

    def waterfall(self, task_id: str, row_count: int) -> Answer[list[WaterfallBlock]]:
        """`GET /waterfall/{task_id}/{row_count}`: 200 none yet; 201 blocks; 208 end of stream; 400; 404."""
        answer = self._call(
            "GET", f"/waterfall/{task_id}/{row_count}", None, {200: None, 201: WaterfallBlocks, 208: None}
        )
        if isinstance(answer.body, WaterfallBlocks):
            answer.body = answer.body.root
        return answer

    def task_metadata(self, task_id: str) -> Answer[Metadata]:
        """`GET /metadata/{task_id}`: 201 metadata; 200 empty while the task's consumer is not running; 404."""
        return self._call("GET", f"/metadata/{task_id}", None, {201: Metadata, 200: None})

    def live_metadata(self) -> Answer[Metadata]:
        """`GET /live_metadata`: 200 flat metadata."""
        return self._call("GET", "/live_metadata", None, {200: Metadata})

    def sensors(self) -> Answer[SensorList]:
        """`GET /sensors`: 200 `{"sensors": [0..n-1]}`."""
        return self._call("GET", "/sensors", None, {200: SensorList})

    # -- job API ---------------------------------------------------------------------------------------------
    def configure(self, config: JobConfig | dict[str, Any]) -> Answer[JobConfigured | ErrorBody]:
        """`POST /configure`: 200 job with its stream address; 400 no recordings (fail-fast); 422 malformed."""
        return self._opening(
            lambda: self._call("POST", "/configure", config, {200: JobConfigured, 400: ErrorBody, 422: None}),
            lambda answer: answer.body.job_id if isinstance(answer.body, JobConfigured) else None,
        )

    def job_metadata(self, job_id: str) -> Answer[JobConfigured | ErrorBody]:
        """`GET /metadata/{job_id}`: 200 the job's configure answer; 404 `Invalid job_id` once it is gone."""
        return self._call("GET", f"/metadata/{job_id}", None, {200: JobConfigured, 404: ErrorBody})

    def channels(self) -> Answer[ChannelRange]:
        """`GET /channels`: 200 the inclusive channel range."""
        return self._call("GET", "/channels", None, {200: ChannelRange})

    def recordings_in_time_range(self, start: datetime, end: datetime) -> Answer[RecordingSpans]:
        """`POST /recordings_in_time_range`: 200 the whole recordings overlapping the window, sorted."""
        window = {"start_time": int(start.timestamp()), "end_time": int(end.timestamp())}
        return self._call("POST", "/recordings_in_time_range", window, {200: RecordingSpans})

    def ack(self) -> Answer[None]:
        """`GET /ack`: 200 `{}`, the health check."""
        return self._call("GET", "/ack", None, {200: None})

    # -- the run's job slots ---------------------------------------------------------------------------------
    def reserve(self, jobs: int) -> None:
        """Take the slots of `jobs` jobs that must live at once (a resend's), before the first is started."""
        missing = jobs - len(self.reserved)
        if missing > 0:
            self.reserved += (self.slots or run_slots(self.settings)).take(missing)

    def _opening(self, send: Callable[[], Answer], job_of: Callable[[Answer], str | None]) -> Answer:
        """Send a request that may start a job, in a slot of the run's: kept while the job lives, given back when
        the target started none (or answered with a job this client holds already: a resend answered as one)."""
        slots = self.slots or run_slots(self.settings)
        slot = self.reserved.pop() if self.reserved else slots.take()[0]
        try:
            answer = send()
            job_id = job_of(answer)
        except BaseException:
            slots.release(slot)
            raise
        if job_id is None or any(held.job_id == job_id for held, _ in self.held):
            slots.release(slot)
        else:
            slots.opened(slot, job_id)
            self.held.append((slot, answer.body))
        return answer

    def close(self, connect_timeout_s: float | None = None) -> None:
        """End every job this client started that is still alive (its streams opened and closed: a job whose
        streams have all ended is gone), and give its slot back. Nothing the run opened outlives its owner."""
        slots = self.slots or run_slots(self.settings)
        while self.reserved:
            slots.release(self.reserved.pop())
        while self.held:
            slot, body = self.held.pop()
            try:
                if isinstance(body, JobConfigured) and self.job_metadata(body.job_id).status == 200:
                    close_job_streams(body, connect_timeout_s=connect_timeout_s or self.settings.timeouts.grpc_ready_s)
            except (TargetUnreachable, AssertionError):
                pass  # a target that no longer answers about it has nothing left for us to end
            finally:
                slots.release(slot)

    # -- plumbing --------------------------------------------------------------------------------------------
    def drain_exchanges(self) -> list[dict[str, Any]]:
        drained, self.exchanges = self.exchanges, []
        return [exchange.as_dict() for exchange in drained]

    def _call(self, method: str, path: str, payload: BaseModel | dict[str, Any] | None, shape: Shape) -> Answer:
        url = self.settings.base_url.rstrip("/") + path
        body = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
        started = monotonic()
        try:
            response = self.session.request(
                method, url, json=body, timeout=self.settings.timeouts.http_timeout_s, verify=self.settings.tls_verify
            )
        except requests.RequestException as error:
            address = mask_url(self.settings.base_url)
            raise TargetUnreachable(
                f"Focus Server REST at {address} ({http_reason(error)}: {type(error).__name__})"
            ) from error
        elapsed = monotonic() - started
        self.exchanges.append(Exchange(method, url, body, response.status_code, elapsed * 1000, response.text))
        answer: Answer = Answer(f"{method} {path}", response.status_code, elapsed, response.text)
        if response.status_code in shape:
            answer.body = _parse(answer, shape[response.status_code])
        return answer


def _parse(answer: Answer, model: type[BaseModel] | None) -> BaseModel | None:
    """Validate the body against the contract; a wrong shape fails the scenario naming the field."""
    if model is None:
        return None
    try:
        return model.model_validate_json(answer.text)
    except ValidationError as error:
        fields = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '(body)'}: {item['msg']}" for item in error.errors()
        )
        raise MalformedAnswer(f"{answer.route} answered {answer.status} with a malformed body: {fields}") from None
