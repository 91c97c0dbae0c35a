"""Batch scoring of two revisions of the hardware model, side by side in one run.

Each revision is checked out in a temporary git worktree and runs its own
`benchmarks/hw_throughput.py` (the same random designs for a given seed), one round at a time,
alternating between the revisions, so that the machine's drift falls on both. Prints each
revision's median rate and the paired ratio of the second to the first (above 1: faster).

    python benchmarks/hw_throughput_revisions.py BEFORE AFTER [--rounds 7] [--designs 100000]

For example, the component classes of issue 25 against the evaluator before them:

    python benchmarks/hw_throughput_revisions.py 95b5ecd^1 95b5ecd
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RATE = re.compile(r"^designs_per_s: (\d+)", re.M)


def rate(worktree: Path, designs: int) -> float:
    """One round of the revision's own benchmark (few scalar designs: the batch is timed)."""
    output = subprocess.run(
        [sys.executable, "benchmarks/hw_throughput.py", "--designs", str(designs),
         "--rounds", "1", "--scalar-designs", "20"],
        cwd=worktree, env={"PYTHONPATH": str(worktree), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, check=True).stdout
    match = RATE.search(output)
    if match is None:
        raise SystemExit(f"{worktree}: no designs_per_s line in its output")
    return float(match[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--designs", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        trees = {}
        for label, revision in (("before", args.before), ("after", args.after)):
            trees[label] = Path(scratch) / label
            subprocess.run(["git", "worktree", "add", "--detach", "-q", str(trees[label]),
                            revision], cwd=ROOT, check=True)
        try:
            rates: dict[str, list[float]] = {"before": [], "after": []}
            for round_ in range(args.rounds):
                order = ("before", "after") if round_ % 2 == 0 else ("after", "before")
                for label in order:
                    rates[label].append(rate(trees[label], args.designs))
        finally:
            for tree in trees.values():
                subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT)
    for label, revision in (("before", args.before), ("after", args.after)):
        print(f"{label} ({revision}): median {statistics.median(rates[label]):,.0f} designs/s "
              f"(rounds {min(rates[label]):,.0f}-{max(rates[label]):,.0f})")
    ratios = [a / b for a, b in zip(rates["after"], rates["before"], strict=True)]
    print(f"after_over_before (paired, median): {statistics.median(ratios):.3f} "
          f"(rounds {min(ratios):.3f}-{max(ratios):.3f})")


if __name__ == "__main__":
    main()
