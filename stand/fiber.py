"""The simulated fibre: its metadata and the waterfall parameters derived from a configuration."""

from __future__ import annotations

from stand.das_signal import CHANNELS

PRR = 2000.0  # pulses per second per channel
DX = 1.02  # metres between channels
SW_VERSION = "focus-stand-0.1"
WATERFALL_BINS_MAX = 4  # few frequency bins per sensor keep waterfall payloads modest
WATERFALL_VALUES_PER_ANSWER = 60_000  # rows x sensors x bins in one waterfall answer, at most


def live_metadata() -> dict:
    """`GET /live_metadata` and a task's `GET /metadata/{task_id}` (flat)."""
    return {
        "prr": PRR,
        "dx": DX,
        "number_of_channels": CHANNELS,
        "num_samples_per_trace": 1024,
        "dtype": "float32",
        "sw_version": SW_VERSION,
        "fiber_description": "embedded stand: synthetic fibre with moving sources",
        "fiber_start_meters": 0,
        "fiber_length_meters": int(CHANNELS * DX),
    }


def frequencies(fmin: int, fmax: int, nfft: int, limit: int = 1024) -> list[float]:
    """FFT bin centres (width prr/nfft) inside [fmin, min(fmax, Nyquist)], at most `limit` of them."""
    width = PRR / nfft
    top = min(float(fmax), PRR / 2)
    first = int(-(-fmin // width)) if width > 0 else 0
    found: list[float] = []
    index = first
    while index * width <= top and len(found) < limit:
        found.append(round(index * width, 6))
        index += 1
    return found or [round(min(float(fmin), top), 6)]
