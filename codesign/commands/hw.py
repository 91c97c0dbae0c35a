"""`hw`: score a hardware design: area, energy, latency and a per-component breakdown."""

from __future__ import annotations

import argparse

from codesign.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("hw", help="score a hardware design: area, energy, latency and a per-component breakdown")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    raise UserError("hw: not implemented yet")
