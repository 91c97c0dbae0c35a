"""One module per CLI subcommand; each exposes `register(subparsers)`."""

from codesign.commands import (
    dashboard,
    evaluate,
    export,
    hw,
    pareto,
    rtl,
    search,
    status,
    train,
)

COMMAND_MODULES = (train, evaluate, hw, rtl, search, status, pareto, export, dashboard)
