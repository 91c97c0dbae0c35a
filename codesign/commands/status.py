"""`status`: show a study's progress and its current best designs."""

from __future__ import annotations

import argparse

from codesign.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "status", help="show a study's progress and its current best designs"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    raise UserError("status: not implemented yet")
