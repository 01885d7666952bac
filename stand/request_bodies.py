"""Request bodies of both REST APIs; pydantic turns a malformed body into a 422 that names the field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import ClassVar, Literal

from pydantic import BaseModel, Field, ValidationInfo, field_validator

INT32_MAX = 2**31 - 1  # the real server's numbers are int32; larger ones are malformed here


def parse_task_time(text: str) -> float:
    """`yymmddHHMMSS` (UTC) → epoch seconds."""
    return datetime.strptime(text, "%y%m%d%H%M%S").replace(tzinfo=UTC).timestamp()


def _both_or_neither(start: object, end: object) -> None:
    if (start is None) != (end is None):
        raise ValueError("start_time and end_time are both null (live) or both set (history)")


class _Range(BaseModel):
    min: int = Field(ge=0, le=INT32_MAX)
    max: int = Field(ge=0, le=INT32_MAX)
    strictly_after: ClassVar[bool] = False  # max > min, not max >= min

    @field_validator("max")
    @classmethod
    def _max_after_min(cls, value: int, info: ValidationInfo) -> int:
        start = info.data.get("min")  # missing: its own error says why
        if start is not None and (value <= start if cls.strictly_after else value < start):
            raise ValueError(f"max must be {'>' if cls.strictly_after else '>='} min")
        return value


class ChannelRange(_Range):
    min: int = Field(ge=1, le=INT32_MAX)
    max: int = Field(ge=1, le=INT32_MAX)


class FrequencyRange(_Range):
    strictly_after: ClassVar[bool] = True


class Height(BaseModel):
    height: int = Field(gt=0, le=INT32_MAX)


class ConfigTaskRequest(BaseModel):
    """Body of `POST /config/{task_id}`. Both times null = live; both set = history."""

    displayTimeAxisDuration: float = Field(gt=0, allow_inf_nan=False)
    nfftSelection: int = Field(gt=0, le=INT32_MAX)
    canvasInfo: Height
    sensors: _Range
    frequencyRange: FrequencyRange
    start_time: str | None = Field(default=None, pattern=r"^\d{12}$")
    end_time: str | None = Field(default=None, pattern=r"^\d{12}$", validate_default=True)

    @field_validator("start_time", "end_time")
    @classmethod
    def _a_real_instant(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_task_time(value)
            except ValueError as exc:
                raise ValueError("not a yymmddHHMMSS instant") from exc
        return value

    @field_validator("end_time")
    @classmethod
    def _window(cls, value: str | None, info: ValidationInfo) -> str | None:
        if "start_time" in info.data:  # else start_time itself failed; its error says why
            _both_or_neither(info.data["start_time"], value)
            if value is not None and parse_task_time(value) <= parse_task_time(info.data["start_time"]):
                raise ValueError("end_time must be after start_time")
        return value

    @property
    def is_history(self) -> bool:
        return self.start_time is not None

    def window(self) -> tuple[float, float]:
        return parse_task_time(self.start_time), parse_task_time(self.end_time)


class ConfigureRequest(BaseModel):
    """Body of `POST /configure` (job API). Times are epoch seconds or null."""

    displayInfo: Height
    channels: ChannelRange
    view_type: Literal["0", "1", "2"] = Field(description='"0" multichannel, "1" single channel, "2" waterfall')
    displayTimeAxisDuration: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    nfftSelection: int | None = Field(default=None, gt=0, le=INT32_MAX)
    frequencyRange: FrequencyRange | None = None
    start_time: int | None = Field(default=None, ge=0)
    end_time: int | None = Field(default=None, ge=0, validate_default=True)

    @field_validator("view_type", mode="before")
    @classmethod
    def _int_view_type_as_text(cls, value: object) -> object:
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    @field_validator("end_time")
    @classmethod
    def _window(cls, value: int | None, info: ValidationInfo) -> int | None:
        if "start_time" in info.data:
            _both_or_neither(info.data["start_time"], value)
            if value is not None and value <= info.data["start_time"]:
                raise ValueError("end_time must be after start_time")
        return value

    @property
    def is_history(self) -> bool:
        return self.start_time is not None


class TimeRangeRequest(BaseModel):
    """Body of `POST /recordings_in_time_range`."""

    start_time: float = Field(allow_inf_nan=False)
    end_time: float = Field(allow_inf_nan=False)
