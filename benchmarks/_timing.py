"""Side-by-side timing: interleaved rounds, median per candidate (machines here are noisy)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def interleaved_medians(
    candidates: dict[str, Callable[[], None]], rounds: int = 5, warmup: int = 1
) -> dict[str, float]:
    """Median seconds per call of each candidate, measured round-robin in one run."""
    for _ in range(warmup):
        for run in candidates.values():
            run()
    samples: dict[str, list[float]] = {name: [] for name in candidates}
    for _ in range(rounds):
        for name, run in candidates.items():
            started = time.perf_counter()
            run()
            samples[name].append(time.perf_counter() - started)
    return {name: statistics.median(values) for name, values in samples.items()}
