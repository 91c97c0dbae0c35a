"""`dashboard`: optuna-dashboard on a study's storage, bound to 127.0.0.1 by default."""

from __future__ import annotations

import argparse
import socket

from rich.console import Console

from codesign.commands.common import port
from codesign.errors import UserError
from codesign.space import default_storage_url


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard", help="open optuna-dashboard on a study (bound to 127.0.0.1)"
    )
    parser.add_argument("--study", help="study name: its default storage runs/STUDY.db")
    parser.add_argument("--storage", help="Optuna storage URL")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default local)")
    parser.add_argument("--port", type=port, default=8080)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from codesign.storage import StorageError, open_storage

    if not args.storage and not args.study:
        raise UserError("dashboard: give --study NAME or --storage URL")
    url = args.storage or default_storage_url(args.study)
    _check_bindable(args.host, args.port)
    try:
        storage = open_storage(url, mode="existing")  # never creates a database
    except StorageError as exc:
        raise UserError(str(exc)) from None
    from optuna_dashboard import run_server

    Console().print(f"optuna-dashboard on {url}: http://{args.host}:{args.port}/ (Ctrl-C stops)")
    try:
        run_server(storage, host=args.host, port=args.port)
    except OSError as exc:  # taken between the check and the server's own bind
        raise UserError(f"--port {args.port}: cannot listen ({exc.strerror or exc})") from None
    return 0


def _check_bindable(host: str, port_number: int) -> None:
    """A host that does not resolve, or a port in use, is one line now, not a traceback from
    the server thread later."""
    try:
        infos = socket.getaddrinfo(host, port_number, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UserError(f"--host {host}: not an address of this machine ({exc})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind(address)
        except OSError as exc:
            raise UserError(f"--host {host} --port {port_number}: cannot listen there "
                            f"({exc.strerror or exc})") from None
