"""How long the review commands take on a study of about 1,000 recorded design points.

A study is built without training: the search of search_spaces/fmnist.yaml (or --space) runs
for real (its sampler, its costing of every design point, its recording) with the trainings
stubbed as the tests stub them (`tests.codesign.stubs.StubExecutor`: an accuracy from the
trial number). Or an existing study is read (`--storage URL --study NAME`: the commands only
read it, the plots go to a temporary folder; with `--index`, a copy of an SQLite study is
indexed first, as the search now indexes what it records: `codesign.engine.design_index`).

Then `status`, `pareto` (the table and its files; `pareto-csv`: the front's rows alone),
`export` and `evaluate` run as a user runs
them, each in a fresh process (imports included), round-robin, and their medians are printed
side by side. `evaluate` runs on the exported knee design: with untrained weights of its
network's shape on a small stand-in of the data for a built study, with the study's own
checkpoint and data for an existing one (not timed where that checkpoint is gone). With
`--against REV` the same commands of commit REV (checked out in a temporary git worktree) run
interleaved with these, and the paired ratios are printed.

    python benchmarks/review_commands.py [--space search_spaces/fmnist.yaml] [--networks 3]
        [--rounds 3] [--keep FOLDER] [--storage URL --study NAME [--index]] [--against REV]

With --keep, the study is built in FOLDER once and reused by later runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' stubs and synthetic data

from benchmarks._timing import interleaved  # noqa: E402


def build_study(space_path: Path, folder: Path, networks: int) -> dict:
    """A finished search of `networks` networks whose trainings are stubbed; returns its
    name, storage, space file and counts."""
    import codesign.engine.search as search_module
    from codesign.engine.quiet import quiet_libraries
    from codesign.engine.search import run_search
    from codesign.problem.config_io import read_yaml
    from tests.codesign.stubs import stub_trainings
    from tests.synthetic import write_fashion_mnist_like

    quiet_libraries()
    document = read_yaml(space_path)
    data = write_fashion_mnist_like(folder / "data", train=200, test=100)
    document.update(name="review", output_dir=str(folder / "runs"),
                    storage=f"sqlite:///{folder / 'review.db'}")
    document["data"] = {**document.get("data", {}), "root": str(data), "download": False,
                        "batch_size": 50}
    document["budget"] = {**document.get("budget", {}), "trials": networks, "epochs": 1,
                          "wall_time_s": None}
    document["execution"] = {"mode": "local", "workers": 1, "accelerator": "cpu"}
    space_file = folder / "space.yaml"
    space_file.write_text(yaml.safe_dump(document))
    from codesign.commands.search import load_problem

    problem = load_problem(space_file)

    class Patch:  # stub_trainings wants pytest's monkeypatch; this is all it uses
        @staticmethod
        def setattr(target, name, value):
            setattr(target, name, value)

    from codesign.problem.space import SearchSpace

    stub_trainings(Patch, SearchSpace.model_validate(document))
    summary = run_search(problem)
    del search_module  # only patched
    return {"name": "review", "storage": document["storage"], "space": space_file,
            "design_points": summary.design_points, "networks": summary.networks_trained}


def reuse_study(folder: Path) -> dict:
    """The study a previous run built in `--keep FOLDER`."""
    import optuna

    from codesign.engine.quiet import quiet_libraries

    quiet_libraries()
    storage = f"sqlite:///{folder / 'review.db'}"
    trials = optuna.load_study(study_name="review", storage=storage).get_trials(deepcopy=False)
    return {"name": "review", "storage": storage, "space": folder / "space.yaml",
            "design_points": len(trials),
            "networks": len({t.user_attrs["network_trial"] for t in trials})}


def cli(folder: Path, *arguments: str, code: Path = ROOT) -> None:
    """One command as a user runs it (the codesign of `code`): a fresh interpreter, output to
    a pipe."""
    env = {**os.environ, "PYTHONPATH": str(code), "COLUMNS": "80"}
    done = subprocess.run([sys.executable, "-m", "codesign", *arguments], cwd=folder,
                          capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(arguments)} failed:\n{done.stderr}")


def weights_for(folder: Path, study: dict) -> Path:
    """Weights for every network (untrained, of the network's shape: the stubs name them
    `ck<trial>.ckpt`, as tests/codesign/test_safety.py does), and the knee design exported
    with them."""
    import torch

    from codesign.engine.storage import open_storage
    from codesign.engine.study import load_network_study
    from trainer.module import SCBNNModule

    networks = load_network_study(open_storage(study["storage"]), study["name"])
    for trial in networks.get_trials(deepcopy=False):
        if "train_config" in trial.user_attrs:
            module = SCBNNModule(trial.user_attrs["train_config"], (1, 28, 28), 10)
            torch.save({"state_dict": module.state_dict(),
                        "hyper_parameters": dict(module.hparams)},
                       folder / f"ck{trial.number}.ckpt")
    design = folder / "knee.yaml"
    cli(folder, "export", "--study", study["name"], "--storage", study["storage"], "--pick",
        "knee", "-o", str(design))
    return design


def existing_study(folder: Path, storage: str, name: str, index: bool) -> dict:
    """A study a search wrote (read only), and its knee design exported beside `folder`
    (None where the checkpoint it names is gone: `evaluate` is then not timed). `index`: an
    SQLite study is copied into `folder` and its copy indexed (`codesign.engine.design_index`)
    as the search indexes what it records now."""
    import shutil

    import optuna

    from codesign.engine.design_index import index_study
    from codesign.engine.quiet import quiet_libraries
    from codesign.engine.storage import SQLITE_PREFIX, open_storage

    quiet_libraries()
    if index:
        if not storage.startswith(SQLITE_PREFIX):
            raise SystemExit("--index: an SQLite storage (sqlite:///PATH), to copy")
        copy = folder / "indexed.db"
        shutil.copyfile(storage[len(SQLITE_PREFIX):], copy)
        storage = f"{SQLITE_PREFIX}{copy}"
        index_study(open_storage(storage), optuna.load_study(study_name=name, storage=storage))
    trials = optuna.load_study(study_name=name, storage=storage).get_trials(deepcopy=False)
    study = {"name": name, "storage": storage, "design_points": len(trials),
             "networks": len({t.user_attrs.get("network_trial") for t in trials})}
    design = folder / "knee.yaml"
    cli(folder, "export", "--study", name, "--storage", storage, "--pick", "knee", "-o",
        str(design))
    return {**study, "design": design if design.with_suffix(".ckpt").is_file() else None}


@contextmanager
def checkout(revision: str | None):
    """The repository at `revision` in a temporary git worktree (None: nothing)."""
    if revision is None:
        yield None
        return
    with tempfile.TemporaryDirectory() as temporary:
        tree = Path(temporary) / "tree"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree),
                        revision], check=True, capture_output=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force",
                            str(tree)], check=False, capture_output=True)


def commands(folder: Path, study: dict, design: Path | None, code: Path
             ) -> dict[str, Callable[[], None]]:
    """The review commands on `study`, run with the codesign of `code`."""
    common = ("--study", study["name"], "--storage", study["storage"])
    found = {
        "status": lambda: cli(folder, "status", *common, code=code),
        "pareto": lambda: cli(folder, "pareto", *common, "--out", str(folder / "plots"),
                              code=code),
        "pareto-csv": lambda: cli(folder, "pareto", *common, "--format", "csv", code=code),
        "export": lambda: cli(folder, "export", *common, "--pick", "knee", "-o",
                              str(folder / "again.yaml"), code=code),
    }
    if design is not None:
        found["evaluate"] = lambda: cli(folder, "evaluate", str(design), code=code)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--space", type=Path, default=ROOT / "search_spaces" / "fmnist.yaml")
    parser.add_argument("--networks", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the study in this folder and keep it")
    parser.add_argument("--storage", help="an existing study's storage URL (with --study)")
    parser.add_argument("--study", help="an existing study's name (with --storage)")
    parser.add_argument("--index", action="store_true",
                        help="with --storage (SQLite): time a copy of the study, indexed as a "
                             "search now indexes what it records")
    parser.add_argument("--against", metavar="REV",
                        help="also time the commands of this git revision, interleaved")
    args = parser.parse_args()
    if (args.storage is None) != (args.study is None):
        parser.error("--storage and --study go together")
    with tempfile.TemporaryDirectory() as temporary, checkout(args.against) as old:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        started = time.perf_counter()
        if args.storage:
            study = existing_study(folder, args.storage, args.study, args.index)
            design = study["design"]
        else:
            study = (reuse_study(folder) if (folder / "review.db").exists()
                     else build_study(args.space.resolve(), folder, args.networks))
            design = weights_for(folder, study)
        print(f"study: {study['networks']} networks, {study['design_points']} design points "
              f"recorded, ready in {time.perf_counter() - started:.0f} s"
              + ("" if design else "; its checkpoint is gone: evaluate not timed"))
        candidates = commands(folder, study, design, ROOT)
        if old is not None:
            candidates.update({f"{name}@old": run for name, run
                               in commands(folder, study, design, old).items()})
        samples = interleaved(candidates, rounds=args.rounds, warmup=0)
        report(samples, args.rounds, args.against)


def report(samples, rounds: int, against: str | None) -> None:
    """Each command's median (and min, max); beside it the old revision's and the paired
    ratio old / new, where there is one."""
    heading = f"{'command':<10}{'median s':>10}{'min s':>8}{'max s':>8}"
    if against:
        heading += f"{'old s':>8}{'old/new':>9}"
    print(heading + f"   ({rounds} rounds, each a fresh process)")
    for name, seconds in samples.seconds.items():
        if name.endswith("@old"):
            continue
        line = (f"{name:<10}{statistics.median(seconds):>10.2f}{min(seconds):>8.2f}"
                f"{max(seconds):>8.2f}")
        if against:
            ratios = samples.ratios(f"{name}@old", name)
            line += (f"{samples.median(name + '@old'):>8.2f}"
                     f"{statistics.median(ratios):>8.1f}x")
        print(line)
    if against:
        print(f"old: {against}; old/new: the median of the ratios within each round")


if __name__ == "__main__":
    main()
