"""Which sampler to search with: hypervolume after K networks, every sampler side by side.

The factorized search (`run_search`) runs for real (the sampler, the costing of every design
point, the recording, the front) on a space (default search_spaces/fmnist.yaml) with the
trainings replaced by a deterministic SURROGATE of accuracy, so that only the samplers
differ and a run takes seconds per network. The surrogate (`surrogate_accuracy`), not fitted
to anything, only shaped like the measured curves (docs/search-results.md):

* clean accuracy 0.80 + 0.10 (1 - exp(-g / 300)), g the geometric mean of the hidden widths:
  monotone in every width, with a plateau (0.857 at g = 256, 0.882 at 512, 0.897 at 1024);
* an SC network at deployment length N loses c / sqrt(N): c = 0.25 (ideal source), 0.22
  (LFSR), 0.12 (Sobol), halved when trained on stochastic inputs (adapted), x 0.7 with the
  output merge (N full passes averaged); adapted at the first layer with train length L it
  loses 0.01 |log2(N / L)| more;
* weights read at bit-error rate p lose 2 p (floored at 0.1).

Each sampler (`sampler.kind`, each with the network study's numbers asked as ordered integers,
the default, and as categorical choices, as studies created before asked them) runs K networks
from each seed; the runs go round-robin (seed by seed), so machine drift touches them alike.
The hypervolume (normalised as `codesign.engine.pareto` says, the same scales for every run)
is printed per seed, with the median, and the median over seeds of the wall time per network.

    python benchmarks/samplers.py [--space search_spaces/fmnist.yaml] [--networks 20]
        [--seeds 0 1 2] [--samplers nsga2 tpe random] [--encodings ordinal categorical]
        [--widths 64 128 256 512 1024 | space] [--hardware small | space]
        [--lengths 1 4 16 64]

By default the space's network rows are searched with five widths per layer (25 x 13 = 325
networks with fmnist.yaml's input rows, where order can matter) and a small hardware space
(`SMALL_HARDWARE`, N in --lengths): the samplers choose networks, and costing a thousand
configurations per network would only slow every run alike.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# the samplers choose networks; a few hardware configurations per network keep the costing and
# the recording (the same for every sampler) short: `--hardware space` keeps the space's own
SMALL_HARDWARE = {"organisations": ["shared_tiles", "neuron_parallel"], "tiles": [1, 16],
                  "array_rows": [128], "parallel_rows": [1], "first_layer_folds": [1],
                  "first_layer_dataflows": ["reread", "row_latched"],
                  "popcount_circuits": ["compressor_tree"], "mram_cells": ["2t2mtj"],
                  "read_voltages_mv": [70], "ecc": ["none"], "refresh_periods_s": [0]}
WIDTHS = [64, 128, 256, 512, 1024]  # `--widths space` keeps the space's


def surrogate_accuracy(config: dict[str, Any], n: int, ber: float) -> float:
    """The surrogate of a trained network's accuracy at length `n` and bit-error rate `ber`
    (see the module doc); `config` is the training's TrainConfig as JSON."""
    widths = config["model"]["hidden"]
    g = math.exp(sum(math.log(w) for w in widths) / len(widths))
    accuracy = 0.80 + 0.10 * (1.0 - math.exp(-g / 300.0))
    entry = config["input"]
    if entry["mode"] == "sc":
        c = {"ideal": 0.25, "lfsr": 0.22, "sobol": 0.12}[entry["sng"]["kind"]]
        adapted = entry["training"] == "adapted"
        c *= (0.5 if adapted else 1.0) * (0.7 if entry["merge_point"] == "output" else 1.0)
        accuracy -= c / math.sqrt(n)
        if adapted and entry["merge_point"] == "first_layer":
            accuracy -= 0.01 * abs(math.log2(n / entry["length"]))
    return max(0.1, accuracy - 2.0 * ber)


class SurrogateExecutor:
    """Trains nothing: each network's accuracies are `surrogate_accuracy` at every N and
    bit-error rate the search asks for (the same fields a training returns)."""

    capacity = 1

    def __init__(self, lengths: list[int]):
        self.lengths, self.pending = lengths, []

    def submit(self, key, job):
        self.pending.append((key, job["train_config"]))

    def wait(self, timeout_s):
        from codesign.engine.execution import Finished
        from codesign.problem.compose import ber_key

        if not self.pending:
            return []
        key, config = self.pending.pop(0)
        bers = (config.get("weight_errors") or {}).get("eval_bers") or []
        clean = {str(n): surrogate_accuracy(config, n, 0.0) for n in self.lengths}
        by_ber = {ber_key(ber): {str(n): surrogate_accuracy(config, n, ber)
                                 for n in self.lengths} for ber in bers}
        return [Finished(key, {
            "val_accuracy": clean, "test_accuracy": clean,
            "val_accuracy_by_ber": by_ber, "test_accuracy_by_ber": by_ber,
            "val_accuracy_percentile_by_ber": by_ber, "test_accuracy_percentile_by_ber": by_ber,
            "checkpoint": f"surrogate-{key}.ckpt", "train_time_s": 0.0, "epochs_run": 1,
            "device": "surrogate", "host": "surrogate", "pid": 0, "node_id": None,
            "gpu_ids": []}, None)]

    def cancel(self):
        self.pending.clear()

    def shutdown(self):
        pass


