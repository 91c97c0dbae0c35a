"""Cost of a weight bit-error sweep: accuracy at 8 non-zero rates x 5 error maps (the
reproduction's grid) against one clean evaluation, on a test-set-sized batch of images.

The sweep runs as the test loop does (`trainer.bit_errors.ErrorSweepAccumulator`): each batch's
stochastic streams are drawn once and scored clean and under every map; a map that flips no
weight reuses the clean decisions. Measured on the reference MLP 784-1024-1024-10 (random
weights: the cost does not depend on their values), SC with the first-layer merge at N = 16,
and the conventional (fixed-point) encoding, in one run.

    python benchmarks/ber_sweep.py [--images 10000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import time

import torch

from trainer.bit_errors import ErrorSweepAccumulator, weights_read_with
from trainer.encoding import FixedPointEncoding, StochasticEncoding
from trainer.inference import encoded_input, scores_of_encoded
from trainer.models import binary_mlp
from trainer.sng import IdealSNG

BERS = [0.0, 1e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 1e-1]
MAPS, BATCH = 5, 1000


def run(network, encoding, pixels, labels, lengths, bers) -> float:
    """Seconds to evaluate `pixels` clean and, with `bers`, under every (rate, map)."""
    sweep = ErrorSweepAccumulator(network, bers, lengths, MAPS, seed=0) if bers else None
    started = time.perf_counter()
    with torch.no_grad():
        for start in range(0, len(pixels), BATCH):
            encoded = encoded_input(encoding, pixels[start:start + BATCH], lengths)

            def under(error_map=None, encoded=encoded):
                with weights_read_with(network, error_map):
                    return scores_of_encoded(network, encoding, encoded, lengths)

            clean = under()
            if sweep is not None:
                sweep.add(under, clean, labels[start:start + BATCH])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    torch.manual_seed(0)
    network = binary_mlp((1, 28, 28), [1024, 1024], 10).eval()
    pixels = torch.randint(0, 256, (args.images, 1, 28, 28), dtype=torch.uint8)
    labels = torch.randint(0, 10, (args.images,))
    cases = {"sc_first_layer_n16": (StochasticEncoding(IdealSNG(), "first_layer"), [16]),
             "conventional": (FixedPointEncoding(), [1])}
    evaluations = MAPS * sum(ber > 0 for ber in BERS)
    for name, (encoding, lengths) in cases.items():
        clean = min(run(network, encoding, pixels, labels, lengths, []) for _ in
                    range(args.rounds))
        swept = min(run(network, encoding, pixels, labels, lengths, BERS) for _ in
                    range(args.rounds))
        per_map = (swept - clean) / evaluations
        print(f"{name}: clean {clean:.2f} s, clean + {evaluations} maps {swept:.2f} s, "
              f"{per_map:.3f} s per map ({args.images} images)")
        print(f"ber_sweep_s[{name}]: {swept:.2f}")
        print(f"per_map_vs_clean[{name}]: {per_map / clean:.3f}")


if __name__ == "__main__":
    main()
