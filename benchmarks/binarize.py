"""The binary sign of a layer's output, two ways, side by side: `torch.where` against
2 [x >= 0] - 1 (what `trainer.layers.binarize` computes), on the CPU.

Every forward pass of every binary layer computes it (activations, and the weights while
training), so it is a measurable part of a test pass: `evaluate` of a 1024-1024 network
spent a third of its inference in it.

    python benchmarks/binarize.py [--rows 1000] [--columns 1024] [--rounds 7]

Checks that both give the same tensor (zeros of both signs and infinities included), then
prints each way's median time for a call and their paired ratio (interleaved rounds).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from benchmarks._timing import interleaved, spread  # noqa: E402

CALLS = 100  # calls a timed sample


def by_where(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x >= 0, 1.0, -1.0).to(x.dtype)


def by_comparison(x: torch.Tensor) -> torch.Tensor:
    return (x >= 0).to(x.dtype).mul_(2).sub_(1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--columns", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    x = torch.randn(args.rows, args.columns)
    x[0, :4] = torch.tensor([0.0, -0.0, float("inf"), float("-inf")])
    assert torch.equal(by_where(x), by_comparison(x)), "the two ways differ"

    def calls(way):
        return lambda: [way(x) for _ in range(CALLS)]

    samples = interleaved({"where": calls(by_where), "comparison": calls(by_comparison)},
                          rounds=args.rounds)
    print(f"shape {args.rows}x{args.columns}, {torch.get_num_threads()} threads")
    for name, label in (("where", "torch.where"), ("comparison", "2 [x >= 0] - 1")):
        print(f"{label:16s} {samples.median(name) / CALLS * 1e3:.3f} ms a call")
    print(f"speedup (where / comparison): {spread(samples.ratios('where', 'comparison'))}")


if __name__ == "__main__":
    main()
