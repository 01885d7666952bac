"""The simulated fibre: its metadata, the waterfall parameters derived from a configuration, and its signal.

The signal is synthetic but plausible: a noise floor plus a few sources moving along the fibre. Values depend only
on (time, channel), so the same instant always looks the same; the noise comes from a precomputed pool so that
producing rows costs little more than copying them (the gRPC benchmark needs that).
"""

from __future__ import annotations

import itertools

import numpy as np

CHANNELS = 2337  # channels of the simulated fibre (GET /channels: 1..2337, GET /sensors: 0..2336)
POOL_ROWS = 512
NOISE_FLOOR = 0.05


class DasSignal:
    def __init__(self, channels: int = CHANNELS, seed: int = 20251009) -> None:
        rng = np.random.default_rng(seed)
        self.channels = channels
        self.pool = (NOISE_FLOOR * (1.0 + 0.3 * rng.standard_normal((POOL_ROWS, channels)))).astype(np.float32)
        np.abs(self.pool, out=self.pool)
        # Sources: start channel, speed (channels/s, signed), amplitude, half width (channels).
        self.sources = [
            (rng.uniform(0, channels), rng.uniform(-40, 40), rng.uniform(0.5, 3.0), rng.uniform(3, 12))
            for _ in range(6)
        ]

    def rows(self, times_s: np.ndarray, first: int, last: int) -> np.ndarray:
        """Intensity for rows at `times_s` (epoch seconds) and channels first..last (0-based): (rows, channels)."""
        first = max(0, min(first, self.channels - 1))
        last = max(first, min(last, self.channels - 1))
        slots = (np.asarray(times_s, dtype=np.float64) * 50.0).astype(np.int64) % POOL_ROWS
        out = self.pool[slots, first : last + 1].copy()
        for x0, speed, amplitude, width in self.sources:
            positions = (x0 + speed * np.asarray(times_s, dtype=np.float64)) % self.channels
            lo = max(first, int(positions.min() - 3 * width))
            hi = min(last, int(positions.max() + 3 * width))
            if hi < lo or hi - lo > 400:  # the source crossed the whole range in this batch: skip it
                continue
            span = np.arange(lo, hi + 1, dtype=np.float64)
            bump = amplitude * np.exp(-(((span[None, :] - positions[:, None]) / width) ** 2))
            out[:, lo - first : hi - first + 1] += bump.astype(np.float32)
        return out

    @staticmethod
    def spectrum(rows: np.ndarray, bins: int) -> np.ndarray:
        """Spread each value over `bins` frequency bins with a falling profile: (rows, channels, bins)."""
        profile = (1.0 / (1.0 + np.arange(bins, dtype=np.float32))).astype(np.float32)
        return rows[:, :, None] * profile[None, None, :]


SIGNAL = DasSignal()  # one for the stand: it depends on (time, channel) alone
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
    width, top = PRR / nfft, min(float(fmax), PRR / 2)  # nfft > 0: the request bodies say so
    bins = itertools.takewhile(lambda index: index * width <= top, itertools.count(int(-(-fmin // width))))
    found = [round(index * width, 6) for index in itertools.islice(bins, limit)]
    return found or [round(min(float(fmin), top), 6)]
