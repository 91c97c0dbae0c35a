"""Training samples/s of SC-adapted first-layer training against conventional BNN training.

Same network, same batches, same optimiser; only the input encoding differs. "fast" is what
`codesign train` runs (counts drawn from their binomial law, or read from a Sobol count table);
"naive" loops over the N bit-planes and accumulates layer 1 cycle by cycle, as the hardware
does. Every candidate is timed round-robin in one run; each ratio is taken within a round and
reported as its median and spread over the rounds.

    python benchmarks/train_throughput.py [--steps 20] [--rounds 5] [--batch 256]
    python benchmarks/train_throughput.py --accelerator gpu --model vgg [--precision 16-mixed]

`--model mlp` is the Fashion-MNIST MLP 784-1024-1024-10, `--model vgg` the CIFAR-10 BinaryNet
VGG (2x128C3-MP-2x256C3-MP-2x512C3-MP-1024FC-1024FC). On a GPU the batches live on the GPU,
as in `codesign train`, and every measurement ends with a device synchronisation.
"""

from __future__ import annotations

import argparse
import statistics

import torch
import torch.nn.functional as F
from _timing import interleaved, spread

from trainer.device import device_name, resolve_accelerator, resolve_precision
from trainer.encoding import FixedPointEncoding, StochasticEncoding
from trainer.inference import class_scores
from trainer.layers import clip_latent_weights
from trainer.models import binary_mlp, binary_vgg
from trainer.sng import IdealSNG, SobolSNG, pixel_values

LENGTHS = [1, 4, 16, 64]
MODELS = {
    "mlp": ((1, 28, 28), lambda shape: binary_mlp(shape, [1024, 1024], 10)),
    "vgg": ((3, 32, 32),
            lambda shape: binary_vgg(shape, [128, 128, 256, 256, 512, 512], 2, [1024, 1024], 10)),
}


def naive_scores(network, pixels, length):
    """Layer-1 popcounts accumulated over `length` sampled bit-planes, then the rest."""
    x = pixel_values(pixels)
    accumulated = 0.0
    for _ in range(length):
        plane = (torch.rand(pixels.shape, device=pixels.device) < x).float() * 2.0 - 1.0
        accumulated = accumulated + network.first(plane)
    return network.readout(network.body(accumulated / length))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="training steps per measurement")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--accelerator", choices=("cpu", "gpu", "auto"), default="cpu")
    parser.add_argument("--model", choices=tuple(MODELS), default="mlp")
    parser.add_argument("--precision", choices=("32-true", "16-mixed"), default="32-true")
    args = parser.parse_args()
    accelerator = resolve_accelerator(args.accelerator)
    resolve_precision(args.precision, accelerator)
    device = torch.device("cuda" if accelerator == "gpu" else "cpu")
    torch.manual_seed(0)
    shape, build = MODELS[args.model]
    network = build(shape).to(device).train()
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
    batches = [
        (
            torch.randint(0, 256, (args.batch, *shape), dtype=torch.uint8, device=device),
            torch.randint(0, 10, (args.batch,), device=device),
        )
        for _ in range(args.steps)
    ]
    half = args.precision == "16-mixed"

    def train(score_fn):
        def run():
            for pixels, labels in batches:
                with torch.autocast(device.type, dtype=torch.float16, enabled=half):
                    loss = F.cross_entropy(score_fn(pixels), labels)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                clip_latent_weights(network)
            if device.type == "cuda":
                torch.cuda.synchronize()

        return run

    fixed_point = FixedPointEncoding()
    ideal = StochasticEncoding(IdealSNG(), "first_layer")
    sobol = StochasticEncoding(SobolSNG(), "first_layer")
    candidates = {"conventional": train(lambda p: class_scores(network, fixed_point, p, [1])[0])}
    for n in LENGTHS:
        candidates[f"sc_fast_N{n}"] = train(
            lambda p, n=n: class_scores(network, ideal, p, [n])[0]
        )
        candidates[f"sc_naive_N{n}"] = train(lambda p, n=n: naive_scores(network, p, n))
    candidates["sc_sobol_N16"] = train(lambda p: class_scores(network, sobol, p, [16])[0])
    samples = interleaved(candidates, rounds=args.rounds)
    times = samples.medians()

    images = args.steps * args.batch
    rate = {name: images / seconds for name, seconds in times.items()}

    def versus_conventional(name: str) -> list[float]:
        """Throughput of `name` over the conventional network's, round by round."""
        return samples.ratios("conventional", name)

    print(f"{args.model} on {device_name(accelerator)}, precision {args.precision}, "
          f"batch {args.batch}; median (min-max) over {args.rounds} interleaved rounds")
    print(f"conventional BNN training: {rate['conventional']:.0f} samples/s")
    minima = []
    for n in LENGTHS:
        fast, naive = rate[f"sc_fast_N{n}"], rate[f"sc_naive_N{n}"]
        ratios = versus_conventional(f"sc_fast_N{n}")
        minima.append(statistics.median(ratios))
        print(f"N={n:>2}: SC fast {fast:.0f} samples/s, {spread(ratios)} x conventional; "
              f"naive loop {naive:.0f} samples/s (fast is "
              f"{spread(samples.ratios(f'sc_naive_N{n}', f'sc_fast_N{n}'), 1)} x the naive loop)")
    sobol = versus_conventional("sc_sobol_N16")
    minima.append(statistics.median(sobol))
    print(f"N=16 Sobol (count table): {rate['sc_sobol_N16']:.0f} samples/s, "
          f"{spread(sobol)} x conventional")
    print(f"sc_vs_conventional_min: {min(minima):.3f}")

if __name__ == "__main__":
    main()
