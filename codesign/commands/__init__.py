"""One module per CLI subcommand; each exposes `register(subparsers)`."""

from codesign.commands import dashboard, export, hw, pareto, search, status, train

COMMAND_MODULES = (train, hw, search, status, pareto, export, dashboard)
