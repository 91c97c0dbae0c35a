"""The project's Pareto figure for optuna-dashboard: the panels of `plots.pareto_figure`
(accuracy in percent against each hardware cost on a log axis, the front by first-layer
hardware, the knee, the paper's reference designs) drawn with plotly, which the dashboard
shows on the study page (`optuna_dashboard.save_plotly_graph_object`).

optuna-dashboard's own Pareto plot draws the stored values: accuracy as a fraction and linear
cost axes, on which the designs of a 0-6 million pJ axis crowd into one corner. This figure
is what `codesign pareto` draws. It travels inside the study page's JSON, so it carries
numbers only (float32 arrays, which plotly encodes in binary) and a trial number per point
for the hover text.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from optuna.trial import FrozenTrial

from codesign.problem.compiled import Problem
from codesign.problem.objectives import ACCURACY, Objective, hardware_objectives
from codesign.problem.paper_check import ReferenceDesign
from hwmodel import FirstLayerMode

FIGURE_ID = "pareto-front"  # one figure per study, replaced as the search goes on
# plotly's names for the markers of `plots` (matplotlib), in the registry's order
DESIGN_SYMBOLS = ("circle", "square", "triangle-up", "triangle-down", "triangle-left",
                  "triangle-right", "pentagon", "hexagon")
REFERENCE_SYMBOLS = ("star", "cross", "x", "diamond-tall", "hexagon2", "octagon")


def drawn_costs(problem: Problem) -> tuple[Objective, ...]:
    """The panels: the searched costs, then the costs every figure draws (as `plots`)."""
    return tuple(dict.fromkeys([*problem.goals.costs,
                                *(o for o in hardware_objectives() if o.drawn)]))


def _values(trials: Sequence[FrozenTrial], objective: Objective) -> np.ndarray:
    scale = 100.0 if objective.unit == "%" else 1.0
    return np.asarray([scale * objective.value(t.user_attrs) for t in trials], dtype=np.float32)


def _symbol(mode: str, symbols: Sequence[str]) -> str:
    return symbols[FirstLayerMode.names().index(mode) % len(symbols)]


def _design_traces(go, feasible, front, knee, cost: Objective, first: bool) -> list:
    """One panel's design points: the feasible ones in grey, the front by first-layer mode,
    the knee ringed (one legend entry each, from the first panel)."""
    hover = (f"trial %{{customdata}}<br>%{{x:.4g}} {cost.unit}<br>%{{y:.2f}}%"
             "<extra>%{fullData.name}</extra>")
    groups = [("feasible design points", feasible, {"size": 4, "color": "#c7c7c7"})]
    for mode in FirstLayerMode.names():
        chosen = [t for t in front if t.params.get("first_layer_hw") == mode]
        if chosen:
            groups.append((f"Pareto front: {mode}", chosen,
                           {"size": 8, "symbol": _symbol(mode, DESIGN_SYMBOLS)}))
    if knee is not None:
        groups.append((f"knee (trial {knee.number})", [knee],
                       {"size": 16, "color": "rgba(0,0,0,0)",
                        "line": {"color": "red", "width": 2}}))
    return [go.Scattergl(x=_values(trials, cost), y=_values(trials, ACCURACY), mode="markers",
                         name=name, legendgroup=name, showlegend=first, marker=marker,
                         customdata=np.asarray([t.number for t in trials], dtype=np.int32),
                         hovertemplate=hover)
            for name, trials, marker in groups]


def _reference_traces(go, references: Sequence[ReferenceDesign], cost: Objective,
                      first: bool) -> list:
    traces = []
    for reference in references:
        value = reference.costs.get(cost.metric)
        if value is None:  # the claimed point: the paper claims energy and area only
            continue
        symbol = "diamond-open" if reference.claimed else _symbol(reference.first_layer_mode,
                                                                 REFERENCE_SYMBOLS)
        name = f"paper: {reference.name}"
        traces.append(go.Scatter(x=[value], y=[100 * reference.accuracy], mode="markers",
                                 name=name, legendgroup=name, showlegend=first,
                                 marker={"size": 12, "symbol": symbol, "color": "black"}))
    return traces


def pareto_plotly(feasible: Sequence[FrozenTrial], front: Sequence[FrozenTrial],
                  problem: Problem, knee: FrozenTrial | None = None,
                  references: Sequence[ReferenceDesign] = ()):
    """The figure (a `plotly.graph_objects.Figure`): one panel per drawn cost."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    costs = drawn_costs(problem)
    figure = make_subplots(rows=1, cols=len(costs), shared_yaxes=True,
                           horizontal_spacing=0.04)
    for column, cost in enumerate(costs, start=1):
        first = column == 1
        for trace in (_design_traces(go, feasible, front, knee, cost, first)
                      + _reference_traces(go, references, cost, first)):
            figure.add_trace(trace, row=1, col=column)
        searched = "" if cost in problem.goals.searched else ", not searched"
        figure.update_xaxes(type="log", title_text=f"{cost.label} ({cost.unit}{searched}, "
                            "log)", row=1, col=column)
    figure.update_yaxes(title_text="accuracy (%, validation)", row=1, col=1)
    figure.update_layout(title=f"{problem.name}: feasible designs and the Pareto front "
                               "(the figure of `codesign pareto`)",
                         legend={"orientation": "h", "y": -0.25}, height=480)
    return figure
