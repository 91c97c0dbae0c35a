"""`pareto`: the feasible Pareto front as a table (or CSV, JSON), a PNG, an interactive HTML
plot, and the hypervolume history."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import TYPE_CHECKING

from codesign.commands.common import (
    add_format_argument,
    add_study_arguments,
    open_study,
    positive_int,
    storage_url,
)
from codesign.engine.quiet import quiet_libraries
from codesign.outputs import OutputBatch, check_writable
from codesign.problem.space import DEFAULT_RUNS_DIR
from codesign.screen import present

if TYPE_CHECKING:
    from codesign.problem.compiled import Problem


# a front of a 4-objective search holds hundreds of design points: a table a person reads
# shows the trade-off spread along it (the whole front is the CSV's)
PARETO_ROWS = 30


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("pareto", help="print and plot a study's Pareto front")
    add_study_arguments(parser)
    parser.add_argument("--out", type=Path,
                        help="folder for the plots (default: the study's folder, "
                             "OUTPUT_DIR/STUDY/, where its search wrote, else runs/STUDY/; "
                             "with --format csv or json, plots only where --out says)")
    parser.add_argument("--top", type=positive_int, default=PARETO_ROWS,
                        help=f"rows of the table, spread along the front (default "
                             f"{PARETO_ROWS}; --format csv lists every design point)")
    parser.add_argument("--html", action="store_true",
                        help="also write pareto.html, Optuna's interactive plot of every design "
                             "point (several MB on a large study)")
    add_format_argument(parser, "the front's rows; json adds the hypervolume")
    parser.set_defaults(handler=run)


def _default_folder(problem: Problem, args: argparse.Namespace) -> Path:
    """The study's own folder, OUTPUT_DIR/STUDY/ (its search marked it: the design tables lie
    there), else runs/STUDY/ if that is free or this study's (not another study's of the same
    name: see `codesign.engine.study_folder`)."""
    from codesign.engine.study_folder import (
        check_study_folder,
        is_study_folder_of,
        study_folder,
    )

    url = storage_url(args)
    if is_study_folder_of(problem.output_dir, problem.name, url):
        return study_folder(problem.output_dir, problem.name)
    return check_study_folder(Path(DEFAULT_RUNS_DIR), problem.name, url)


def run(args: argparse.Namespace) -> int:
    quiet_libraries()
    from codesign.engine.design_index import read_design_trials
    from codesign.engine.front_bands import front_bands
    from codesign.engine.pareto import (
        feasible_trials,
        hypervolume_history,
        knee_point,
        pareto_front,
        study_cost_scales,
    )
    from codesign.problem.paper_check import load_accuracy, reference_designs

    check_writable(args.out, "--out", folder=True)
    study, problem, storage = open_study(args)
    out = args.out or (_default_folder(problem, args) if args.format == "table" else None)
    check_writable(out, "--out", folder=True)  # the default folder too, before any work
    feasible = feasible_trials(study, read_design_trials(storage, study))  # read once
    front = pareto_front(study, feasible)
    technology = problem.cost_technology()  # the references at the search's cost corner
    scales = study_cost_scales(study, problem, technology)
    objectives = problem.goals.searched
    history = hypervolume_history(study, objectives, scales, feasible)
    hypervolume = history[-1][1] if history else 0.0
    if args.format == "csv":
        present.print_csv(present.front_records(front, problem))
    elif args.format == "json":
        present.print_json({"study": problem.name, "hypervolume": hypervolume,
                            "front": present.front_records(front, problem)})
    if out is None:  # the rows alone: no figures, not even matplotlib's import
        return 0
    from codesign.screen.plots import hypervolume_png, pareto_html, pareto_png

    measured = load_accuracy()  # the paper's designs, beside a search on the paper's dataset
    references = (reference_designs(technology, measured)
                  if measured.dataset == problem.recipe.data.dataset else [])
    bands = front_bands(front, problem)  # error bars
    with OutputBatch(out) as batch:  # the files, or none (a full disk, say)
        with batch.file(out / "pareto.png") as temporary:
            pareto_png(feasible, front, problem, f"{problem.name}: designs",
                       temporary, knee_point(front, objectives) if front else None, references,
                       bands)
        if args.html:
            with batch.file(out / "pareto.html") as temporary:
                pareto_html(study, problem, temporary)
        with batch.file(out / "hypervolume.png") as temporary:
            hypervolume_png(history, f"{problem.name}: hypervolume", temporary)
        with batch.file(out / "hypervolume.json") as temporary:
            temporary.write_text(json.dumps(
                {"training_runs": [n for n, _ in history],
                 "hypervolume": [h for _, h in history], "normalisation": scales}, indent=2))
        files = batch.commit()
    if not args.out:  # the default folder is the study's: mark it so
        from codesign.engine.study_folder import claim_study_folder

        claim_study_folder(out.parent, problem.name, storage_url(args))
    if args.format == "table":
        console = present.console()
        present.show(console, present.pareto_report(problem, front, args.top, history, files,
                                                    console.width))
    else:  # stdout holds the data: where the plots went is for the person, on stderr
        present.show(present.console(stderr=True), [present.wrote(files)])
    return 0
