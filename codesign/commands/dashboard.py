"""`dashboard`: optuna-dashboard on a study's storage, bound to 127.0.0.1 by default."""

from __future__ import annotations

import argparse

from rich.console import Console

from codesign.errors import UserError
from codesign.space import default_storage_url


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard", help="open optuna-dashboard on a study (bound to 127.0.0.1)"
    )
    parser.add_argument("--study", help="study name: its default storage runs/STUDY.db")
    parser.add_argument("--storage", help="Optuna storage URL")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default local)")
    parser.add_argument("--port", type=int, default=8080)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from codesign.storage import StorageError, open_storage

    if not args.storage and not args.study:
        raise UserError("dashboard: give --study NAME or --storage URL")
    url = args.storage or default_storage_url(args.study)
    try:
        storage = open_storage(url)
    except StorageError as exc:
        raise UserError(str(exc)) from None
    from optuna_dashboard import run_server

    Console().print(f"optuna-dashboard on {url}: http://{args.host}:{args.port}/ (Ctrl-C stops)")
    run_server(storage, host=args.host, port=args.port)
    return 0
