"""`pareto`: the feasible Pareto front as a table (or CSV, JSON), a PNG, an interactive HTML
plot, and the hypervolume history."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from codesign import present
from codesign.commands.common import (
    add_format_argument,
    add_study_arguments,
    open_study,
    positive_int,
)
from codesign.config_io import check_writable
from codesign.errors import UserError
from codesign.quiet import quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("pareto", help="print and plot a study's Pareto front")
    add_study_arguments(parser)
    parser.add_argument("--out", type=Path,
                        help="folder for the plots (default runs/STUDY/; with --format csv or "
                             "json, plots only where --out says)")
    parser.add_argument("--top", type=positive_int, help="rows of the table (default: all)")
    add_format_argument(parser, "the front's rows; json adds the hypervolume")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    quiet_libraries()
    from codesign.paper_check import load_accuracy, reference_designs
    from codesign.pareto import (
        cost_scales,
        feasible_trials,
        hypervolume_history,
        knee_point,
        pareto_front,
    )
    from codesign.plots import hypervolume_png, pareto_html, pareto_png
    from hwmodel import load_technology

    check_writable(args.out, "--out", folder=True)
    study, problem, _ = open_study(args)
    out = args.out or (Path("runs") / problem.name if args.format == "table" else None)
    check_writable(out, "--out", folder=True)  # the default folder too, before any work
    front = pareto_front(study)
    technology = load_technology(problem.technology)
    measured = load_accuracy()  # the paper's designs, beside a search on the paper's dataset
    references = (reference_designs(technology, measured)
                  if measured.dataset == problem.recipe.data.dataset else [])
    scales = cost_scales(problem, technology)
    objectives = problem.goals.searched
    history = hypervolume_history(study, objectives, scales)
    hypervolume = history[-1][1] if history else 0.0
    if args.format == "csv":
        present.print_csv(present.front_records(front, problem))
    elif args.format == "json":
        present.print_json({"study": problem.name, "hypervolume": hypervolume,
                            "front": present.front_records(front, problem)})
    if out is None:
        return 0
    try:
        files = [
            pareto_png(feasible_trials(study), front, problem, f"{problem.name}: designs",
                       out / "pareto.png", knee_point(front, objectives) if front else None,
                       references),
            pareto_html(study, problem, out / "pareto.html"),
            hypervolume_png(history, f"{problem.name}: hypervolume", out / "hypervolume.png"),
        ]
        (out / "hypervolume.json").write_text(json.dumps(
            {"training_runs": [n for n, _ in history], "hypervolume": [h for _, h in history],
             "normalisation": scales}, indent=2))
    except OSError as exc:
        raise UserError(f"--out {out}: cannot write ({exc.strerror or exc})") from None
    files.append(out / "hypervolume.json")
    if args.format == "table":
        present.show(present.console(), present.pareto_report(problem, front, args.top,
                                                              history, files))
    else:  # stdout holds the data: where the plots went is for the person, on stderr
        present.show(present.console(stderr=True), [present.wrote(files)])
    return 0
