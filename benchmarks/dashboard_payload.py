"""What optuna-dashboard downloads to open a search's study page, on a synthetic study of about
1,000 design points recorded as the search records them.

Networks of search_spaces/fmnist.yaml (or --space) are costed as the search costs them, with
accuracies at each N from the measured means of docs/reproduction.md (the conventional
accuracy for fixed-point networks; at a bit-error rate, that less the rate, so the numbers are
plausible but not measured); each network's kept design points are recorded with
`codesign.engine.study.design_trials` into a fresh SQLite study opened by `open_studies`, and each
training run is annotated (`annotate_training_run`: notes, and the Pareto figure where the
code attaches one) until --trials design points are recorded. The storage is Optuna's
in-memory one (--sqlite: a SQLite file, as a search uses; far slower to fill, the same page
byte for byte). Then the study page's JSON
(`GET /api/studies/<id>`, through optuna-dashboard's own WSGI app, in process) is fetched and
its size is broken down by what fills it.

    python benchmarks/dashboard_payload.py [--space search_spaces/fmnist.yaml] [--trials 1000]

Run it with PYTHONPATH at another checkout to measure that checkout's recording (the
script uses only functions both have).
"""

from __future__ import annotations

import argparse
import io
import json
import tempfile
import time
from pathlib import Path
from wsgiref.util import setup_testing_defaults

import optuna

from codesign.engine.dashboard_view import annotate_training_run
from codesign.engine.quiet import quiet_libraries
from codesign.engine.storage import open_storage
from codesign.engine.study import design_trials, network_front, open_studies
from codesign.problem.compiled import compile_problem
from codesign.problem.compose import ber_key
from codesign.problem.config_io import load_spec
from codesign.problem.paper_check import load_accuracy
from codesign.problem.space import SearchSpace
from hwmodel import load_technology
from trainer.config import SNGKind


def outcome_for(network, lengths, accuracy, rates) -> dict:
    """A trained network's accuracies as the runner reports them: measured means by N, and
    at each bit-error rate that less the rate (not measured: a payload needs numbers)."""
    if network.is_sc:
        by_n = accuracy.sc[SNGKind(network["sng_kind"])]
        clean = {str(n): by_n.get(n, max(by_n.values())) for n in lengths}
    else:
        clean = {str(n): accuracy.conventional for n in {1, *lengths}}
    by_ber = {ber_key(r): {n: max(0.0, a - r) for n, a in clean.items()} for r in rates}
    return {"val_accuracy": clean, "test_accuracy": clean, "val_accuracy_by_ber": by_ber,
            "test_accuracy_by_ber": by_ber, "val_accuracy_percentile_by_ber": by_ber,
            "test_accuracy_percentile_by_ber": by_ber, "accuracy_percentile": 10.0,
            "checkpoint": "none.ckpt"}


def record(problem, space, storage, target: int) -> int:
    """Networks recorded as the search records them, until `target` design points."""
    designs, networks = open_studies(problem, storage)
    technology, accuracy = load_technology(problem.technology), load_accuracy()
    lengths = sorted({1, *space.input.bitstream_lengths})
    every = problem.design_space.networks()
    step = max(1, len(every) // 40)
    recorded = 0
    for network in every[::step]:
        points = problem.hardware_points(network, technology)
        rates = {p.evaluated_error_rate for p in points} - {0.0}
        outcome = outcome_for(network, lengths, accuracy, rates)
        trial = networks.ask()
        for name, value in network.params.items():
            trial.set_user_attr(name, value)
        kept = network_front(problem, points, outcome)
        designs.add_trials(design_trials(problem, network, kept, outcome, trial.number,
                                         started=trial.datetime_start))
        networks.tell(trial, values=problem.values(kept[0], 0.5))
        annotate_training_run(storage, problem, designs, trial)
        recorded += len(kept)
        if recorded >= target:
            break
    return recorded


def study_page(storage, name: str) -> tuple[bytes, float]:
    """GET /api/studies/<id> as the dashboard's page does: the body and the seconds taken."""
    from optuna_dashboard import wsgi

    study_id = storage.get_study_id_from_name(name)
    environ: dict = {"PATH_INFO": f"/api/studies/{study_id}", "REQUEST_METHOD": "GET",
                     "wsgi.input": io.BytesIO()}
    setup_testing_defaults(environ)
    app = wsgi(storage)
    started = time.perf_counter()
    body = b"".join(app(environ, lambda status, headers, exc_info=None: None))
    return body, time.perf_counter() - started


def breakdown(detail: dict) -> dict[str, int]:
    """Bytes of the page's JSON by what fills them."""

    def size(value) -> int:
        return len(json.dumps(value))

    trials = detail["trials"]
    return {
        "trials": size(trials),
        "  user_attrs": sum(size(t["user_attrs"]) for t in trials),
        "  notes": sum(size(t["note"]) for t in trials),
        "  params": sum(size(t["params"]) for t in trials),
        "best_trials": size(detail["best_trials"]),
        "plotly_graph_objects": size(detail.get("plotly_graph_objects", [])),
        "study note": size(detail.get("note")),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", type=Path, default=Path("search_spaces/fmnist.yaml"))
    parser.add_argument("--trials", type=int, default=1000, help="design points to record")
    parser.add_argument("--sqlite", action="store_true", help="record into a SQLite file")
    args = parser.parse_args()
    quiet_libraries()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = load_spec(SearchSpace, args.space)
    problem = compile_problem(space)
    with tempfile.TemporaryDirectory() as folder:
        storage = (open_storage(f"sqlite:///{Path(folder) / 'study.db'}") if args.sqlite
                   else optuna.storages.InMemoryStorage())
        started = time.perf_counter()
        recorded = record(problem, space, storage, args.trials)
        recording_s = time.perf_counter() - started
        body, seconds = study_page(storage, problem.name)
    detail = json.loads(body)
    print(f"{args.space}: {recorded} design points recorded in {recording_s:.1f} s")
    print(f"study page (GET /api/studies/<id>): {len(body) / 1e6:.2f} MB, "
          f"{len(body) / recorded:,.0f} bytes per design point, served in {seconds:.2f} s")
    for part, size in breakdown(detail).items():
        print(f"  {part:<22} {size / 1e6:7.3f} MB")
    print(f"objective names: {detail.get('objective_names')}")
    print(f"figures attached: {[g['id'] for g in detail.get('plotly_graph_objects', [])]}")


if __name__ == "__main__":
    main()
