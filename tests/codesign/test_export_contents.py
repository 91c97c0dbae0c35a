"""An exported design describes only the design it holds: a conventional (fixed-point) design
carries no stochastic-computing field, the technology text names the design's own device
choices, and every accuracy `export` and `evaluate` print says under which condition it was
measured. Searches here train nothing (`stubs.stub_trainings`); their checkpoints are real
(untrained) weights, so `evaluate`, `hw` and `rtl` run on the exports for real."""

import json

import pytest
import torch
import yaml

from codesign.cli import main
from codesign.engine.export import SC_ARCHITECTURE_FIELDS, SC_INPUT_FIELDS
from codesign.engine.search import run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import load_design_study, load_network_study
from codesign.problem.space import SearchSpace
from tests.codesign.stubs import stub_trainings
from trainer.module import SCBNNModule

# names that only a stochastic-computing design has, wherever they appear
SC_NAMES = {*SC_ARCHITECTURE_FIELDS, "sng", "eval_lengths", "train_lengths",
            "stochastic_computing"}


def _exported(tiny_space, tmp_path, monkeypatch, capsys, mode: str) -> tuple[dict, str]:
    """A stub search of one input mode on 1T1MTJ cells read at 100 mV, its design 0
    exported: (the document, what export printed)."""
    monkeypatch.chdir(tmp_path)  # the stub records its checkpoints here
    space = SearchSpace.model_validate(tiny_space(
        budget={"trials": 1}, input={"modes": [mode], "sngs": ["lfsr"],
                                     "bitstream_lengths": [4, 16]},
        hardware={"tiles": [1], "mram_cells": ["1t1mtj"], "read_voltages_mv": [100]}))
    stub_trainings(monkeypatch, space)
    run_search(space)
    storage = open_storage(space.storage_url)
    for trial in load_network_study(storage, "tiny").trials:
        module = SCBNNModule(trial.user_attrs["train_config"], (1, 28, 28), 10)
        torch.save({"state_dict": module.state_dict(), "hyper_parameters": dict(module.hparams)},
                   tmp_path / f"ck{trial.number}.ckpt")
    assert load_design_study(storage, "tiny").trials[0].params["input_mode"] == mode
    capsys.readouterr()
    assert main(["export", "--study", "tiny", "--storage", space.storage_url, "--trial", "0",
                 "-o", str(tmp_path / "design.yaml")]) == 0
    printed = capsys.readouterr().out
    return yaml.safe_load((tmp_path / "design.yaml").read_text()), " ".join(printed.split())


def _keys(node) -> set[str]:
    if isinstance(node, dict):
        return set(node) | {k for value in node.values() for k in _keys(value)}
    if isinstance(node, list):
        return {k for value in node for k in _keys(value)}
    return set()


def test_a_conventional_design_exports_no_sc_field_and_its_own_device(tiny_space, tmp_path,
                                                                      monkeypatch, capsys):
    document, printed = _exported(tiny_space, tmp_path, monkeypatch, capsys, "fixed_point")
    assert document["training"]["input"] == {"mode": "fixed_point"}
    assert not SC_NAMES & _keys({k: v for k, v in document.items() if k != "versions"})
    assert not {*SC_ARCHITECTURE_FIELDS} & set(document["hardware"]["architecture"])
    assert document["hardware"]["architecture"]["sng_kind"] == "none"  # says: no generator
    technology = document["hardware"]["technology"]["description"]
    assert "1t1mtj" in technology and "100 mV" in technology
    assert "2t2mtj" not in technology.lower() and "200 mV" not in technology
    assert document["device_errors"]["mram_cell"] == "1t1mtj"
    ber = document["device_errors"]["evaluated_error_rate"]
    assert ber > 0  # a 1T1MTJ cell at 100 mV errs
    assert f"at weight bit-error rate {ber:.2g}, on 1 error map, fixed-point input" in printed

    # the slimmer YAML still rebuilds the design: the cost exactly, the RTL, the evaluation
    report = tmp_path / "hw.json"
    assert main(["hw", str(tmp_path / "design.yaml"), "--json", str(report)]) == 0
    costs = json.loads(report.read_text())
    for name in ("energy_pj", "area_mm2", "latency_ns"):
        assert costs[name] == document["metrics"][name]
    assert main(["rtl", str(tmp_path / "design.yaml"), "-o", str(tmp_path / "rtl")]) == 0
    manifest = json.loads((tmp_path / "rtl" / "manifest.json").read_text())
    assert manifest["blocks"] and not any("sng" in block["name"] for block in manifest["blocks"])
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "design.yaml")]) == 0
    shown = " ".join(capsys.readouterr().out.split())
    assert "clean test accuracy, no weight bit errors" in shown
    assert "on 1 error map (one chip: no spread over chips)" in shown
    assert "±" not in shown and "over 1 error maps" not in shown


def test_an_sc_design_keeps_its_sc_settings_and_says_its_n(tiny_space, tmp_path, monkeypatch,
                                                           capsys):
    document, printed = _exported(tiny_space, tmp_path, monkeypatch, capsys, "sc")
    architecture = document["hardware"]["architecture"]
    assert set(SC_ARCHITECTURE_FIELDS) <= set(architecture)
    assert set(SC_INPUT_FIELDS) <= set(document["training"]["input"])
    length = document["stochastic_computing"]["bitstream_length"]
    assert length == architecture["bitstream_length"] in (4, 16)
    assert f"on 1 error map, N = {length})" in printed
    assert "1t1mtj" in document["hardware"]["technology"]["description"]


@pytest.mark.parametrize(("maps", "statistic", "expected"), [
    (1, "mean", "at weight bit-error rate 0.001, on 1 error map, N = 8"),
    (5, "mean", "at weight bit-error rate 0.001, mean over 5 error maps, N = 8"),
    (5, "low_percentile", "at weight bit-error rate 0.001, 10th percentile over 5 error maps, "
                          "N = 8"),
])
def test_the_accuracy_condition_names_rate_maps_statistic_and_n(maps, statistic, expected):
    from codesign.screen.present import design_accuracy_condition

    document = {"device_errors": {"evaluated_error_rate": 1e-3},
                "training": {"weight_errors": {"maps": maps}},
                "metrics": {"accuracy_over_maps": statistic, "accuracy_percentile": 10.0},
                "stochastic_computing": {"bitstream_length": 8}}
    assert design_accuracy_condition(document) == expected
    document["device_errors"]["evaluated_error_rate"] = 0.0
    assert design_accuracy_condition(document).startswith("clean: no weight bit errors")
