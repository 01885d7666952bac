"""Focus Server REST client: one method per route of the contract (docs/target-contract.md). A status the contract
names is parsed into its model (a wrong shape fails naming the field), any other comes back unparsed for the check to
judge; every exchange goes to `record`."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import requests
from pydantic import BaseModel, ValidationError

from support.errors import MalformedAnswer, TargetUnreachable, http_reason
from support.evidence import body_evidence
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
from support.settings import Settings, mask_url
from support.waiting import monotonic

M = TypeVar("M")
Shape = dict[int, type[BaseModel] | None]  # what each status of a route carries: a model, or None for an empty body


@dataclass(frozen=True)
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
class FocusServer:
    settings: Settings
    record: Callable[[dict[str, Any]], None] | None = None  # each exchange, as evidence
    timeout_s: float | None = None  # one request's; default the timeout context's http_timeout_s
    session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self.session.verify = self.settings.tls_verify  # and per request: see Settings.tls_verify
        self.session.headers.update({"Accept": "application/json"})

    def config_task(self, task_id: str, config: TaskConfig | dict[str, Any]) -> Answer[ConfigAccepted | ErrorBody]:
        """`POST /config/{task_id}`: 200 accepted; 400 no recordings (fail-fast); 422 malformed body."""
        return self._call("POST", f"/config/{task_id}", config, {200: ConfigAccepted, 400: ErrorBody, 422: None})

    def waterfall(self, task_id: str, row_count: int) -> Answer[list[WaterfallBlock]]:
        """`GET /waterfall/{task_id}/{row_count}`: 200 none yet; 201 blocks; 208 end of stream; 400; 404."""
        answer = self._call(
            "GET", f"/waterfall/{task_id}/{row_count}", None, {200: None, 201: WaterfallBlocks, 208: None}
        )
        return Answer(answer.route, answer.status, answer.elapsed_s, answer.text, getattr(answer.body, "root", None))

    def task_metadata(self, task_id: str) -> Answer[Metadata]:
        """`GET /metadata/{task_id}`: 201 metadata; 200 empty while the task's consumer is not running; 404."""
        return self._call("GET", f"/metadata/{task_id}", None, {201: Metadata, 200: None})

    def live_metadata(self) -> Answer[Metadata]:
        """`GET /live_metadata`: 200 flat metadata."""
        return self._call("GET", "/live_metadata", None, {200: Metadata})

    def sensors(self) -> Answer[SensorList]:
        """`GET /sensors`: 200 `{"sensors": [0..n-1]}`."""
        return self._call("GET", "/sensors", None, {200: SensorList})

    def configure(self, config: JobConfig | dict[str, Any]) -> Answer[JobConfigured | ErrorBody]:
        """`POST /configure`: 200 job with its stream address; 400 no recordings (fail-fast); 422 malformed."""
        return self._call("POST", "/configure", config, {200: JobConfigured, 400: ErrorBody, 422: None})

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

    def _call(self, method: str, path: str, payload: BaseModel | dict[str, Any] | None, shape: Shape) -> Answer:
        url = self.settings.base_url.rstrip("/") + path
        body = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
        started = monotonic()
        try:
            response = self.session.request(
                method,
                url,
                json=body,
                timeout=self.timeout_s or self.settings.timeouts.http_timeout_s,
                verify=self.settings.tls_verify,
            )
        except requests.RequestException as error:
            reason = f"{http_reason(error)}: {type(error).__name__}"
            raise TargetUnreachable(f"Focus Server REST at {mask_url(self.settings.base_url)} ({reason})") from error
        elapsed = monotonic() - started
        if self.record is not None:
            self.record(
                {
                    "request": f"{method} {url}",
                    "body": body,
                    "status": response.status_code,
                    "elapsed_ms": round(elapsed * 1000, 1),
                    "response": body_evidence(response.text),
                }
            )
        route = f"{method} {path}"
        model = shape.get(response.status_code)
        parsed = _parse(route, response, model) if response.status_code in shape else None
        return Answer(route, response.status_code, elapsed, response.text, parsed)


def _parse(route: str, response: requests.Response, model: type[BaseModel] | None) -> BaseModel | None:
    """Validate the body against the contract; a wrong shape fails the scenario naming the field."""
    if model is None:
        return None
    try:
        return model.model_validate_json(response.text)
    except ValidationError as error:
        fields = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or '(body)'}: {item['msg']}" for item in error.errors()
        )
        raise MalformedAnswer(f"{route} answered {response.status_code} with a malformed body: {fields}") from None
