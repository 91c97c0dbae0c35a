"""The search CLI: schema errors as one line with exit 2, and the commands around a study."""

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from codesign.cli import main
from codesign.problem.compose import ber_key
from trainer.weights_file import read_weights, weights_beside, write_weights

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"input": {"lenghts": [1]}}, "input.lenghts: unknown key"),
        ({"budget": {"trials": "many"}}, "budget.trials"),
        ({"input": {"bitstream_lengths": []}}, "input.bitstream_lengths"),
        ({"hardware": {"tiles": {"min": 8, "max": 2}}}, "hardware.tiles: min (8) is greater"),
        ({"input": {"sngs": ["quantum"]}}, "input.sngs.0"),
        ({"objectives": ["energy", "area"]}, "objectives: must include accuracy"),
        ({"sampler": {"kind": "annealing"}}, "sampler.kind"),
        ({"hardware": {"mram_cells": ["3t3mtj"]}}, "hardware.mram_cells.0"),
        ({"hardware": {"ecc": ["chipkill"]}}, "hardware.ecc.0"),
        ({"hardware": {"read_voltages_mv": [100, 5000]}}, "hardware.read_voltages_mv"),
        ({"budget": {"error_maps": 0}}, "budget.error_maps"),
        ({"name": "has space"}, "name"),
        ({"initial_networks": [{"input_mode": "sc", "width_1": 7}]}, "initial_networks[0]"),
    ],
)
def test_schema_errors_name_the_field(tiny_space, write_space, capsys, overrides, expected):
    path = write_space(tiny_space(**overrides))
    assert main(["search", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert str(path) in err and expected in err


@pytest.mark.parametrize(
    "url", ["sqlite:////proc/no-such-dir/study.db", "postgresql://user@127.0.0.1:9/none"]
)
def test_unreachable_storage_is_one_line_exit_2(tiny_space, write_space, capsys, url):
    path = write_space(tiny_space())
    assert main(["search", str(path), "--no-progress", "--storage", url]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: storage") and len(err.splitlines()) == 1


def test_search_subprocess_error_has_no_traceback(tmp_path):
    path = tmp_path / "space.yaml"
    path.write_text(yaml.safe_dump({"name": "x", "hardware": {"tiles": {"min": 8, "max": 2}}}))
    done = subprocess.run([sys.executable, "-m", "codesign", "search", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "hardware.tiles" in done.stderr


@pytest.fixture(scope="module")
def finished_study(tmp_path_factory, tiny_fmnist_dir):
    """A tiny search run once through the CLI, shared by the read-only tests below."""
    root = tmp_path_factory.mktemp("study")
    space = {
        "name": "tiny", "data": {"root": str(tiny_fmnist_dir), "download": False,
                                 "batch_size": 50},
        "model": {"family": "mlp", "hidden_layers": 1, "widths": [16, 32]},
        "input": {"modes": ["sc", "fixed_point"], "bitstream_lengths": [1, 4, 16],
                  "sngs": ["lfsr"], "train_lengths": [4]},
        "hardware": {"tiles": [1, 4]}, "budget": {"trials": 3, "epochs": 2},
        "sampler": {"kind": "random", "seed": 1}, "output_dir": str(root / "runs"),
        "execution": {"accelerator": "auto"},
    }
    path = root / "space.yaml"
    path.write_text(yaml.safe_dump(space))
    storage = f"sqlite:///{root / 'tiny.db'}"
    assert main(["search", str(path), "--no-progress", "--storage", storage]) == 0
    return {"root": root, "storage": storage, "args": ["--study", "tiny", "--storage", storage]}


def test_status_lists_progress_and_front(finished_study, capsys):
    assert main(["status", *finished_study["args"]]) == 0
    out = capsys.readouterr().out
    assert "3 of 3 networks done" in out and "Pareto front" in out


def test_pareto_writes_png_html_and_hypervolume(finished_study, capsys):
    out_dir = finished_study["root"] / "plots"
    assert main(["pareto", *finished_study["args"], "--out", str(out_dir), "--html"]) == 0
    for name in ("pareto.png", "pareto.html", "hypervolume.png", "hypervolume.json"):
        assert (out_dir / name).stat().st_size > 0
    assert (out_dir / "pareto.png").read_bytes()[:4] == b"\x89PNG"


def test_pareto_draws_in_the_studys_own_folder_from_anywhere(finished_study, tmp_path,
                                                            monkeypatch, capsys):
    """Without --out the plots go beside the study's design tables (OUTPUT_DIR/STUDY/, which
    its search marked), not into a runs/ folder of whatever directory the command runs in."""
    monkeypatch.chdir(tmp_path)
    assert main(["pareto", *finished_study["args"]]) == 0
    folder = finished_study["root"] / "runs" / "tiny"
    assert (folder / "pareto.png").read_bytes()[:4] == b"\x89PNG"
    assert (folder / "hypervolume.json").is_file()
    assert list(tmp_path.iterdir()) == []
    assert "pareto.png" in capsys.readouterr().out


def test_unknown_study_is_one_line_exit_2(finished_study, capsys):
    assert main(["status", "--study", "nope", "--storage", finished_study["storage"]]) == 2
    assert "study 'nope' not found" in capsys.readouterr().err


def test_export_round_trip_reproduces_hardware_exactly_and_accuracy(finished_study, capsys):

    exported = finished_study["root"] / "design.yaml"
    assert main(["export", *finished_study["args"], "--pick", "max-accuracy",
                 "-o", str(exported)]) == 0
    document = yaml.safe_load(exported.read_text())
    for section in ("training", "hardware", "metrics", "cost_breakdown", "versions"):
        assert section in document
    assert document["training"]["accelerator"] == "auto"  # as the user chose it
    metrics = document["metrics"]  # the accuracy over the chips, both statistics
    assert metrics["val_accuracy"] == metrics["val_accuracy_mean"] >= metrics["val_accuracy_low"]
    assert metrics["accuracy_over_maps"] == "mean" and metrics["accuracy_percentile"] == 10

    hw_json = finished_study["root"] / "hw.json"
    assert main(["hw", str(exported), "--json", str(hw_json)]) == 0
    report = json.loads(hw_json.read_text())
    assert report["energy_pj"] == document["metrics"]["energy_pj"]
    assert report["area_mm2"] == document["metrics"]["area_mm2"]
    assert report["latency_ns"] == document["metrics"]["latency_ns"]

    trained = finished_study["root"] / "train.json"
    assert main(["train", str(exported), "--no-progress", "--json", str(trained),
                 "--accelerator", "cpu",
                 "--output-dir", str(finished_study["root"] / "retrain")]) == 0
    retrained = json.loads(trained.read_text())
    assert retrained["accelerator"] == "cpu"  # retrained where the command line said
    accuracy = next(iter(retrained["test_accuracy"].values()))
    recorded = document["metrics"]["test_accuracy"]
    # retrained from the exported config and seed: equal up to sampling noise of a
    # 200-image test set (3 standard errors at p = 0.5 is 0.11)
    assert abs(accuracy - recorded) <= 0.11


def test_export_by_trial_number_and_bad_requests(finished_study, capsys):
    out = finished_study["root"] / "by-number.yaml"
    assert main(["export", *finished_study["args"], "--trial", "0", "-o", str(out)]) == 0
    assert yaml.safe_load(out.read_text())["study"]["design_trial"] == 0
    assert main(["export", *finished_study["args"], "--trial", "9999", "-o", str(out)]) == 2
    assert main(["export", *finished_study["args"], "--pick", "knee", "--min-accuracy", "100",
                 "-o", str(out)]) == 2
    assert "no design" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_dashboard_serves_the_study_on_loopback(finished_study):
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "codesign", "dashboard", *finished_study["args"],
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/studies", timeout=5) as r:
                    body = r.read().decode()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.5)
        assert '"tiny"' in body
        connections = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
        listening = [line for line in connections.splitlines() if f":{port} " in line]
        assert listening and all("127.0.0.1" in line for line in listening)
    finally:
        server.terminate()
        server.wait(timeout=30)


def _imports_of(command: list[str], cwd: Path) -> set[str]:
    """The modules a CLI command imported, run in a fresh process."""
    program = ("import json, sys; from codesign.cli import main; code = main(sys.argv[1:]); "
               "print(json.dumps(sorted(sys.modules)), file=sys.stderr); sys.exit(code)")
    done = subprocess.run([sys.executable, "-c", program, *command], capture_output=True,
                          text=True, cwd=cwd)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stderr.splitlines()[-1]))


def test_export_copies_the_trained_weights_without_importing_pytorch(finished_study,
                                                                   tmp_path):
    """A review command stays quick: the weights the training wrote alone are copied as
    bytes (issue 22: PyTorch's import alone is over a second)."""
    output = tmp_path / "design.yaml"
    imported = _imports_of(["export", *finished_study["args"], "--pick", "knee", "-o",
                            str(output)], ROOT)
    assert "torch" not in imported
    assert output.with_suffix(".ckpt").is_file()


def test_evaluate_imports_neither_lightning_nor_the_compiler(finished_study, tmp_path):
    """`evaluate` tests the weights in plain PyTorch (`trainer.deployed`): Lightning, the
    compiler stack a meta-device forward pulls in, and SciPy's statistics took 2 of its 6 s
    (issue 22)."""
    design = tmp_path / "design.yaml"
    assert main(["export", *finished_study["args"], "--pick", "knee", "-o", str(design)]) == 0
    imported = _imports_of(["evaluate", str(design)], tmp_path)
    assert not {"pytorch_lightning", "lightning_fabric", "torch._dynamo",
                "scipy.stats"} & imported
    assert "torch" in imported  # it did evaluate


def test_the_fronts_rows_alone_import_no_plotting(finished_study, tmp_path):
    """`pareto --format csv` without --out draws nothing, and does not import matplotlib
    (0.6 s of a command meant to take under 2 s)."""
    imported = _imports_of(["pareto", *finished_study["args"], "--format", "csv"], tmp_path)
    assert "matplotlib" not in imported and "torch" not in imported
    assert not list(tmp_path.iterdir())  # no figures written


def test_export_strips_the_checkpoint_when_the_weights_beside_it_are_older(finished_study,
                                                                          tmp_path):
    """A weights file older than its checkpoint (the checkpoint written again since) is not
    copied: the export strips the checkpoint itself."""
    import os

    import optuna

    study = optuna.load_study(study_name="tiny", storage=finished_study["storage"])
    design = next(t for t in study.trials if t.state.name == "COMPLETE")
    source = Path(design.user_attrs["checkpoint"])
    ready = weights_beside(source)
    kept, times = ready.read_bytes(), ready.stat()
    try:
        ready.write_bytes(b"stale")
        checkpoint_time = source.stat().st_mtime
        os.utime(ready, (checkpoint_time - 60, checkpoint_time - 60))
        output = tmp_path / "design.yaml"
        assert main(["export", *finished_study["args"], "--trial", str(design.number),
                     "-o", str(output)]) == 0
        assert output.with_suffix(".ckpt").read_bytes() == kept  # stripped: the same bytes
    finally:
        ready.write_bytes(kept)
        os.utime(ready, ns=(times.st_atime_ns, times.st_mtime_ns))


def test_an_exported_design_moves_and_evaluates_without_retraining(finished_study, tmp_path,
                                                                   capsys):
    import shutil

    import optuna

    study = optuna.load_study(study_name="tiny", storage=finished_study["storage"])
    sc = next(t.number for t in study.trials if t.params["input_mode"] == "sc")  # many N
    first = tmp_path / "exported"
    assert main(["export", *finished_study["args"], "--trial", str(sc),
                 "-o", str(first / "design.yaml")]) == 0
    text = (first / "design.yaml").read_text()
    assert str(finished_study["root"]) not in text  # no path into the search's folders
    document = yaml.safe_load(text)
    assert document["training"]["output_dir"] == "runs/train"
    assert document["checkpoint"] == "design.ckpt" and len(document["checkpoint_sha256"]) == 64
    again = tmp_path / "again"  # the same design exported again: the same bytes, same hash
    assert main(["export", *finished_study["args"], "--trial", str(sc),
                 "-o", str(again / "design.yaml")]) == 0
    assert (again / "design.yaml").read_text() == text
    assert (again / "design.ckpt").read_bytes() == (first / "design.ckpt").read_bytes()
    # the weights the training wrote beside its checkpoint are what the checkpoint stripped of
    # its optimizer state gives (the way for a study from before such files)
    source = Path(study.trials[sc].user_attrs["checkpoint"])
    ready = weights_beside(source)
    assert ready.read_bytes() == (first / "design.ckpt").read_bytes()
    stripped = tmp_path / "stripped.pt"
    write_weights(read_weights(source), stripped)
    assert stripped.read_bytes() == ready.read_bytes()

    moved = shutil.move(str(first), str(tmp_path / "elsewhere"))
    result = tmp_path / "evaluated.json"
    assert main(["evaluate", f"{moved}/design.yaml", "--json", str(result)]) == 0
    evaluated = json.loads(result.read_text())
    # the same weights, the same seeded (LFSR) streams and the same seeded error maps at the
    # design's weight bit-error rate: the search's number exactly
    ber = document["device_errors"]["evaluated_error_rate"]  # the model's rate, rounded up
    assert ber >= document["device_errors"]["weight_error_rate"] > 0  # the cell errs
    accuracy = evaluated["test_accuracy_by_ber"][ber_key(ber)]
    assert list(accuracy.values()) == [document["metrics"]["test_accuracy"]]
    assert main(["evaluate", f"{moved}/design.yaml", "--eval-lengths", "1", "4", "16",
                 "--json", str(result)]) == 0
    assert sorted(json.loads(result.read_text())["test_accuracy"]) == ["1", "16", "4"]
    assert "evaluated, not retrained" in capsys.readouterr().out


def test_status_and_pareto_print_csv_and_json_and_change_nothing(finished_study, capsys,
                                                                 tmp_path, monkeypatch):
    import csv
    import hashlib

    database = finished_study["storage"].removeprefix("sqlite:///")
    before = hashlib.sha256(Path(database).read_bytes()).hexdigest()
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    assert main(["status", *finished_study["args"], "--format", "json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["networks"]["trained"] == 3 and status["front"]
    assert {"design_trial", "network_trial", "val_accuracy", "energy_pj", "area_mm2",
            "bitstream_length", "tiles"} <= set(status["front"][0])
    assert main(["pareto", *finished_study["args"], "--format", "csv"]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert len(rows) == len(status["front"])
    assert 0 < float(rows[0]["val_accuracy"]) <= 1  # machine formats: fractions
    assert list(tmp_path.iterdir()) == []  # csv to stdout: no plots unless --out says
    assert hashlib.sha256(Path(database).read_bytes()).hexdigest() == before


def test_accuracy_limits_accept_percent_and_fraction(finished_study, tmp_path, capsys):
    picked = []
    for value in ("50", "0.5"):
        out = tmp_path / f"limit-{value}.yaml"
        assert main(["export", *finished_study["args"], "--pick", "min-energy",
                     "--min-accuracy", value, "-o", str(out)]) == 0
        picked.append(yaml.safe_load(out.read_text())["study"]["design_trial"])
    assert picked[0] == picked[1]
