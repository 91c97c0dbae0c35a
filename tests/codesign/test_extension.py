"""Extending codesign as docs/extending.md says: each worked example reaches every output, or
is refused with one line.

The examples (two objectives, a hardware search dimension, an SNG kind, an organisation) are
applied, as the document writes them, to a scratch copy of the code; one search then runs on
it (trainings stubbed) with every output read back (`extension_driver.py`). The test also
holds the document to its table: each example touches exactly the files the table names.
Kinds a registry does not know are refused with one line, in process.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from codesign.cli import main
from codesign.problem.objectives import hardware_objectives

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "extending.md"
PACKAGES = ("codesign", "hwmodel", "trainer", "rtl")
BLOCK = re.compile(r'<!-- extension (\w+): (append|after|replace) (?:"((?:[^"\\]|\\.)*)" )?'
                   r"(\S+) -->\n```\w*\n(.*?)```", re.DOTALL)
TABLE_ROWS = {"objective": "a new objective", "parameter": "a new hardware search dimension",
              "sng": "a new SNG kind", "organisation": "a new organisation"}


def extension_blocks() -> list[tuple[str, str, str | None, str, str]]:
    """(extension, how, anchor, file, code) of every worked example in docs/extending.md."""
    return [(name, how, anchor.replace('\\"', '"') if anchor else None, path, code)
            for name, how, anchor, path, code in BLOCK.findall(DOC.read_text())]


def apply(block: tuple[str, str, str | None, str, str], root: Path) -> None:
    _, how, anchor, path, code = block
    target = root / path
    text = target.read_text()
    if how == "append":
        text = text.rstrip("\n") + "\n\n\n" + code
    else:
        line = anchor + "\n"
        assert text.count(line) == 1, f"{path}: the documented line is not there: {anchor}"
        text = text.replace(line, line + code if how == "after" else code)
    target.write_text(text)


def test_each_example_touches_exactly_the_files_the_table_names():
    blocks = extension_blocks()
    assert {block[0] for block in blocks} == set(TABLE_ROWS)
    doc = DOC.read_text()
    for name, row in TABLE_ROWS.items():
        line = next(line for line in doc.splitlines() if line.startswith(f"| {row} |"))
        named = set(re.findall(r"`([\w/]+\.py)`", line))
        assert named == {block[3] for block in blocks if block[0] == name}, row


NETWORKS = [
    {"input_mode": "fixed_point", "width_1": 16},
    *({"input_mode": "sc", "width_1": 16, "merge_point": "first_layer", "sng_kind": sng,
       "training_mode": "adapted", "train_length": 4} for sng in ("ideal", "van_der_corput")),
]


@pytest.fixture(scope="module")
def extended(tmp_path_factory, tiny_fmnist_dir) -> dict:
    """The documented extensions applied to a copy of the code, a search run on it, and
    every output (see `extension_driver.py`)."""
    scratch = tmp_path_factory.mktemp("scratch")
    for package in PACKAGES:
        shutil.copytree(ROOT / package, scratch / package,
                        ignore=shutil.ignore_patterns("__pycache__"))
    for block in extension_blocks():
        apply(block, scratch)
    work = tmp_path_factory.mktemp("work")
    (work / "space.yaml").write_text(yaml.safe_dump({
        "name": "extended",
        "data": {"root": str(tiny_fmnist_dir), "download": False, "batch_size": 50},
        "model": {"family": "mlp", "hidden_layers": 1, "widths": [16]},
        "input": {"modes": ["sc", "fixed_point"], "bitstream_lengths": [1, 4],
                  "sngs": ["ideal", "van_der_corput"], "train_lengths": [4]},
        "hardware": {"organisations": ["tile_per_layer"], "tiles": [1, 4],
                     "array_rows": [16], "array_cols": [16, 32]},
        "objectives": ["accuracy", "energy", "power", "throughput"],
        "constraints": {"max_power_mw": 1e9, "min_inferences_per_s": 1000},
        "budget": {"trials": 3, "epochs": 1},
        "sampler": {"kind": "random", "seed": 0},
        "initial_networks": NETWORKS,
        "output_dir": str(work / "runs"),
        "storage": f"sqlite:///{work / 'runs' / 'extended.db'}",
    }))
    measured = json.loads((ROOT / "codesign" / "data" / "fmnist_accuracy_vs_n.json").read_text())
    measured["sc"]["van_der_corput"] = measured["sc"]["sobol"]  # a stand-in, for the check
    (work / "accuracy.json").write_text(json.dumps(measured))
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(scratch), str(ROOT)])}
    done = subprocess.run([sys.executable, str(Path(__file__).parent / "extension_driver.py"),
                           str(work)], cwd=work, env=environment, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads((work / "result.json").read_text())
    assert result["search"]["code"] == 0, result["search"]["err"]
    return result


def _rows(output: dict) -> list[dict]:
    assert output["code"] == 0, output["err"]
    return list(csv.DictReader(io.StringIO(output["out"])))


def _one_line_refusal(output: dict) -> str:
    assert output["code"] == 2
    err = output["err"].strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    return err


def test_new_objectives_reach_every_output(extended):
    for table in ("status", "pareto"):
        out = extended[table]["out"]
        # a cost column carries one SI-scaled unit: uW, mW or W as the values need
        assert "power" in out and re.search(r"\((?:[pnum]|)W\)", out)
        assert "throughput" in out and "(inf/s)" in out
    for listing in ("status_csv", "pareto_csv"):
        rows = _rows(extended[listing])
        assert rows and all(float(row["average_power_mw"]) > 0 for row in rows)
        assert all(float(row["inferences_per_s"]) >= 1000 for row in rows)  # the budget
    for listing in ("status_json", "pareto_json"):
        front = json.loads(extended[listing]["out"])["front"]
        assert front and all(record["average_power_mw"] > 0 for record in front)
    hypervolume = json.loads(extended["pareto_json"]["out"])["hypervolume"]
    assert 0.0 < hypervolume <= 1.0  # a maximised cost normalised as 1 - value / largest
    assert {"power (mW)", "throughput (inf/s)"} <= set(extended["figure"])
    board = extended["dashboard"]
    assert board["metric_names"] == ["validation accuracy (fraction)", "energy (pJ)",
                                     "power (mW)", "throughput (inf/s)"]  # with units
    assert "inferences_per_s (maximize, inf/s)" in board["study_attrs"]["objectives"]
    assert "inferences_per_s >= 1000 inf/s" in board["study_attrs"]["constraints"]
    assert "average_power_mw <= 1e+09 mW" in board["study_attrs"]["constraints"]
    named = sorted(name for name in board["constraints"] if not name.isdigit())
    limits = [o.metric for o in hardware_objectives() if o.default_limit is not None]
    assert named == sorted(["average_power_mw", "inferences_per_s", *limits])  # + buildability
    assert board["user_attrs"]["average_power_mw"] > 0  # shown in the dashboard's table
    assert board["user_attrs"]["inferences_per_s"] > 0
    assert extended["export_ideal"]["document"]["metrics"]["average_power_mw"] > 0
    assert " mW, " in extended["export_ideal"]["out"]  # the line `export` prints
    assert extended["export_pick"]["code"] == 0, extended["export_pick"]["err"]


def test_a_new_parameter_reaches_every_output_and_tells_designs_apart(extended):
    front = json.loads(extended["status_json"]["out"])["front"]
    assert {record["array_cols"] for record in front} == {16, 32}
    table = extended["status"]["out"]
    for record in front:  # each front design's row shows its own value
        line = next(line for line in table.splitlines()
                    if line.split() and line.split()[0] == str(record["design_trial"]))
        assert f"array_cols={record['array_cols']}" in line
    assert "array_cols" in _rows(extended["pareto_csv"])[0]
    assert extended["dashboard"]["study_attrs"]["choices: array_cols"] == "16, 32"
    assert extended["dashboard"]["params"]["array_cols"] == 16
    exported = extended["export_parameter"]
    assert exported["document"]["hardware"]["architecture"]["array_cols"] == 16
    assert exported["rtl"]["code"] == 0 and "popcount_ripple_tree_16" in exported["rtl"]["out"]


def test_a_new_sng_kind_reaches_every_output_or_is_refused_in_one_line(extended):
    assert json.loads(extended["status_json"]["out"])["networks"]["trained"] == 3
    assert "van_der_corput" in extended["status"]["out"]  # its network is on the front
    assert "van_der_corput" in extended["dashboard"]["study_attrs"]["choices: sng_kind"]
    exported = extended["export_sng"]
    assert exported["code"] == 0, exported["err"]
    document = exported["document"]
    assert document["training"]["input"]["sng"]["kind"] == "van_der_corput"
    assert document["hardware"]["architecture"]["sng_kind"] == "van_der_corput"
    assert document["stochastic_computing"]["sng"]["kind"] == "van_der_corput"
    assert "no RTL bank is written for it" in _one_line_refusal(exported["rtl"])
    assert "no measured accuracy for SNG van_der_corput" in _one_line_refusal(
        extended["paper_check_sng"])
    measured = extended["paper_check_sng_measured"]
    assert measured["code"] == 0 and "van_der_corput SNG" in measured["out"]


def test_a_new_organisation_reaches_every_output(extended):
    front = json.loads(extended["status_json"]["out"])["front"]
    assert "tile_per_layer" in {record["organisation"] for record in front}
    assert "per-layer x" in extended["status"]["out"]
    assert "tile_per_layer" in extended["dashboard"]["study_attrs"]["choices: organisation"]
    exported = extended["export_parameter"]  # a design of the new organisation
    assert exported["document"]["hardware"]["architecture"]["organisation"] == "tile_per_layer"
    assert exported["rtl"]["code"] == 0, exported["rtl"]["err"]
    assert extended["paper_check"]["code"] == 0 and "per-layer" in extended["paper_check"]["out"]
    assert "tile_per_layer" in {row["organisation"] for row in extended["paper_check_rows"]}


# --- kinds the registries do not know: one line everywhere -----------------------------------

SOBOL_DESIGN = {"workload": {"kind": "mlp", "input_size": 784, "hidden": [8], "num_classes": 10},
                "architecture": {"first_layer_mode": "sc", "sng_kind": "sobol",
                                 "bitstream_length": 4, "array_rows": 16, "array_cols": 16},
                "technology": "stt_mram_28nm"}


def test_an_unknown_sng_kind_in_a_space_is_one_line(tiny_space, write_space, capsys):
    path = write_space(tiny_space(input={"sngs": ["halton"]}))
    assert main(["search", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "input.sngs.0" in err
    assert all(kind in err for kind in ("ideal", "lfsr", "sobol"))  # from the registry


def test_a_trainer_kind_codesign_does_not_know_is_refused_everywhere(monkeypatch, capsys,
                                                                      tmp_path):
    """`sobol` exists in the trainer and in hwmodel; without its `SngSource` every path that
    meets it says so in one line (none skips it)."""
    from codesign.problem.design_agreement import disagreement
    from codesign.problem.kinds import SngSource, UnknownKind, sng_source
    from hwmodel import HardwareDesign
    from trainer.config import TrainConfig

    monkeypatch.delitem(SngSource.registry, "sobol")
    with pytest.raises(UnknownKind, match="SNG kind 'sobol' is not known to codesign"):
        sng_source("sobol")
    assert main(["hw", "--paper-check", "--sng", "sobol"]) == 2
    assert "--sng" in capsys.readouterr().err
    training = TrainConfig.model_validate({"model": {"kind": "mlp", "hidden": [8]}, "input": {
        "mode": "sc", "length": 4, "sng": {"kind": "sobol"}}})
    assert "training.input.sng.kind: SNG kind 'sobol' is not known" in disagreement(
        training, HardwareDesign.model_validate(SOBOL_DESIGN))
    assert "SNG generator 'sobol' realises no SNG kind" in _rtl_refusal(tmp_path, capsys)


def _rtl_refusal(folder, capsys) -> str:
    """`codesign rtl` of SOBOL_DESIGN: one line, exit 2, nothing written."""
    path = folder / "design.yaml"
    path.write_text(yaml.safe_dump(SOBOL_DESIGN))
    assert main(["rtl", str(path), "-o", str(folder / "rtl")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and not (folder / "rtl").exists()
    return err


def test_an_sng_kind_without_rtl_is_refused_not_left_out(monkeypatch, capsys, tmp_path):
    from codesign.problem.kinds import SngSource, SobolSource

    monkeypatch.setattr(SobolSource, "bank_spec", SngSource.bank_spec)
    assert "SNG kind sobol: no RTL bank is written" in _rtl_refusal(tmp_path, capsys)


def test_the_docs_list_every_registered_kind():
    """docs/hwmodel.md's table of kinds is the registries' (a new kind is one class and one
    word there)."""
    from hwmodel import (
        NO_GENERATOR,
        ErrorCorrection,
        FirstLayerDataflow,
        FirstLayerMode,
        Generator,
        MramCell,
        Organisation,
        PopcountCircuit,
    )

    families = {"organisation": Organisation.names(), "first_layer_mode": FirstLayerMode.names(),
                "first_layer_dataflow": FirstLayerDataflow.names(),
                "popcount_circuit": PopcountCircuit.names(),
                "sng_kind": (*Generator.names(), NO_GENERATOR), "mram_cell": MramCell.names(),
                "ecc": ErrorCorrection.names()}
    lines = (ROOT / "docs" / "hwmodel.md").read_text().splitlines()
    for field, names in families.items():
        row = next(line for line in lines if line.startswith(f"| `{field}` |"))
        assert set(re.findall(r"`([\w-]+)`", row.split("|")[3])) == set(names), field
