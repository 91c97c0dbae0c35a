"""`dashboard`: open optuna-dashboard on a study (bound to 127.0.0.1)."""

from __future__ import annotations

import argparse

from codesign.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard", help="open optuna-dashboard on a study (bound to 127.0.0.1)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    raise UserError("dashboard: not implemented yet")
