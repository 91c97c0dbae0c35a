"""Every output of codesign on one search, as data: run in a scratch copy of the code that
docs/extending.md's worked examples were applied to (`test_extension.py`).

    python tests/codesign/extension_driver.py WORK   (WORK holds space.yaml, accuracy.json)

Runs the search with the trainings stubbed (`tests.codesign.stubs`), then `status`, `pareto`
(tables, CSV, JSON), the Pareto figure, the dashboard's attributes and notes, `export` of
chosen designs, `rtl` of them, and `hw --paper-check`, through the CLI where there is one; writes
WORK/result.json with each output (stdout, stderr, exit code, files).
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from pathlib import Path

import yaml


def command(argv: list[str]) -> dict:
    """One CLI command in this process: its exit code, stdout and stderr."""
    import time

    from codesign.cli import main

    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return {"code": code, "out": out.getvalue(), "err": err.getvalue(),
            "seconds": time.perf_counter() - started}


def wide_console(monkeypatch_target) -> None:
    """Tables as a wide terminal would print them (nothing folded), to read cells back."""
    from rich.console import Console

    monkeypatch_target.console = lambda stderr=False: Console(
        stderr=stderr, highlight=False, width=400)


def stub_trainings(lengths: list[int]) -> None:
    import codesign.engine.search
    from tests.codesign.stubs import StubExecutor

    codesign.engine.search.make_executor = (
        lambda execution, address, on_event: StubExecutor(lengths))


def chosen_designs(storage_url: str, name: str) -> dict[str, int]:
    """A design trial of each new choice (the first one recorded), by what it shows."""
    from codesign.engine.storage import open_storage
    from codesign.engine.study import load_design_study

    trials = load_design_study(open_storage(storage_url, mode="read_only"), name).trials
    wanted = {"sng": ("sng_kind", "van_der_corput"), "parameter": ("array_cols", 16),
              "ideal": ("sng_kind", "ideal")}
    return {key: next(t.number for t in trials if t.params.get(param) == value)
            for key, (param, value) in wanted.items()}


def dashboard(storage_url: str, name: str, design_trial: int) -> dict:
    from codesign.engine.storage import open_storage
    from codesign.engine.study import load_design_study

    storage = open_storage(storage_url, mode="read_only")
    study = load_design_study(storage, name)
    trial = study.trials[design_trial]
    return {"study_attrs": study.user_attrs, "metric_names": study.metric_names,
            "user_attrs": dict(trial.user_attrs), "params": dict(trial.params),
            "constraints": dict(trial.constraints)}


def figure_labels(storage_url: str, name: str) -> list[str]:
    from codesign.engine.pareto import feasible_trials, pareto_front
    from codesign.engine.storage import open_storage
    from codesign.engine.study import load_design_study, problem_of
    from codesign.screen.plots import pareto_figure

    storage = open_storage(storage_url, mode="read_only")
    study = load_design_study(storage, name)
    front = pareto_front(study)
    figure = pareto_figure(feasible_trials(study), front, problem_of(study, storage), name)
    labels = [axis.get_xlabel() for axis in figure.axes]
    labels += [text.get_text() for legend in figure.legends for text in legend.get_texts()]
    return labels


def main(work: Path) -> None:
    from codesign.screen import present
    space = yaml.safe_load((work / "space.yaml").read_text())
    stub_trainings(sorted({1, *space["input"]["bitstream_lengths"]}))
    wide_console(present)
    url, name = space["storage"], space["name"]
    study = ["--study", name, "--storage", url]
    result = {"search": command(["search", str(work / "space.yaml"), "--no-progress"])}
    result["status"] = command(["status", *study, "--top", "1000"])
    result["status_csv"] = command(["status", *study, "--format", "csv"])
    result["status_json"] = command(["status", *study, "--format", "json"])
    result["pareto"] = command(["pareto", *study, "--out", str(work / "plots")])
    result["pareto_csv"] = command(["pareto", *study, "--format", "csv"])
    result["pareto_json"] = command(["pareto", *study, "--format", "json"])
    result["figure"] = figure_labels(url, name)
    designs = chosen_designs(url, name)
    result["designs"] = designs
    result["dashboard"] = dashboard(url, name, designs["parameter"])
    for key, number in designs.items():
        path = work / f"{key}.yaml"
        exported = command(["export", *study, "--trial", str(number), "-o", str(path)])
        exported["document"] = yaml.safe_load(path.read_text()) if path.exists() else None
        if key != "ideal":  # the parameter's design has the new organisation too
            exported["rtl"] = command(["rtl", str(path), "-o", str(work / f"rtl-{key}")])
        result[f"export_{key}"] = exported
    result["export_pick"] = command(["export", *study, "--pick", "max-throughput",
                                     "--max-power-mw", "1e9", "-o", str(work / "pick.yaml")])
    result["paper_check"] = command(["hw", "--paper-check", "--json",
                                     str(work / "check.json")])
    result["paper_check_rows"] = json.loads((work / "check.json").read_text())["rows"]
    result["paper_check_sng"] = command(["hw", "--paper-check", "--sng", "van_der_corput"])
    result["paper_check_sng_measured"] = command([
        "hw", "--paper-check", "--sng", "van_der_corput", "--accuracy",
        str(work / "accuracy.json")])
    (work / "result.json").write_text(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
