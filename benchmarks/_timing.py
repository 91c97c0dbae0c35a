"""Side-by-side timing on a noisy machine: candidates run round-robin in one process, so drift
hits every candidate alike; a ratio is taken within each round (paired) and reported as the
median with its spread over rounds (min-max), never as one sample."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Samples:
    """Seconds per call of each candidate, one entry per round, in round order."""

    seconds: dict[str, list[float]]

    def median(self, name: str) -> float:
        return statistics.median(self.seconds[name])

    def medians(self) -> dict[str, float]:
        return {name: self.median(name) for name in self.seconds}

    def ratios(self, numerator: str, denominator: str) -> list[float]:
        """seconds[numerator] / seconds[denominator], round by round (paired)."""
        return [a / b for a, b in zip(self.seconds[numerator], self.seconds[denominator],
                                      strict=True)]


def interleaved(candidates: dict[str, Callable[[], None]], rounds: int = 5,
                warmup: int = 1) -> Samples:
    """Time every candidate once per round, round-robin, after `warmup` untimed rounds."""
    for _ in range(warmup):
        for run in candidates.values():
            run()
    seconds: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, run in candidates.items():
            started = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - started)
    return Samples(seconds)


def spread(values: list[float], digits: int = 2) -> str:
    """'median (min-max, k rounds)' of a figure measured once per round."""
    return (f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}-"
            f"{max(values):.{digits}f}, {len(values)} rounds)")
