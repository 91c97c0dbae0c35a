"""The search's progress: which network of the budget, a timer per network, an ETA, the
running front and hypervolume; one line a record, never wrapped (greppable when piped), and
a last state without ETA once the search stops."""

from __future__ import annotations

import io
import time

from rich.console import Console

from codesign.commands.search import SearchProgress
from codesign.engine.search import SearchEvent
from codesign.problem.compiled import compile_problem
from codesign.problem.space import SearchSpace


def _progress(tiny_space) -> tuple[SearchProgress, io.StringIO]:
    space = compile_problem(SearchSpace.model_validate(tiny_space(budget={"trials": 6})))
    text = io.StringIO()
    console = Console(file=text, width=80, force_terminal=False, highlight=False)
    return SearchProgress(space, console, disabled=False), text


def _trained(trial: int, ordinal: int) -> SearchEvent:
    return SearchEvent("trained", trial, "key", data={
        "ordinal": ordinal, "spent": ordinal, "val_accuracy": {"1": 0.8, "4": 0.9},
        "design_points": 5,
        "front_size": 7, "hypervolume": 0.4321})


def test_numbering_timer_eta_and_front(tiny_space):
    progress, text = _progress(tiny_space)
    with progress.live:
        progress.on_event(SearchEvent("started", data={"attempted": 4, "budget": 6,
                                                       "front_size": 3, "hypervolume": 0.2}))
        progress.on_event(SearchEvent("training", 11, "key", data={"ordinal": 5}))
        first = progress.trainings[11][0]
        time.sleep(0.05)
        progress.on_event(_trained(11, 5))
        progress.on_event(SearchEvent("training", 12, "key", data={"ordinal": 6}))
        task = progress.live.tasks[-1]
        assert task.id != first and task.description == "network 6/6 (trial #12)"
        assert task.elapsed is None or task.elapsed < 0.05  # its own timer, from zero
        note = progress.live.tasks[0].fields["note"]
        assert "front 7 design points, HV 0.4321" in note and "ETA" in note
        assert "ETA -" not in note
        progress.on_event(_trained(12, 6))
        progress.on_event(SearchEvent("done", message="budget of 6 networks spent"))
        note = progress.live.tasks[0].fields["note"]
        assert "ETA" not in note and "stopped: budget of 6 networks spent" in note
    output = text.getvalue()
    assert ("network 5/6 (trial #11) trained in 0 s: val acc 90.00%, 5 design points recorded; "
            "front 7 design points, HV 0.4321\n") in output  # one line, wider than 80
    assert "network 6/6 (trial #12)" in output and "#12" not in output.replace("(trial #12)", "")
