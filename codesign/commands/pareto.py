"""`pareto`: the feasible Pareto front as a table, a PNG, an interactive HTML plot, and the
hypervolume history."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from codesign import present
from codesign.commands.common import add_study_arguments, open_study
from codesign.quiet import quiet_libraries


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("pareto", help="print and plot a study's Pareto front")
    add_study_arguments(parser)
    parser.add_argument("--out", type=Path, help="folder for the plots (default runs/STUDY/)")
    parser.add_argument("--top", type=int, help="rows of the table (default: all)")
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

    study, space, _ = open_study(args)
    out = args.out or Path("runs") / space.name
    front = pareto_front(study)
    console = present.console()
    console.print(present.front_table(front, space,
                                      f"{space.name}: Pareto front ({len(front)} designs)",
                                      limit=args.top))
    technology = load_technology(space.hardware.technology)
    measured = load_accuracy()  # the paper's designs, beside a search on the paper's dataset
    references = (reference_designs(technology, measured)
                  if measured.dataset == space.data.dataset else [])
    scales = cost_scales(space, technology)
    history = hypervolume_history(study, space, scales)
    files = [
        pareto_png(feasible_trials(study), front, space, f"{space.name}: designs",
                   out / "pareto.png", knee_point(front, space) if front else None,
                   references),
        pareto_html(study, space, out / "pareto.html"),
        hypervolume_png(history, f"{space.name}: hypervolume", out / "hypervolume.png"),
    ]
    (out / "hypervolume.json").write_text(json.dumps(
        {"training_runs": [n for n, _ in history], "hypervolume": [h for _, h in history],
         "normalisation": scales}, indent=2))
    if history:
        console.print(f"hypervolume after {history[-1][0]} training runs: {history[-1][1]:.4f} "
                      "(objectives normalised: 1 - accuracy, cost / largest cost in the space)")
    for path in files:
        console.print(f"wrote {path}")
    return 0