def space_for(document: dict, folder: Path, kind: str, encoding: str, seed: int,
              networks: int):
    """The benchmark's search: the space's, with this sampler, K networks and no wall time."""
    from codesign.problem.space import SearchSpace

    name = f"{kind}-{encoding}-{seed}"
    return SearchSpace.model_validate({
        **document, "name": name, "output_dir": str(folder / "runs"),
        "storage": f"sqlite:///{folder / (name + '.db')}",
        "sampler": {**document.get("sampler", {}), "kind": kind, "seed": seed},
        "budget": {**document.get("budget", {}), "trials": networks, "wall_time_s": None,
                   "early_stopping": {"enabled": False}},
        "execution": {"mode": "local"}})


def one_search(space, scales: dict[str, float], encoding: str) -> tuple[float, float, int]:
    """(hypervolume, seconds per network, networks trained) of one search: fewer networks
    than asked where the sampler kept proposing trained ones (the search stops then)."""
    import codesign.engine.search as search_module

    lengths = sorted({1, *space.input.bitstream_lengths})
    search_module.make_executor = lambda execution, address, on_event: SurrogateExecutor(
        lengths)
    search_module.cost_scales = lambda problem, technology: scales  # the space's, once
    ordinal = search_module.network_encoding
    if encoding == "categorical":  # as a study created before `Ordinal` is asked
        search_module.network_encoding = lambda storage, study: False
    try:
        started = time.perf_counter()
        summary = search_module.run_search(space)
        seconds = (time.perf_counter() - started) / space.budget.trials
    finally:
        search_module.network_encoding = ordinal
    return summary.hypervolume, seconds, summary.networks_trained


def space_scales(space) -> dict[str, float]:
    """Every cost's largest value over the space (`cost_scales`): the hypervolume's scales,
    the same for every run, computed once (a search computes them when it opens)."""
    from codesign.engine.pareto import cost_scales
    from codesign.problem.compiled import compile_problem

    problem = compile_problem(space)
    return cost_scales(problem, problem.cost_technology())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--space", type=Path, default=ROOT / "search_spaces" / "fmnist.yaml")
    parser.add_argument("--networks", type=int, default=20)
    parser.add_argument("--widths", nargs="+", default=[str(w) for w in WIDTHS],
                        help="the hidden widths' choices, or `space`")
    parser.add_argument("--hardware", choices=["small", "space"], default="small")
    parser.add_argument("--lengths", type=int, nargs="+", default=[1, 4, 16, 64],
                        help="bitstream lengths N (every SC network is evaluated at each)")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    # gp is left out by default: on the conditional network study it keeps proposing one
    # trained network, slowly, until the search stops (docs/search.md, choosing a sampler)
    parser.add_argument("--samplers", nargs="+", default=["nsga2", "tpe", "random"])
    parser.add_argument("--encodings", nargs="+", default=["ordinal", "categorical"],
                        choices=["ordinal", "categorical"])
    args = parser.parse_args()

    from codesign.engine.quiet import quiet_libraries
    from codesign.problem.config_io import read_yaml

    quiet_libraries()
    document = read_yaml(args.space)
    document.pop("initial_networks", None)  # every sampler starts from its own proposals
    if args.widths != ["space"]:
        document["model"] = {**document["model"], "widths": [int(w) for w in args.widths]}
    if args.hardware == "small":
        document["hardware"] = {**document.get("hardware", {}), **SMALL_HARDWARE}
        document["input"] = {**document.get("input", {}), "bitstream_lengths": args.lengths}
    scales = space_scales(space_for(document, Path("."), "random", "ordinal", 0, 1))
    candidates = [(kind, encoding) for kind in args.samplers for encoding in args.encodings]
    volumes: dict[tuple[str, str], list[float]] = {c: [] for c in candidates}
    seconds: dict[tuple[str, str], list[float]] = {c: [] for c in candidates}
    trained: dict[tuple[str, str], list[int]] = {c: [] for c in candidates}
    # the studies in a memory-backed folder where there is one: SQLite's commits (the same
    # for every sampler) dominated a run in a folder on disk
    memory = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=memory if memory.is_dir() else None) as scratch:
        for seed in args.seeds:  # round-robin: every candidate once per seed
            for kind, encoding in candidates:
                space = space_for(document, Path(scratch), kind, encoding, seed,
                                  args.networks)
                volume, per_network, networks = one_search(space, scales, encoding)
                volumes[(kind, encoding)].append(volume)
                seconds[(kind, encoding)].append(per_network)
                trained[(kind, encoding)].append(networks)
                print(f"seed {seed} {kind} {encoding}: hypervolume {volume:.4f}, "
                      f"{networks} networks, {per_network:.2f} s/network", file=sys.stderr,
                      flush=True)
    widths = document["model"].get("widths")
    print(f"{args.space.name} (widths {widths}): hypervolume after {args.networks} networks "
          f"(surrogate accuracy, see the script), seeds {' '.join(map(str, args.seeds))}")
    print(f"{'sampler':<8} {'numbers':<12} {'median':>7}  {'per seed':<26} {'s/network':>9}"
          "  networks")
    for kind, encoding in candidates:
        runs = volumes[(kind, encoding)]
        print(f"{kind:<8} {encoding:<12} {statistics.median(runs):7.4f}  "
              f"{' '.join(f'{v:.4f}' for v in runs):<26} "
              f"{statistics.median(seconds[(kind, encoding)]):9.2f}  "
              f"{' '.join(map(str, trained[(kind, encoding)]))}")


if __name__ == "__main__":
    main()
