"""The work after training, full evaluation against the lazy one, side by side on one short
search (same space, same seed, fresh studies, run alternately).

* full: every trained network tested at every N and evaluated bit-error rate of its design
  points, on validation and test (the search before issue 23 item 3);
* lazy: the driver sends each (N, rate) pair's accuracy to beat and the worker measures only
  where a design point could enter the front (`trainer.evaluation_plan`).

Both record `budget.record: search_front`, so only the evaluation differs. The space is the
main job's cut short: `--networks` networks (its initial ones first), `--epochs`, a class-
balanced `--subset` of train and validation (the test set is never cut), no wall time, and
early stopping off unless `--early-stopping` (a stopped network is not tested either way).

    python benchmarks/lazy_evaluation.py [--space search_spaces/fmnist.yaml] [--networks 3]
        [--epochs 2] [--subset 0.1] [--rounds 1] [--early-stopping]

Prints, by arm and round: seconds training, testing, recording, the search's wall time, the
after-training share of it and the evaluate/train ratio; the pairs measured and skipped; the
fronts' hypervolumes (equal: the lazy search loses no front point); last lines the medians'
ratios `testing_ratio` (lazy / full) and `after_training_share` of each arm.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import codesign.engine.search as search_module
from codesign.engine.fidelity import evaluation_job
from codesign.engine.quiet import quiet_libraries
from codesign.engine.search import run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import load_network_study
from codesign.problem.config_io import read_yaml
from codesign.problem.space import SearchSpace


def short_space(document: dict, folder: Path, arm: str, round_: int,
                args: argparse.Namespace) -> SearchSpace:
    budget = {**(document.get("budget") or {}), "trials": args.networks, "epochs": args.epochs,
              "subset": args.subset, "wall_time_s": None, "record": "search_front"}
    budget["early_stopping"] = {**budget.get("early_stopping", {}),
                                "enabled": args.early_stopping}
    name = f"{document['name']}-{arm}-{round_}"
    return SearchSpace.model_validate({**document, "name": name, "budget": budget,
                                       "output_dir": str(folder),
                                       "storage": f"sqlite:///{folder / name}.db"})


def run(space: SearchSpace, lazy: bool) -> dict[str, float]:
    """One search; its time breakdown, wall time, pairs counts and hypervolume."""
    search_module.evaluation_job = evaluation_job if lazy else (lambda *args: None)
    started = time.perf_counter()
    summary = run_search(space)
    wall_s = time.perf_counter() - started
    networks = load_network_study(open_storage(space.storage_url), space.name)
    counts: dict[str, int] = {}
    for trial in networks.trials:
        for key, value in (trial.user_attrs.get("evaluated") or {}).items():
            counts[key] = counts.get(key, 0) + value
    times = summary.time_s
    return {**times, "run_wall": wall_s, "hypervolume": summary.hypervolume,
            "networks": summary.networks_trained, **counts}


def _pairs(row: dict[str, float], split: str) -> str:
    """Pairs measured / pairs in the plans, over the networks ("all" without plans)."""
    measured = row.get(f"{split}_pairs_measured")
    if measured is None:
        return "all"
    return f"{int(measured)}/{int(measured + row[f'{split}_pairs_skipped'])}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="search_spaces/fmnist.yaml")
    parser.add_argument("--networks", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--subset", type=float, default=0.1)
    parser.add_argument("--rounds", type=int, default=1, help="full then lazy, this many times")
    parser.add_argument("--early-stopping", action="store_true")
    args = parser.parse_args()
    quiet_libraries()
    document = read_yaml(args.space)
    results: dict[str, list[dict[str, float]]] = {"full": [], "lazy": []}
    with tempfile.TemporaryDirectory() as folder:
        for round_ in range(args.rounds):
            for arm in ("full", "lazy"):  # alternately: drift hits both alike
                space = short_space(document, Path(folder), arm, round_, args)
                results[arm].append(run(space, lazy=arm == "lazy"))
    print(f"{args.space}: {args.networks} networks, {args.epochs} epochs, subset "
          f"{args.subset:g}, early stopping {'on' if args.early_stopping else 'off'}")
    print(f"{'arm':>4} {'round':>5} {'train':>7} {'test':>7} {'record':>7} {'wall':>7} "
          f"{'after':>6} {'test/train':>10} {'val pairs':>13} {'test pairs':>13} {'HV':>7}")
    for arm, rows in results.items():
        for round_, row in enumerate(rows):
            pairs = {split: _pairs(row, split) for split in ("val", "test")}
            print(f"{arm:>4} {round_:>5} {row['training']:>6.1f}s {row['testing']:>6.1f}s "
                  f"{row['recording']:>6.1f}s {row['wall']:>6.1f}s "
                  f"{row['after_training_share']:>6.1%} "
                  f"{row['testing'] / row['training']:>10.2f} {pairs['val']:>13} "
                  f"{pairs['test']:>13} {row['hypervolume']:>7.4f}")

    def median(arm: str, key: str) -> float:
        return statistics.median(row[key] for row in results[arm])

    print(f"testing_ratio: {median('lazy', 'testing') / median('full', 'testing'):.3f}")
    for arm in results:
        print(f"{arm}_evaluate_train_ratio: "
              f"{median(arm, 'testing') / median(arm, 'training'):.3f}")
        print(f"{arm}_after_training_share: {median(arm, 'after_training_share'):.3f}")


if __name__ == "__main__":
    main()
