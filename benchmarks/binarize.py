"""The binary sign of a layer's output, two ways, side by side: `torch.where` against
2 [x >= 0] - 1 (what `trainer.layers.binarize` computes), on the CPU.

Every forward pass of every binary layer computes it (activations, and the weights while
training), so it is a measurable part of a test pass: `evaluate` of a 1024-1024 network
spent a third of its inference in it.

    python benchmarks/binarize.py [--rows 1000] [--columns 1024] [--rounds 7]

Prints each way's median time a call (interleaved rounds) and their ratio, and checks that
both give the same tensor.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch


def by_where(x: torch.Tensor) -> torch.Tensor:
    return torch.where(x >= 0, 1.0, -1.0).to(x.dtype)


def by_comparison(x: torch.Tensor) -> torch.Tensor:
    return (x >= 0).to(x.dtype).mul_(2).sub_(1)


def _seconds_a_call(way, x: torch.Tensor, calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        way(x)
    return (time.perf_counter() - start) / calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--columns", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--calls", type=int, default=100)
    args = parser.parse_args()
    x = torch.randn(args.rows, args.columns)
    x[0, :4] = torch.tensor([0.0, -0.0, float("inf"), float("-inf")])
    assert torch.equal(by_where(x), by_comparison(x)), "the two ways differ"
    times: dict[str, list[float]] = {"where": [], "comparison": []}
    for _ in range(args.rounds):  # interleaved: machine drift reaches both alike
        times["where"].append(_seconds_a_call(by_where, x, args.calls))
        times["comparison"].append(_seconds_a_call(by_comparison, x, args.calls))
    where, comparison = (statistics.median(times[k]) for k in ("where", "comparison"))
    print(f"shape {args.rows}x{args.columns}, {torch.get_num_threads()} threads")
    print(f"torch.where          {where * 1e3:.3f} ms a call")
    print(f"2 [x >= 0] - 1       {comparison * 1e3:.3f} ms a call")
    print(f"speedup: {where / comparison:.2f}")


if __name__ == "__main__":
    main()
