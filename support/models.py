"""Typed answers of the Focus Server, as the contract gives them (docs/target-contract.md). Request bodies are plain
builders without constraints: the server's validation is what we test."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel, model_validator

# -- task API ---------------------------------------------------------------------------------------------------

TASK_TIME_FORMAT = "%y%m%d%H%M%S"


def task_time(instant: datetime) -> str:
    """yymmddHHMMSS in UTC, the task API's time format."""
    return instant.astimezone(UTC).strftime(TASK_TIME_FORMAT)


def new_task_id(purpose: str = "task") -> str:
    """`acc_<purpose>_<8 hex>`: unique, the suite's; only `[A-Za-z0-9_-]`, so a valid AMQP queue name too."""
    return f"acc_{re.sub(r'[^A-Za-z0-9_-]', '_', purpose)}_{secrets.token_hex(4)}"


def fresh_display(canvas_field: str) -> dict[str, Any]:
    """A display nobody sent before (a random time axis and canvas height): 2.3's first send is a first one."""
    duration = round(5 + secrets.randbelow(10**9) / 10**8, 8)  # 5 s .. 15 s
    return {"displayTimeAxisDuration": duration, canvas_field: Canvas(height=100 + secrets.randbelow(900))}


class Range(BaseModel):
    min: int
    max: int


class Canvas(BaseModel):
    height: int


class TaskConfig(BaseModel):
    """Body of `POST /config/{task_id}`: both times None = live, both set = history."""

    displayTimeAxisDuration: float = 10
    nfftSelection: int = 256
    canvasInfo: Canvas = Canvas(height=200)
    sensors: Range = Range(min=0, max=31)
    frequencyRange: Range = Range(min=0, max=500)
    start_time: str | None = None
    end_time: str | None = None

    @classmethod
    def history(cls, start: datetime, end: datetime, **fields: Any) -> TaskConfig:
        return cls(start_time=task_time(start), end_time=task_time(end), **fields)


class ConfigAccepted(BaseModel):
    """200 of `POST /config/{task_id}`."""

    status: str
    task_id: str | None = None


class ErrorBody(BaseModel):
    """Application error `{"error": text}` (400 no recordings, 404 invalid job id)."""

    error: str


class SensorIntensity(BaseModel):
    id: int = Field(ge=0)
    intensity: list[float]


class Row(BaseModel):
    canvasId: str
    sensors: list[SensorIntensity]
    startTimestamp: int
    endTimestamp: int

    @model_validator(mode="after")
    def _ends_after_start(self) -> Row:
        if self.endTimestamp < self.startTimestamp:
            raise ValueError(f"endTimestamp {self.endTimestamp} before startTimestamp {self.startTimestamp}")
        return self


class WaterfallBlock(BaseModel):
    rows: list[Row]
    current_max_amp: float
    current_min_amp: float

    @model_validator(mode="after")
    def _max_not_below_min(self) -> WaterfallBlock:
        if self.current_max_amp < self.current_min_amp:
            raise ValueError("current_max_amp below current_min_amp")
        return self


class WaterfallBlocks(RootModel[list[WaterfallBlock]]):
    pass


class Metadata(BaseModel):
    """`GET /live_metadata` (200) and `GET /metadata/{task_id}` (201): a flat metadata object."""

    model_config = ConfigDict(extra="allow")

    prr: float
    dx: float
    number_of_channels: float
    num_samples_per_trace: int
    dtype: str
    sw_version: str
    fiber_description: str
    fiber_start_meters: float
    fiber_length_meters: float


class SensorList(BaseModel):
    sensors: list[int]


class JobConfig(BaseModel):
    """Body of `POST /configure`; times in epoch seconds, both None = live. view_type "0" = multichannel."""

    displayInfo: Canvas = Canvas(height=200)
    channels: Range = Range(min=1, max=32)
    view_type: str = "0"
    displayTimeAxisDuration: float = 10
    nfftSelection: int = 256
    frequencyRange: Range = Range(min=0, max=500)
    start_time: int | None = None
    end_time: int | None = None

    @classmethod
    def history(cls, start: datetime, end: datetime, **fields: Any) -> JobConfig:
        return cls(start_time=int(start.timestamp()), end_time=int(end.timestamp()), **fields)


class JobConfigured(BaseModel):
    """200 of `POST /configure` (and of `GET /metadata/{job_id}` while the job runs)."""

    model_config = ConfigDict(extra="allow")

    status: str
    job_id: str = Field(pattern=r"^\d+-\d+$")
    stream_url: str
    stream_port: int  # a numeric string is accepted: the real server sends one
    stream_amount: int
    channel_to_stream_index: dict[str, int]
    channel_amount: int
    frequencies_list: list[float]
    frequencies_amount: int
    lines_dt: float
    view_type: int | str

    @property
    def grpc_address(self) -> str:
        """host of stream_url without its scheme, and int(stream_port) (contract, gRPC stream)."""
        host = self.stream_url.split("://", 1)[-1].rstrip("/")
        return f"{host}:{self.stream_port}"


class ChannelRange(BaseModel):
    lowest_channel: int
    highest_channel: int


class RecordingSpans(RootModel[list[tuple[int, int]]]):
    """`POST /recordings_in_time_range`: whole recordings `[start, end]` in epoch seconds, sorted."""
