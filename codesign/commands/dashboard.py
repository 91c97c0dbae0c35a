"""`dashboard`: optuna-dashboard on a study's storage, bound to 127.0.0.1 by default.

optuna-dashboard has no authentication: whoever reaches its port reads and changes the
storage. So a host that is not a loopback address needs `--expose`, and the command then says
what it exposes.
"""

from __future__ import annotations

import argparse
import ipaddress
import socket

from codesign.commands.common import port
from codesign.errors import UserError
from codesign.problem.space import default_storage_url
from codesign.screen import present


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "dashboard", help="open optuna-dashboard on a study (bound to 127.0.0.1)"
    )
    parser.add_argument("--study", help="study name: its default storage runs/STUDY.log "
                        "(or runs/STUDY.db)")
    parser.add_argument("--storage", help="Optuna storage URL")
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to bind (default 127.0.0.1; any other needs --expose)")
    parser.add_argument("--port", type=port, default=8080)
    parser.add_argument("--expose", action="store_true",
                        help="allow a --host other than loopback (the dashboard has no "
                             "authentication: anyone who reaches it can change the study)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from codesign.engine.storage import StorageError, open_storage

    if not args.storage and not args.study:
        raise UserError("dashboard: give --study NAME or --storage URL")
    url = args.storage or default_storage_url(args.study)
    exposed = not _check_bindable(args.host, args.port)
    if exposed and not args.expose:
        raise UserError(f"--host {args.host}: not a loopback address: anyone who can reach it "
                        "could read and change the study (optuna-dashboard has no "
                        "authentication); give --expose to serve it there anyway")
    try:
        storage = open_storage(url, mode="existing")  # never creates a database
    except StorageError as exc:
        raise UserError(str(exc)) from None
    from optuna_dashboard import run_server

    from codesign.engine.storage import redacted

    _draw_pareto_figures(storage, args.study)

    present.console().print(present.dashboard_serving(redacted(url), args.host, args.port,
                                                      exposed), soft_wrap=True)
    try:
        run_server(storage, host=args.host, port=args.port)
    except OSError as exc:  # taken between the check and the server's own bind
        raise UserError(f"--port {args.port}: cannot listen ({exc.strerror or exc})") from None
    return 0


def _draw_pareto_figures(storage, name: str | None) -> None:
    """Each codesign design study of the storage (or the one named) gets its Pareto figure
    redrawn, so that a study recorded before the figure existed shows it too."""
    import optuna

    from codesign.engine.dashboard_view import attach_pareto_figure
    from codesign.engine.study import problem_of
    from codesign.problem.compiled import NETWORKS_SUFFIX

    for summary in optuna.get_all_study_summaries(storage, include_best_trial=False):
        if summary.study_name.endswith(NETWORKS_SUFFIX) or name not in (None,
                                                                         summary.study_name):
            continue
        study = optuna.load_study(study_name=summary.study_name, storage=storage)
        problem = problem_of(study, storage)
        if problem is not None:  # a study of codesign's (others have no stored space)
            attach_pareto_figure(problem, study)


def _check_bindable(host: str, port_number: int) -> bool:
    """A host that does not resolve, or a port in use, is one line now, not a traceback from
    the server thread later. Returns whether every address of `host` is a loopback one."""
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
    return all(ipaddress.ip_address(info[4][0].split("%")[0]).is_loopback for info in infos)
