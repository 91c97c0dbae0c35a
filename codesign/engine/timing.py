"""Where a search's time goes, from what its network trials record.

Each network trial keeps the seconds of its parts: costing every hardware point before training
and deriving its job's thresholds from those costs (early stopping, halving, lazy testing:
`cost_time_s`, the driver), training (`train_time_s`, the worker), testing the kept checkpoint
at every N and bit-error rate (`evaluate_time_s`, the worker; none for a network stopped
early) and recording its design points (`record_time_s`, the driver). The study's wall time
is from the first network's proposal to the last one's end; what the parts leave of it is the
rest (starting workers, loading data, the sampler, the storage).
"""

from __future__ import annotations

from collections.abc import Sequence

from optuna.trial import FrozenTrial

TIME_PARTS = {"costing": "cost_time_s", "training": "train_time_s",
              "testing": "evaluate_time_s", "recording": "record_time_s"}
AFTER_TRAINING = ("testing", "recording")


def time_breakdown(trials: Sequence[FrozenTrial]) -> dict[str, float]:
    """Seconds by part over the finished network trials, their wall time (`wall`), what the
    parts leave of it (`rest`: 0 where parallel workers overlap the parts) and the share of
    it after training (`after_training_share`: testing and recording)."""
    finished = [t for t in trials if t.datetime_complete is not None]
    parts = {part: sum(float(t.user_attrs.get(attr) or 0.0) for t in finished)
             for part, attr in TIME_PARTS.items()}
    if not finished:
        return {**parts, "rest": 0.0, "wall": 0.0, "after_training_share": 0.0}
    start = min(t.datetime_start for t in finished if t.datetime_start is not None)
    wall = (max(t.datetime_complete for t in finished) - start).total_seconds()
    after = sum(parts[part] for part in AFTER_TRAINING)
    return {**parts, "rest": max(0.0, wall - sum(parts.values())), "wall": wall,
            "after_training_share": after / wall if wall > 0 else 0.0}
