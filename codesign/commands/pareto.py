"""`pareto`: print and plot a study's Pareto front."""

from __future__ import annotations

import argparse

from codesign.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "pareto", help="print and plot a study's Pareto front"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    raise UserError("pareto: not implemented yet")
