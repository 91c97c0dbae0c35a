"""`export`: write one YAML that rebuilds a chosen design."""

from __future__ import annotations

import argparse

from codesign.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="write one YAML that rebuilds a chosen design"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    raise UserError("export: not implemented yet")
