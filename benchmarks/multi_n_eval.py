"""Cost of test accuracy at every N in {1, 2, 4, ..., 64} against N = 64 alone.

One stream of the largest N serves every shorter N (prefix sums), so the extra lengths
should cost little. Measured for both merge points on the reference MLP 784-1024-1024-10
with random weights (the cost does not depend on the values), in one run.

    python benchmarks/multi_n_eval.py [--images 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics

import torch
from _timing import interleaved, spread

from trainer.encoding import StochasticEncoding
from trainer.inference import class_scores
from trainer.models import binary_mlp
from trainer.sng import IdealSNG

ALL_LENGTHS = [1, 2, 4, 8, 16, 32, 64]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    torch.manual_seed(0)
    network = binary_mlp((1, 28, 28), [1024, 1024], 10).eval()
    pixels = torch.randint(0, 256, (args.images, 1, 28, 28), dtype=torch.uint8)

    ratios = {}
    for merge in ("first_layer", "output"):
        encoding = StochasticEncoding(IdealSNG(), merge)

        def evaluate(lengths, encoding=encoding):
            with torch.no_grad():
                for start in range(0, args.images, 500):
                    class_scores(network, encoding, pixels[start : start + 500], lengths)

        samples = interleaved(
            {"all": lambda: evaluate(ALL_LENGTHS), "nmax": lambda: evaluate([64])},
            rounds=args.rounds,
        )
        paired = samples.ratios("all", "nmax")
        ratios[merge] = statistics.median(paired)
        print(
            f"{merge:>11}: all N {samples.median('all'):.3f} s, N=64 alone "
            f"{samples.median('nmax'):.3f} s, ratio {spread(paired)}  ({args.images} images)"
        )
    for merge, ratio in ratios.items():
        print(f"all_n_vs_nmax[{merge}]: {ratio:.3f}")
    print(f"all_n_vs_nmax: {max(ratios.values()):.3f}")


if __name__ == "__main__":
    main()
