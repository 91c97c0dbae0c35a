"""`search`: run (or resume) a multi-objective co-design search from a search-space YAML."""

from __future__ import annotations

import argparse

from codesign.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "search", help="run (or resume) a multi-objective co-design search from a search-space YAML"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    raise UserError("search: not implemented yet")
