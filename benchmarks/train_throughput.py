"""Training samples/s of SC-adapted first-layer training against conventional BNN training.

Same network (MLP 784-1024-1024-10), same batches, same optimiser; only the input encoding
differs. "fast" is what `codesign train` runs (counts drawn directly from their binomial law);
"naive" loops over the N bit-planes and accumulates layer 1 cycle by cycle, as the hardware
does. Every candidate is timed round-robin in one run and the medians compared.

    python benchmarks/train_throughput.py [--steps 20] [--rounds 5] [--batch 256]
"""

from __future__ import annotations

import argparse

import torch
import torch.nn.functional as F
from _timing import interleaved_medians

from trainer.encoding import FixedPointEncoding, StochasticEncoding
from trainer.inference import class_scores
from trainer.layers import clip_latent_weights
from trainer.models import binary_mlp
from trainer.sng import IdealSNG, pixel_values

LENGTHS = [1, 4, 16, 64]


def naive_scores(network, pixels, length):
    """Layer-1 popcounts accumulated over `length` sampled bit-planes, then the rest."""
    x = pixel_values(pixels)
    accumulated = 0.0
    for _ in range(length):
        plane = (torch.rand(pixels.shape) < x).float() * 2.0 - 1.0
        accumulated = accumulated + network.first(plane)
    return network.readout(network.body(accumulated / length))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="training steps per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    torch.manual_seed(0)
    network = binary_mlp((1, 28, 28), [1024, 1024], 10).train()
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
    batches = [
        (
            torch.randint(0, 256, (args.batch, 1, 28, 28), dtype=torch.uint8),
            torch.randint(0, 10, (args.batch,)),
        )
        for _ in range(args.steps)
    ]
    fixed_point = FixedPointEncoding()
    stochastic = StochasticEncoding(IdealSNG(), "first_layer")

    def train(score_fn):
        def run():
            for pixels, labels in batches:
                loss = F.cross_entropy(score_fn(pixels), labels)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                clip_latent_weights(network)

        return run

    candidates = {"conventional": train(lambda p: class_scores(network, fixed_point, p, [1])[0])}
    for n in LENGTHS:
        candidates[f"sc_fast_N{n}"] = train(
            lambda p, n=n: class_scores(network, stochastic, p, [n])[0]
        )
        candidates[f"sc_naive_N{n}"] = train(lambda p, n=n: naive_scores(network, p, n))
    times = interleaved_medians(candidates, rounds=args.rounds)

    samples = args.steps * args.batch
    rate = {name: samples / seconds for name, seconds in times.items()}
    print(f"conventional BNN training: {rate['conventional']:.0f} samples/s")
    ratios = []
    for n in LENGTHS:
        fast, naive = rate[f"sc_fast_N{n}"], rate[f"sc_naive_N{n}"]
        ratios.append(fast / rate["conventional"])
        print(
            f"N={n:>2}: SC fast {fast:.0f} samples/s ({ratios[-1]:.2f}x conventional), "
            f"naive loop {naive:.0f} samples/s (fast is {fast / naive:.1f}x the naive loop)"
        )
    print(f"sc_vs_conventional_min: {min(ratios):.3f}")


if __name__ == "__main__":
    main()
