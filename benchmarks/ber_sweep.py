"""Cost of a weight bit-error sweep: accuracy at 8 non-zero rates x 5 error maps (the
reproduction's grid) on a test-set-sized batch of images, each map scored by a full pass
against each map scored from the clean pass (`trainer.incremental`), side by side.

The sweep runs as a test pass does (`trainer.deployed.deployed_accuracy`): each batch's
stochastic streams are drawn once and scored clean and under every map; a map that flips no
weight reuses the clean decisions. Measured, in one run, round-robin, on:

- the reference MLP 784-1024-1024-10 with random weights and its batch norms calibrated on
  the images (so that its neurons sit near their thresholds as a trained network's do), SC
  with the first-layer merge at N = 1..64 and the conventional (fixed-point) encoding;
- with `--checkpoint`, trained networks (a design's weights, `export`'s .ckpt) on the real
  test set of their dataset, at their design's lengths.

Both ways must count the same decisions (checked); the ratio is full / incremental.

    python benchmarks/ber_sweep.py [--images 10000] [--rounds 3] [--checkpoint CKPT ...]
        [--bers RATE ...] [--trained-only] [--by-rate]
"""

from __future__ import annotations

import argparse
import itertools
import sys
from collections.abc import Callable
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks._timing import interleaved, spread  # noqa: E402
from trainer.deployed import (  # noqa: E402
    ErrorSweepSpec,
    Tested,
    TrainedNetwork,
    batches_of_test_set,
    deployed_accuracy,
)
from trainer.encoding import FixedPointEncoding, StochasticEncoding  # noqa: E402
from trainer.error_structure import INDEPENDENT  # noqa: E402
from trainer.inference import class_scores  # noqa: E402
from trainer.models import binary_mlp  # noqa: E402
from trainer.sng import IdealSNG  # noqa: E402

BERS = (1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1)
MAPS, BATCH = 5, 1000
LENGTHS = [1, 2, 4, 8, 16, 32, 64]


def calibrated_mlp(pixels: torch.Tensor, encoding) -> torch.nn.Module:
    """The reference MLP, random weights, batch norms set to the statistics of `pixels`."""
    torch.manual_seed(0)
    network = binary_mlp((1, 28, 28), [1024, 1024], 10)
    for module in network.modules():
        if isinstance(module, torch.nn.BatchNorm1d):
            module.momentum = None  # a cumulative average over the calibration batches
    network.train()
    with torch.no_grad():
        for start in range(0, min(len(pixels), 4 * BATCH), BATCH):
            class_scores(network, encoding, pixels[start:start + BATCH], [16])
    return network.eval()


def measure(name: str, network, encoding, batches, lengths, rounds: int,
            bers: tuple[float, ...] = BERS) -> None:
    errors = ErrorSweepSpec(bers, MAPS, 0, INDEPENDENT, 10.0)
    results: dict[str, Tested] = {}

    def sweep(way: str) -> Callable[[], None]:
        def run() -> None:
            results[way] = deployed_accuracy(network, encoding, batches, lengths, 0, errors,
                                             incremental=way == "incremental")
        return run

    samples = interleaved({way: sweep(way) for way in ("full", "incremental")}, rounds=rounds)
    same = (results["full"].accuracy == results["incremental"].accuracy
            and (results["full"].sweep.correct == results["incremental"].sweep.correct).all())
    images = sum(len(labels) for _, labels in batches)
    print(f"{name} ({images} images, N {lengths}, {len(bers)} rates x {MAPS} maps):")
    print(f"  full pass per map: {spread(samples.seconds['full'])} s")
    print(f"  from the clean pass: {spread(samples.seconds['incremental'])} s")
    print(f"  same decisions: {'yes' if same else 'NO'}")
    print(f"full_over_incremental[{name}]: {spread(samples.ratios('full', 'incremental'))}")
    if not same:
        raise SystemExit(f"{name}: the two ways counted different decisions")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--checkpoint", type=Path, nargs="*", default=[],
                        help="trained networks to measure on their real test set")
    parser.add_argument("--bers", type=float, nargs="+", default=list(BERS),
                        help="the non-zero bit-error rates (default: the reproduction's grid)")
    parser.add_argument("--trained-only", action="store_true",
                        help="only the --checkpoint networks")
    parser.add_argument("--by-rate", action="store_true",
                        help="each rate measured on its own (where following a map stops "
                             "paying: `trainer.incremental.MAX_FLIPPED_SHARE`)")
    args = parser.parse_args()
    generator = torch.Generator().manual_seed(1)
    pixels = torch.randint(0, 256, (args.images, 1, 28, 28), dtype=torch.uint8,
                           generator=generator)
    labels = torch.randint(0, 10, (args.images,), generator=generator)
    batches = [(pixels[s:s + BATCH], labels[s:s + BATCH]) for s in range(0, len(pixels), BATCH)]
    sweeps = [(f"@{rate:g}", (rate,)) for rate in args.bers] if args.by_rate else [
        ("", tuple(args.bers))]
    random_networks = () if args.trained_only else (
        ("sc_first_layer", StochasticEncoding(IdealSNG(), "first_layer"), LENGTHS),
        ("conventional", FixedPointEncoding(), [1]))
    for (name, encoding, lengths), (at, bers) in itertools.product(random_networks, sweeps):
        network = calibrated_mlp(pixels, encoding)
        measure(f"random_{name}{at}", network, encoding, batches, lengths, args.rounds, bers)
    for checkpoint, (at, bers) in itertools.product(args.checkpoint, sweeps):
        trained = TrainedNetwork.from_checkpoint(checkpoint)
        test = list(itertools.islice(batches_of_test_set(trained.config),
                                     max(1, args.images // BATCH)))
        measure(f"trained_{checkpoint.stem}{at}", trained.network, trained.encoding, test,
                trained.config.input.lengths_to_evaluate, args.rounds, bers)


if __name__ == "__main__":
    main()
