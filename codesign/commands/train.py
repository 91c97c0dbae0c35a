"""`train`: train one SC-BNN design and report its test accuracy at the requested N."""

from __future__ import annotations

import argparse

from codesign.errors import UserError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train one SC-BNN design from a MODEL.yaml")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    raise UserError("train: not implemented yet")
