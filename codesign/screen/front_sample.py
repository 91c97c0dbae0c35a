"""A few design points that show a front's trade-off, for a table a person reads.

A front of 173 design points sorted by accuracy starts with ten variants of the most accurate
network; the trade-off is along the front. `spread_along_front` takes points evenly spaced in
the front's accuracy order (its most and least accurate included), at most a few from each
network (the trained network a design point belongs to), and returns them in that order.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from optuna.trial import FrozenTrial


def per_network_cap(front: Sequence[FrozenTrial], count: int) -> int:
    """How many design points of one network a selection of `count` keeps: an equal share
    of the networks on the front, at least one."""
    networks = len({t.user_attrs.get("network_trial") for t in front}) or 1
    return max(1, math.ceil(count / networks))


def spread_along_front(front: Sequence[FrozenTrial], count: int) -> list[FrozenTrial]:
    """`count` design points of `front` (in its order) spread evenly along it, at most
    `per_network_cap` from one network while others remain; the whole front if it is no
    larger."""
    if count >= len(front):
        return list(front)
    cap = per_network_cap(front, count)
    chosen: set[int] = set()
    per_network: Counter = Counter()
    for slot in range(count):
        target = round(slot * (len(front) - 1) / max(1, count - 1))
        index = _nearest_free(front, target, chosen, per_network, cap)
        if index is None:  # every network at its cap: the nearest free point at all
            index = _nearest_free(front, target, chosen, per_network, len(front))
        if index is None:
            break
        chosen.add(index)
        per_network[front[index].user_attrs.get("network_trial")] += 1
    return [front[index] for index in sorted(chosen)]


def _nearest_free(front: Sequence[FrozenTrial], target: int, chosen: set[int],
                  per_network: Counter, cap: int) -> int | None:
    """The index nearest `target` not chosen yet whose network is under `cap`."""
    for distance in range(len(front)):
        for index in (target - distance, target + distance):
            if (0 <= index < len(front) and index not in chosen
                    and per_network[front[index].user_attrs.get("network_trial")] < cap):
                return index
    return None
