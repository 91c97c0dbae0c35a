"""The engine: running a search and reading its record back.

Proposing, training (`execution`, `runner`, `worker_process`), recording design points in the
Optuna studies (`study`, `storage`, `study_folder`, `liveness`), stopping cleanly (`interrupts`),
early stopping (`fidelity`), and reading a study: fronts, picks, bands, exports, the attributes
optuna-dashboard shows (`pareto`, `front_bands`, `export`, `dashboard_view`). May import: the
problem, `codesign.errors`, `codesign.outputs`, `trainer`, `hwmodel`; never the screen or the
commands.
"""
