"""Every command, every malformed input: exit code 2, one line on stderr naming the file, the
field or the option, no traceback, and nothing written (no file created or changed).

The cases run in-process (`codesign.cli.main`) in a folder that holds a small study (made
without training: `tests.codesign.stubs`), designs, checkpoints and malformed files; the
folder is the working directory, so a default output path would show up in it too.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest
import torch
import yaml

from codesign.cli import main
from codesign.engine.search import run_search
from codesign.problem.space import SearchSpace
from tests.codesign.stubs import stub_trainings
from tests.synthetic import FMNIST_FILES
from trainer.module import SCBNNModule

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DESIGN = ROOT / "examples" / "hw_fmnist_sc.yaml"
MALFORMED_FILES = {
    "missing.yaml": None,
    "folder.yaml": "folder",
    "binary.yaml": b"\x00\x01\xff\xfe\x89PNG binary",
    "latin1.yaml": "name: caf\xe9\n".encode("latin-1"),
    "tag.yaml": b"name: !!python/object/apply:os.system [ls]\n",
    "empty.yaml": b"",
    "list.yaml": b"- a\n- list\n",
    "broken.yaml": b"name: [unclosed\n",
    "dupkey.yaml": b"name: a\nseed: 1\nname: b\n",
    "dupnested.yaml": b"budget:\n  trials: 2\n  epochs: 1\n  trials: 500\n",
    "deep.yaml": b"name: " + b"[" * 1000 + b"]" * 1000 + b"\n",
    "bigint.yaml": b"seed: " + b"9" * 5000 + b"\n",
    "huge.yaml": b"# " + b"x" * (16 * 2**20) + b"\n",
    "fifo.yaml": "fifo",
}
FILE_PROBLEMS = {"missing.yaml": "no such file", "folder.yaml": "is a directory",
                 "binary.yaml": "not a UTF-8 text file", "latin1.yaml": "not a UTF-8 text file",
                 "tag.yaml": "invalid YAML", "empty.yaml": "expected a mapping",
                 "list.yaml": "expected a mapping", "broken.yaml": "invalid YAML",
                 "dupkey.yaml": "line 3: key name is given twice (first on line 1)",
                 "dupnested.yaml": "line 4: key budget.trials is given twice",
                 "deep.yaml": "nested deeper than 64 levels", "bigint.yaml": "invalid YAML",
                 "huge.yaml": "larger than 16 MiB", "fifo.yaml": "is a named pipe"}
HOSTILE_NAME = "bad\x1b[31mname\n\u202e.yaml"  # an escape sequence, a newline, a bidi override


def _merged(base: dict, overrides: dict) -> dict:
    result = dict(base)
    for key, value in overrides.items():
        both = isinstance(value, dict) and isinstance(result.get(key), dict)
        result[key] = _merged(result[key], value) if both else value
    return result


def _save_checkpoint(path: Path, training: dict) -> None:
    """A checkpoint as `fit` keeps it (weights and hyper-parameters), without training."""
    module = SCBNNModule(training, (1, 28, 28), 10)
    torch.save({"state_dict": module.state_dict(), "hyper_parameters": dict(module.hparams)},
               path)


@pytest.fixture(scope="module")
def world(tmp_path_factory, tiny_fmnist_dir) -> Path:
    """A study, an exported design with its variants, checkpoints and malformed files."""
    root = tmp_path_factory.mktemp("world")
    space = {
        "name": "tiny", "data": {"root": str(tiny_fmnist_dir), "download": False,
                                 "batch_size": 50},
        "model": {"family": "mlp", "hidden_layers": 1, "widths": [16, 32]},
        "input": {"modes": ["sc"], "bitstream_lengths": [1, 4, 16], "sngs": ["lfsr"],
                  "train_lengths": [4]},
        "hardware": {"tiles": [1, 4]}, "budget": {"trials": 2, "epochs": 1},
        "sampler": {"kind": "random", "seed": 0}, "output_dir": str(root / "runs"),
        "storage": f"sqlite:///{root / 'tiny.db'}",
    }
    (root / "space.yaml").write_text(yaml.safe_dump(space))
    with pytest.MonkeyPatch.context() as patch:
        stub_trainings(patch, SearchSpace.model_validate(space))
        run_search(SearchSpace.model_validate(space))
        assert main(["export", "--study", "tiny", "--storage", space["storage"], "--trial", "0",
                     "-o", str(root / "design.yaml")]) == 0
    design = yaml.safe_load((root / "design.yaml").read_text())
    training = design["training"]
    _save_checkpoint(root / "weights.ckpt", training)
    _save_checkpoint(root / "other.ckpt", _merged(training, {"model": {"hidden": [8]}}))
    variants = {
        "bad_space_technology": ("space", {"hardware": {"technology": "no_such_preset"}}),
        "bad_space_rows": ("space", {"hardware": {"array_rows": [1]}}),
        "bad_space_tiles": ("space", {"hardware": {"tiles": [2_000_000]}}),
        "bad_space_n": ("space", {"input": {"bitstream_lengths": [2**21]}}),
        "bad_space_widths": ("space", {"model": {"widths": [10**8]}}),
        "bad_space_accuracy": ("space", {"constraints": {"min_accuracy": 150}}),
        "bad_space_wall_time": ("space", {"budget": {"wall_time_s": float("inf")}}),
        "bad_space_output": ("space", {"output_dir": str(root / "afile" / "runs")}),
        "bad_space_data": ("space", {"data": {"root": str(root / "corrupt-data")}}),
        "design_inf": ("design", {"hardware": {"technology": {"mram": {
            "cell_area_um2": float("inf")}}}}),
        "design_wider": ("design", {"hardware": {"workload": {"hidden": [64]}}}),
        "design_other_n": ("design", {"hardware": {"architecture": {"bitstream_length": 2}}}),
        "design_zero_n": ("design", {"hardware": {"architecture": {"bitstream_length": 0}}}),
        "design_gone": ("design", {"checkpoint": "gone.ckpt"}),
        "design_badsha": ("design", {"checkpoint": "weights.ckpt",
                                     "checkpoint_sha256": "0" * 64}),
        "design_other_net": ("design", {"checkpoint": "other.ckpt"}),
        "bad_space_dotdot": ("space", {"name": ".."}),
        "bad_space_slash": ("space", {"name": "a/b"}),
        "bad_space_long_name": ("space", {"name": "n" * 300}),
        "bad_space_seed": ("space", {"sampler": {"seed": 2**70}}),
        "bad_space_val": ("space", {"data": {"val_fraction": 1e-9}}),
        "bad_space_maps": ("space", {"budget": {"error_maps": 10**9}}),
        "bad_space_memory": ("space", {"storage": "sqlite:///:memory:"}),
        "local_ray_space": ("space", {"execution": {"mode": "ray", "workers": 2}}),
        "design_up_name": ("design", {"training": {"name": "../../x"}}),
        "design_abs_name": ("design", {"training": {"name": "/abs"}}),
        "design_dup_preset": ("design", {"hardware": {"technology": "dup_preset.yaml"}}),
    }
    for name, (base, overrides) in variants.items():
        document = _merged(space if base == "space" else design, overrides)
        (root / f"{name}.yaml").write_text(yaml.safe_dump(document))
    technology = design["hardware"]["technology"]  # a preset file whose `name` is given twice
    (root / "dup_preset.yaml").write_text(yaml.safe_dump(technology, sort_keys=False)
                                          + f"name: {technology['name']}\n")
    (root / HOSTILE_NAME).write_text("name: x\n")
    (root / "elsewhere").mkdir()
    for link in ("link.yaml", "link.png"):  # planted: an output must not be written through
        (root / link).symlink_to(root / "elsewhere" / "target")
    for name, content in MALFORMED_FILES.items():
        if content == "fifo":
            os.mkfifo(root / name)
        elif content == "folder":
            (root / name).mkdir()
        elif content is not None:
            (root / name).write_bytes(content)
    (root / "afile").write_text("a file where a folder is expected\n")
    (root / "empty.db").write_bytes(b"")
    (root / "notes.log").write_text("a text file,\nnot an Optuna journal\n")
    corrupt = shutil.copytree(tiny_fmnist_dir, root / "corrupt-data")
    (corrupt / FMNIST_FILES["train_labels"]).write_bytes(b"\x1f\x8bnot really gzip")
    return root


STUDY = ["--study", "tiny", "--storage", "sqlite:///{w}/tiny.db"]
LONG = "n" * 300  # a file name longer than the filesystem allows (255 bytes)
EXPORT = ["export", *STUDY, "--trial", "0", "-o"]
SAFETY_CASES = [  # issue 21: inputs read strictly, outputs kept in place, nothing exposed
    *[pytest.param([command, "/dev/zero", *rest], ["/dev/zero", "character device"],
                   id=f"{command}-dev-zero") for command, rest in {
        "search": ["--no-progress"], "train": ["--no-progress"], "hw": [],
        "rtl": ["-o", "{w}/rtl-out"], "evaluate": []}.items()],
    pytest.param(["hw", f"{{w}}/{HOSTILE_NAME}"],
                 ["bad\\x1b[31mname\\n\\u202e.yaml"], id="hw-escaped-name"),
    pytest.param(["search", "{w}/space.yaml", "--storage", "sqlite://"], ["sqlite://",
                 "in-memory"], id="search-storage-memory"),
    pytest.param(["search", "{w}/bad_space_memory.yaml"], ["sqlite:///:memory:", "in-memory"],
                 id="search-yaml-storage-memory"),
    pytest.param(["search", "{w}/space.yaml", "--storage", "sqlite:///{w}/other.db"],
                 ["{w}/runs/tiny", "holds the files of study 'tiny'", "tiny.db"],
                 id="search-folder-of-another-storage"),
    pytest.param(["search", "{w}/bad_space_dotdot.yaml"], ["name", "file name"],
                 id="search-name-dotdot"),
    pytest.param(["search", "{w}/bad_space_slash.yaml"], ["name", "file name"],
                 id="search-name-slash"),
    pytest.param(["search", "{w}/bad_space_long_name.yaml"], ["name", "1..100"],
                 id="search-name-long"),
    pytest.param(["search", "{w}/bad_space_seed.yaml"], ["sampler.seed"], id="search-seed"),
    pytest.param(["search", "{w}/bad_space_val.yaml"], ["data.val_fraction", "no validation"],
                 id="search-val-fraction"),
    pytest.param(["search", "{w}/bad_space_maps.yaml"], ["budget.error_maps", "GiB"],
                 id="search-error-maps"),
    pytest.param(["search", "{w}/local_ray_space.yaml"], ["execution.mode", "--expose"],
                 id="search-local-ray"),
    pytest.param(["status", "--study", "tiny", "--storage", "sqlite://"], ["in-memory"],
                 id="status-storage-memory"),
    pytest.param(["train", "{w}/design_up_name.yaml"], ["training: name", "file name"],
                 id="train-name-up"),
    pytest.param(["train", "{w}/design_abs_name.yaml"], ["training: name", "file name"],
                 id="train-name-absolute"),
    pytest.param(["train", "{w}/design.yaml", "--set", "seed=1180591620717411303424"],
                 ["seed"], id="train-seed"),
    pytest.param(["train", "{w}/design.yaml", "--eval-lengths", "2147483648"],
                 ["input.eval_lengths", "GiB"], id="train-n-2-31"),
    pytest.param(["train", "{w}/design.yaml", "--set",
                  "weight_errors={eval_bers: [0.01], maps: 1000000000}"],
                 ["weight_errors.maps", "GiB"], id="train-error-maps"),
    pytest.param(["train", "{w}/design.yaml", "--set", "data.eval_batch_size=1000000000"],
                 ["GiB"], id="train-eval-batch"),
    pytest.param(["train", "{w}/design.yaml", "--set", "weight_errors={maps: 1, maps: 2}"],
                 ["key maps is given twice"], id="train-set-duplicate"),
    pytest.param(["train", "{w}/design.yaml", "--no-progress", "--set",
                  "data.val_fraction=0.000000001"], ["data.val_fraction", "no validation"],
                 id="train-val-fraction"),
    pytest.param(["train", "{w}/design.yaml", "--json", "{w}/newfolder/"],
                 ["newfolder/", "names a folder"], id="train-json-folder"),
    pytest.param(["train", "{w}/design.yaml", "--json", "/dev/full"],
                 ["/dev/full", "character device"], id="train-json-dev-full"),
    pytest.param(["train", "{w}/design.yaml", "--output-dir", f"{{w}}/{LONG}"],
                 ["--output-dir", "longer than 255 bytes"], id="train-output-long"),
    pytest.param(["hw", "{w}/design.yaml", "--json", "{w}/newfolder/"], ["names a folder"],
                 id="hw-json-folder"),
    pytest.param(["hw", "{w}/design.yaml", "--json", "/dev/full"], ["character device"],
                 id="hw-json-dev-full"),
    pytest.param(["hw", "{w}/design.yaml", "--plot", "{w}/link.png"],
                 ["symbolic link"], id="hw-plot-symlink"),
    pytest.param(["hw", "{w}/design_dup_preset.yaml"], ["dup_preset.yaml", "key name is given "
                 "twice"], id="hw-preset-duplicate-key"),
    pytest.param([*EXPORT, "{w}/newfolder/"], ["newfolder/", "names a folder"],
                 id="export-to-folder"),
    pytest.param([*EXPORT, "{w}/link.yaml"], ["link.yaml", "symbolic link"],
                 id="export-symlink"),
    pytest.param([*EXPORT, f"{{w}}/{LONG}.yaml"], ["longer than 255 bytes"],
                 id="export-long-name"),
    pytest.param([*EXPORT, "/dev/full"], ["/dev/full", "character device"],
                 id="export-dev-full"),
    pytest.param(["evaluate", "{w}/design.yaml", "--eval-lengths", "2147483648"],
                 ["input.eval_lengths", "GiB"], id="evaluate-n-2-31"),
    pytest.param(["evaluate", "{w}/design.yaml", "--checkpoint", "{w}/fifo.yaml"],
                 ["fifo.yaml", "named pipe"], id="evaluate-checkpoint-fifo"),
]
FILE_COMMANDS = {  # commands that read a YAML file, with the rest of their command line
    "search": ["--no-progress"], "train": ["--no-progress"], "hw": [],
    "rtl": ["-o", "{w}/rtl-out"], "evaluate": [],
}
CASES = [
    *[pytest.param([command, f"{{w}}/{name}", *rest], [name, problem],
                   id=f"{command}-{name.removesuffix('.yaml')}")
      for command, rest in FILE_COMMANDS.items() for name, problem in FILE_PROBLEMS.items()],
    # search
    pytest.param(["search", "{w}/space.yaml", "--workers", "0"], ["--workers"], id="search-w0"),
    pytest.param(["search", "{w}/space.yaml", "--workers", "abc"], ["--workers"],
                 id="search-wabc"),
    pytest.param(["search", "{w}/space.yaml", "--accelerator", "tpu"], ["--accelerator"],
                 id="search-tpu"),
    pytest.param(["search", "{w}/space.yaml", "--storage", "foo://x"], ["storage foo://x"],
                 id="search-storage-scheme"),
    pytest.param(["search", "{w}/bad_space_technology.yaml"], ["hardware.technology"],
                 id="search-technology"),
    pytest.param(["search", "{w}/bad_space_rows.yaml"], ["hardware.array_rows", "2..16384"],
                 id="search-rows"),
    pytest.param(["search", "{w}/bad_space_tiles.yaml"], ["hardware.tiles"], id="search-tiles"),
    pytest.param(["search", "{w}/bad_space_n.yaml"], ["input.bitstream_lengths"],
                 id="search-n"),
    pytest.param(["search", "{w}/bad_space_widths.yaml"], ["widths", "65536"],
                 id="search-widths"),
    pytest.param(["search", "{w}/bad_space_accuracy.yaml"], ["constraints.min_accuracy"],
                 id="search-accuracy"),
    pytest.param(["search", "{w}/bad_space_wall_time.yaml"], ["budget.wall_time_s"],
                 id="search-inf"),
    pytest.param(["search", "{w}/bad_space_output.yaml"], ["output_dir", "not a folder"],
                 id="search-output"),
    pytest.param(["search", "{w}/bad_space_data.yaml"], ["data:", FMNIST_FILES["train_labels"]],
                 id="search-corrupt-data"),
    # status
    pytest.param(["status", *STUDY, "--top", "0"], ["--top"], id="status-top"),
    pytest.param(["status", *STUDY, "--format", "xml"], ["--format"], id="status-format"),
    pytest.param(["status", "--study", "nope", "--storage", "sqlite:///{w}/tiny.db"],
                 ["study 'nope' not found"], id="status-study"),
    pytest.param(["status", "--study", "tiny", "--storage", "sqlite:///{w}/none.db"],
                 ["no such database"], id="status-no-db"),
    pytest.param(["status", "--study", "tiny", "--storage", "journal:{w}/none.log"],
                 ["no such journal file"], id="status-no-journal"),
    pytest.param(["status", "--study", "tiny", "--storage", "journal:{w}/notes.log"],
                 ["journal:{w}/notes.log"], id="status-foreign-journal"),
    pytest.param(["status", "--study", "tiny", "--storage", "sqlite:///{w}/empty.db"],
                 ["not an Optuna storage"], id="status-foreign-db"),
    pytest.param(["status", "--storage", "sqlite:///{w}/tiny.db"], ["--study"],
                 id="status-no-study"),
    # pareto
    pytest.param(["pareto", *STUDY, "--out", "{w}/afile"], ["--out", "not a folder"],
                 id="pareto-out-file"),
    pytest.param(["pareto", *STUDY, "--out", "{w}/afile/plots"], ["--out"],
                 id="pareto-out-under-file"),
    pytest.param(["pareto", *STUDY, "--top", "-1"], ["--top"], id="pareto-top"),
    pytest.param(["pareto", *STUDY, "--format", "yaml"], ["--format"], id="pareto-format"),
    # export
    pytest.param(["export", *STUDY, "--trial", "0", "-o", "{w}/afile/d.yaml"], ["-o"],
                 id="export-under-file"),
    pytest.param(["export", *STUDY, "--trial", "0", "-o", "{w}"], ["-o", "is a directory"],
                 id="export-folder"),
    pytest.param(["export", *STUDY, "--trial", "0", "-o", "{w}/d.ckpt"], ["-o"],
                 id="export-ckpt-name"),
    pytest.param(["export", *STUDY, "--trial", "9999", "-o", "{w}/d.yaml"], ["--trial 9999"],
                 id="export-trial"),
    pytest.param(["export", *STUDY, "--pick", "knee", "--min-accuracy", "150", "-o",
                  "{w}/d.yaml"], ["--min-accuracy", "percentage"], id="export-accuracy"),
    pytest.param(["export", *STUDY, "--pick", "knee", "--min-accuracy", "100", "-o",
                  "{w}/d.yaml"], ["--pick knee", "no design"], id="export-no-design"),
    pytest.param(["export", *STUDY, "--pick", "knee", "--max-energy-pj", "nan", "-o",
                  "{w}/d.yaml"], ["--max-energy-pj"], id="export-nan"),
    pytest.param(["export", *STUDY, "--pick", "knee", "--max-area-mm2", "-1", "-o",
                  "{w}/d.yaml"], ["--max-area-mm2"], id="export-negative"),
    pytest.param(["export", *STUDY, "--pick", "best", "-o", "{w}/d.yaml"], ["--pick"],
                 id="export-pick"),
    pytest.param(["export", *STUDY, "--trial", "0", "--pick", "knee", "-o", "{w}/d.yaml"],
                 ["--pick"], id="export-both"),
    # dashboard
    pytest.param(["dashboard"], ["--study"], id="dashboard-nothing"),
    pytest.param(["dashboard", *STUDY, "--port", "70000"], ["--port"], id="dashboard-port"),
    pytest.param(["dashboard", *STUDY, "--port", "http"], ["--port"], id="dashboard-port-word"),
    pytest.param(["dashboard", *STUDY, "--host", "999.1.1.1"], ["--host"],
                 id="dashboard-host"),
    pytest.param(["dashboard", "--study", "tiny", "--storage", "sqlite:///{w}/none.db",
                  "--port", "1"], ["no such database"], id="dashboard-no-db"),
    # train
    pytest.param(["train", "{w}/design.yaml", "--epochs", "0"], ["--epochs"], id="train-epochs"),
    pytest.param(["train", "{w}/design.yaml", "--eval-lengths", "0"], ["--eval-lengths"],
                 id="train-lengths"),
    pytest.param(["train", "{w}/design.yaml", "--json", "{w}/afile/r.json"], ["--json"],
                 id="train-json"),
    pytest.param(["train", "{w}/design.yaml", "--output-dir", "{w}/afile/out"],
                 ["--output-dir"], id="train-output"),
    pytest.param(["train", "{w}/design.yaml", "--set", "input.sgn=1"], ["input.sgn"],
                 id="train-set-key"),
    pytest.param(["train", "{w}/design.yaml", "--set", "optim.lr=.inf"], ["optim.lr"],
                 id="train-set-inf"),
    pytest.param(["train", "{w}/design.yaml", "--accelerator", "tpu"], ["--accelerator"],
                 id="train-accelerator"),
    # hw
    pytest.param(["hw", "{w}/design_inf.yaml"], ["technology.mram.cell_area_um2", "finite"],
                 id="hw-inf"),
    pytest.param(["hw", "{w}/design_wider.yaml"], ["hardware.workload", "different designs"],
                 id="hw-sections-workload"),
    pytest.param(["hw", "{w}/design_other_n.yaml"], ["bitstream_length is 2"],
                 id="hw-sections-n"),
    pytest.param(["hw", "{w}/design.yaml", "--json", "{w}/afile/r.json"], ["--json"],
                 id="hw-json"),
    pytest.param(["hw", "{w}/design.yaml", "--technology", "no_such_preset"], ["technology"],
                 id="hw-technology"),
    pytest.param(["hw", "--paper-check", "--tiles", "0"], ["--tiles"], id="hw-tiles"),
    pytest.param(["hw"], ["DESIGN.yaml"], id="hw-nothing"),
    # rtl
    pytest.param(["rtl", str(EXAMPLE_DESIGN), "-o", "{w}/afile"], ["-o", "not a folder"],
                 id="rtl-output"),
    pytest.param(["hw", "{w}/design.yaml", "--plot", "{w}/afile/x.png"], ["--plot",
                 "afile is not a folder"], id="hw-plot-under-file"),
    pytest.param(["hw", "{w}/design.yaml", "--plot", "{w}/plot.xyz"], ["--plot", "format"],
                 id="hw-plot-format"),
    pytest.param(["rtl", "{w}/design_wider.yaml", "-o", "{w}/rtl-out"], ["hardware.workload"],
                 id="rtl-sections"),
    pytest.param(["rtl", "{w}/design_zero_n.yaml", "-o", "{w}/rtl-out"],
                 ["architecture.bitstream_length"], id="rtl-zero-n"),
    *SAFETY_CASES,
    # evaluate
    pytest.param(["evaluate", "{w}/design.yaml"], ["checkpoint: no weights"],
                 id="evaluate-no-weights"),
    pytest.param(["evaluate", "{w}/design_gone.yaml"], ["gone.ckpt", "no such file"],
                 id="evaluate-gone"),
    pytest.param(["evaluate", "{w}/design.yaml", "--checkpoint", "{w}/afile"],
                 ["checkpoint", "not a PyTorch checkpoint"], id="evaluate-garbage"),
    pytest.param(["evaluate", "{w}/design_badsha.yaml"], ["sha256"], id="evaluate-sha"),
    pytest.param(["evaluate", "{w}/design_other_net.yaml"], ["training.model", "other.ckpt"],
                 id="evaluate-other-network"),
    pytest.param(["evaluate", "{w}/design_wider.yaml"], ["hardware.workload"],
                 id="evaluate-sections"),
    pytest.param(["evaluate", "{w}/design.yaml", "--checkpoint", "{w}/weights.ckpt",
                  "--json", "{w}/afile/e.json"], ["--json"], id="evaluate-json"),
    pytest.param(["evaluate", "{w}/design.yaml", "--eval-lengths", "0"], ["--eval-lengths"],
                 id="evaluate-lengths"),
]


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(path.relative_to(folder)): (path.lstat().st_size, path.lstat().st_mtime_ns)
            for path in sorted(folder.rglob("*"))}  # links themselves, never their targets


def _assert_one_line_and_nothing_written(world, before, code, capsys, culprits) -> None:
    captured = capsys.readouterr()
    err = captured.err.strip()
    assert code == 2, captured
    assert "Traceback" not in captured.err + captured.out
    assert len(err.splitlines()) == 1, err
    for culprit in culprits:
        assert culprit.replace("{w}", str(world)) in err, err
    assert _snapshot(world) == before, "a file was created or changed"


@pytest.mark.parametrize(("argv", "culprits"), CASES)
def test_malformed_input_is_one_line_exit_2_and_nothing_written(world, capsys, monkeypatch,
                                                                argv, culprits):
    monkeypatch.chdir(world)  # default output folders would land here: the snapshot sees them
    before = _snapshot(world)
    code = main([part.replace("{w}", str(world)) for part in argv])
    _assert_one_line_and_nothing_written(world, before, code, capsys, culprits)


def test_a_port_in_use_is_one_line(world, capsys, monkeypatch):
    monkeypatch.chdir(world)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        before = _snapshot(world)
        code = main(["dashboard", *[p.replace("{w}", str(world)) for p in STUDY],
                     "--port", str(port)])
    _assert_one_line_and_nothing_written(world, before, code, capsys, ["--port", str(port)])


def test_a_diverging_training_is_one_line(world, capsys, monkeypatch):
    from trainer import fit
    from trainer.module import TrainingDiverged

    def diverge(config, **options):
        raise TrainingDiverged("training loss became nan in epoch 0 (checked at step 10)")

    monkeypatch.setattr(fit, "fit", diverge)
    monkeypatch.chdir(world)
    before = _snapshot(world)
    code = main(["train", str(world / "design.yaml"), "--no-progress"])
    _assert_one_line_and_nothing_written(world, before, code, capsys,
                                         ["design.yaml", "diverged", "optim.lr"])


def test_the_suite_covers_every_command():
    from codesign.commands import COMMAND_MODULES

    commands = {module.__name__.rsplit(".", 1)[-1] for module in COMMAND_MODULES}
    covered = {param.values[0][0] for param in CASES if param.values[0]}
    assert commands <= covered, commands - covered
    assert len(CASES) + 2 >= 160
