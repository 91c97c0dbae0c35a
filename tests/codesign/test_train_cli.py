"""`python -m codesign train`: errors are one line with exit code 2; a valid file trains."""

import json
import subprocess
import sys

import pytest
import yaml

from codesign.cli import main


def _write(path, document):
    path.write_text(yaml.safe_dump(document) if not isinstance(document, str) else document)
    return path


def _tiny_config(root, output_dir):
    return {
        "name": "cli-tiny",
        "data": {"dataset": "fashion_mnist", "root": str(root), "download": False,
                 "batch_size": 50, "eval_batch_size": 100},
        "model": {"kind": "mlp", "hidden": [32]},
        "input": {"mode": "sc", "length": 4, "eval_lengths": [1, 4, 16]},
        "optim": {"epochs": 2},
        "output_dir": str(output_dir),
        "accelerator": "cpu",
    }


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        ({"input": {"lenght": 16}}, "input.lenght: unknown key"),
        ({"input": {"length": "many"}}, "input.length"),
        ({"input": {"length": 0}}, "input.length"),
        ({"input": {"sng": {"kind": "quantum"}}}, "input.sng.kind"),
        ({"model": {"kind": "mlp", "hidden": []}}, "model.mlp.hidden"),
        ({"input": {"mode": "fixed_point", "training": "non_adapted"}}, "non_adapted"),
        ({"input": {"eval_lengths": []}}, "input.eval_lengths"),
        ({"weight_errors": {"train_ber": 0.7}}, "weight_errors.train_ber"),
        ({"weight_errors": {"eval_bers": [0.001, -0.1]}}, "weight_errors.eval_bers"),
        ({"weight_errors": {"maps": 0}}, "weight_errors.maps"),
        ("input: [unclosed", "invalid YAML"),
        ("- just\n- a list\n", "mapping"),
    ],
)
def test_malformed_model_yaml_is_one_line_exit_2(tmp_path, capsys, document, expected):
    path = _write(tmp_path / "model.yaml", document)
    assert main(["train", str(path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err
    assert str(path) in err.replace("\n", "")
    assert expected in err


def test_missing_file_is_one_line_exit_2(tmp_path, capsys):
    assert main(["train", str(tmp_path / "absent.yaml")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_missing_dataset_says_how_to_get_it(tmp_path, capsys):
    config = _tiny_config(tmp_path / "empty", tmp_path / "runs")
    (tmp_path / "empty").mkdir()
    path = _write(tmp_path / "model.yaml", config)
    assert main(["train", str(path), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert str(tmp_path / "empty") in err


def test_subprocess_error_has_no_traceback(tmp_path):
    path = _write(tmp_path / "model.yaml", {"optim": {"epochs": -1}})
    done = subprocess.run(
        [sys.executable, "-m", "codesign", "train", str(path)],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert "optim.epochs" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_train_runs_and_reports_every_length(tmp_path, tiny_fmnist_dir, capsys):
    path = _write(tmp_path / "model.yaml", _tiny_config(tiny_fmnist_dir, tmp_path / "runs"))
    out = tmp_path / "result.json"
    assert main(["train", str(path), "--no-progress", "--json", str(out)]) == 0
    result = json.loads(out.read_text())
    assert sorted(int(n) for n in result["test_accuracy"]) == [1, 4, 16]
    assert max(result["test_accuracy"].values()) > 0.5  # 10 classes: chance is 0.1
    assert "test accuracy" in capsys.readouterr().out


def test_train_accepts_the_training_section_of_an_exported_design(tmp_path, tiny_fmnist_dir):
    exported = {
        "training": _tiny_config(tiny_fmnist_dir, tmp_path / "runs"),
        "hardware": {"anything": "train ignores this section"},
    }
    path = _write(tmp_path / "design.yaml", exported)
    out = tmp_path / "result.json"
    assert main(["train", str(path), "--no-progress", "--epochs", "1", "--json", str(out)]) == 0
    assert json.loads(out.read_text())["epochs_run"] == 1


def test_set_overrides_any_field_with_yaml_values(tmp_path, tiny_fmnist_dir):
    path = _write(tmp_path / "model.yaml", _tiny_config(tiny_fmnist_dir, tmp_path / "runs"))
    out = tmp_path / "result.json"
    assert main(["train", str(path), "--no-progress", "--json", str(out),
                 "--set", "input.sng.kind=sobol", "--set", "input.eval_lengths=[2, 8]",
                 "--set", "optim.epochs=1"]) == 0
    result = json.loads(out.read_text())
    assert result["config"]["input"]["sng"]["kind"] == "sobol"
    assert sorted(result["test_accuracy"]) == ["2", "8"] and result["epochs_run"] == 1


def test_train_reports_accuracy_at_weight_bit_error_rates(tmp_path, tiny_fmnist_dir, capsys):
    """`--set weight_errors.eval_bers=[...]`: a table of accuracy against BER, in the JSON the
    correct decisions of every (rate, map, N), and BER 0 equal to the clean accuracy."""
    path = _write(tmp_path / "model.yaml", _tiny_config(tiny_fmnist_dir, tmp_path / "runs"))
    out = tmp_path / "result.json"
    assert main(["train", str(path), "--no-progress", "--json", str(out), "--epochs", "1",
                 "--set", "weight_errors={eval_bers: [0, 0.02, 0.4], maps: 2}"]) == 0
    assert "weight bit errors" in capsys.readouterr().out
    result = json.loads(out.read_text())
    sweep = result["test_error_sweep"]
    assert sweep["bers"] == [0.0, 0.02, 0.4] and sweep["maps"] == 2
    correct = sweep["correct"]  # (rates, maps, lengths)
    clean = [round(result["test_accuracy"][str(n)] * sweep["total"]) for n in sweep["lengths"]]
    assert correct[0][0] == correct[0][1] == clean
    assert sweep["flipped"][0] == [0, 0] and all(f > 0 for f in sweep["flipped"][2])


@pytest.mark.parametrize(("flags", "expected"), [
    (["--set", "input.sng.kind"], "--set input.sng.kind: expected KEY=VALUE"),
    (["--set", "input..kind=x"], "expected KEY=VALUE"),
    (["--set", "input.sgn.kind=sobol"], "input.sgn: unknown key"),
    (["--set", "input.length=[1"], "invalid YAML"),
    (["--set", "weight_errors={maps: 1, maps: 2}"], "key maps is given twice"),
    (["--epochs", "0"], "--epochs: 0 must be at least 1"),
])
def test_bad_overrides_are_one_line(tmp_path, tiny_fmnist_dir, capsys, flags, expected):
    path = _write(tmp_path / "model.yaml", _tiny_config(tiny_fmnist_dir, tmp_path / "runs"))
    assert main(["train", str(path), *flags]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and expected in err
    assert not (tmp_path / "runs").exists()
