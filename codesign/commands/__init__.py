"""One module per CLI subcommand; each exposes `register(subparsers)`."""

from codesign.commands import dashboard, export, hw, pareto, rtl, search, status, train

COMMAND_MODULES = (train, hw, rtl, search, status, pareto, export, dashboard)
