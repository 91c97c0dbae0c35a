"""Safe and sound (issue 21): no study lost or overwritten, resume exact, inputs read strictly,
outputs kept in their folder and never written through links, control characters escaped,
connections bounded, nothing listening beyond loopback unless asked.

Properties are checked on generated hostile inputs (hypothesis) where a list would miss
cases; the searches here train nothing (`tests.codesign.stubs`) unless a test says so.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import unicodedata
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from optuna.trial import TrialState

from codesign.cli import main
from codesign.engine import liveness
from codesign.engine.search import run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import load_network_study
from codesign.problem.compiled import compile_problem
from codesign.problem.space import SearchSpace
from hwmodel.strict_yaml import DocumentError, parse_yaml
from tests.codesign.stubs import stub_trainings
from trainer.config import TrainConfig

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE_DESIGN = ROOT / "examples" / "hw_fmnist_sc.yaml"
HOSTILE = ["..", ".", "", "/", "/abs", "../../x", "a/b", "a\\b", "-rf", ".hidden", "x" * 300,
           "a\x00b", "new\nline", "esc\x1b[31m", "bidi\u202e", "~", "con", " ", "a..b"]
hostile_names = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40),
                          st.lists(st.sampled_from(["..", ".", "", "a", "\n", "x" * 120]),
                                   max_size=4).map("/".join))
FAST = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def _files(folder: Path) -> set[Path]:
    return {path for path in folder.rglob("*")}


# --- names: any name names one folder inside its parent, or is refused -----------------------


@FAST
@given(name=hostile_names)
def test_a_training_name_is_one_folder_inside_output_dir_or_refused(name):
    try:
        config = TrainConfig.model_validate({"name": name, "output_dir": "/runs/out"})
    except ValueError:
        return
    folder = Path(config.output_dir) / config.name
    assert folder.parent == Path("/runs/out") and folder.name == name  # one component
    assert name not in (".", "..") and not name.startswith(("-", "."))


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=hostile_names)
def test_a_study_name_keeps_every_file_inside_output_dir_or_is_refused(
        tiny_space, write_space, tmp_path_factory, monkeypatch, capsys, name):
    root = tmp_path_factory.mktemp("names")
    spec = tiny_space(name="placeholder", budget={"trials": 1},
                      output_dir=str(root / "out" / "runs"),
                      storage=f"sqlite:///{root / 'study.db'}")
    spec["name"] = name
    path = root / "space.yaml"
    path.write_text(yaml.safe_dump(spec))
    monkeypatch.chdir(root)
    capsys.readouterr()
    try:
        space = SearchSpace.model_validate(spec)
    except ValueError:
        code = main(["search", str(path), "--no-progress"])
        err = capsys.readouterr().err.strip()
        assert code == 2 and len(err.splitlines()) == 1 and "name" in err
        assert _files(root) == {path}  # nothing written
        return
    stub_trainings(monkeypatch, space)
    run_search(space)
    written = _files(root) - {path, root / "study.db", root / "out", root / "out" / "runs"}
    folder = (root / "out" / "runs" / name).resolve()
    assert written and all(p.resolve() == folder or folder in p.resolve().parents
                           for p in written)


# --- messages: control characters never reach the terminal ----------------------------------


@FAST
@given(name=st.text(alphabet=st.characters(blacklist_characters="/\x00"), min_size=1,
                    max_size=30))
@example(name="a\ud800b")  # a lone surrogate: no file system can hold the name
def test_a_path_is_echoed_with_its_control_characters_escaped(tmp_path, capsys, name):
    code = main(["hw", str(tmp_path / name)])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1  # one line, ended by the only newline
    hidden = [c for c in err.rstrip("\n")
              if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp")]
    assert not hidden, err


# --- documents: a key given twice is refused with its path -------------------------------------


keys = st.text(alphabet="abcdefghij_", min_size=1, max_size=6)
trees = st.recursive(st.integers(0, 9) | st.booleans(),
                     lambda inner: st.dictionaries(keys, inner, min_size=1, max_size=4),
                     max_leaves=12).filter(lambda tree: isinstance(tree, dict))


def _emit(tree: dict, duplicate: tuple[str, ...], indent: str = "") -> str:
    """Block YAML of `tree`, with the key at path `duplicate` written twice."""
    lines = []
    for key, value in tree.items():
        twice = len(duplicate) == 1 and duplicate[0] == key
        inner = duplicate[1:] if duplicate and duplicate[0] == key else ()
        for _ in range(2 if twice else 1):
            if isinstance(value, dict):
                lines.append(f"{indent}{key}:\n{_emit(value, inner, indent + '  ')}")
            else:
                lines.append(f"{indent}{key}: {str(value).lower()}\n")
    return "".join(lines)


def _paths(tree: dict, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = []
    for key, value in tree.items():
        found.append((*prefix, key))
        if isinstance(value, dict):
            found += _paths(value, (*prefix, key))
    return found


@FAST
@given(tree=trees, data=st.data())
def test_a_key_given_twice_anywhere_is_refused_with_its_path(tree, data):
    duplicate = data.draw(st.sampled_from(_paths(tree)))
    text = _emit(tree, duplicate)
    assert parse_yaml(_emit(tree, ()), "doc") == tree  # the same document, once: as written
    with pytest.raises(DocumentError, match=f"key {'.'.join(duplicate)} is given twice"):
        parse_yaml(text, "doc")


# --- outputs: never written through a link planted in an output folder ----------------------


@pytest.fixture
def small_design(tmp_path) -> Path:
    """A design small enough that its Verilog is a few kB (the example's SNG bank is 3 MB)."""
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump({
        "workload": {"kind": "mlp", "input_size": 16, "hidden": [8], "num_classes": 4},
        "architecture": {"first_layer_mode": "sc", "sng_kind": "lfsr", "array_cols": 16,
                         "array_rows": 16, "lfsr_width_bits": 12, "bitstream_length": 8},
        "technology": "stt_mram_28nm"}))
    return path


def _plant(link: Path, target: Path) -> None:
    target.write_text("precious\n")
    link.symlink_to(target)


def test_rtl_replaces_a_planted_link_and_leaves_its_target_alone(small_design, tmp_path):
    out = tmp_path / "rtl"
    out.mkdir()
    _plant(out / "manifest.json", tmp_path / "precious.txt")
    assert main(["rtl", str(small_design), "-o", str(out)]) == 0
    assert (tmp_path / "precious.txt").read_text() == "precious\n"
    assert not (out / "manifest.json").is_symlink() and (out / "manifest.json").is_file()
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary left


@pytest.fixture
def small_study(tiny_space, tmp_path, monkeypatch):
    """A stub search of two networks in tmp_path (the working directory), its checkpoints
    real files (`ckN.ckpt` in the working directory, where the stub records them)."""
    import torch

    from trainer.module import SCBNNModule

    monkeypatch.chdir(tmp_path)
    spec = tiny_space(budget={"trials": 2}, input={"modes": ["sc"], "sngs": ["lfsr"],
                                                  "bitstream_lengths": [1, 4, 16]})
    space = SearchSpace.model_validate(spec)
    stub_trainings(monkeypatch, space)
    run_search(space)
    networks = load_network_study(open_storage(space.storage_url), "tiny")
    for trial in networks.trials:
        if "train_config" not in trial.user_attrs:  # a duplicate proposal: nothing trained
            continue
        module = SCBNNModule(trial.user_attrs["train_config"], (1, 28, 28), 10)
        torch.save({"state_dict": module.state_dict(), "hyper_parameters": dict(module.hparams)},
                   tmp_path / f"ck{trial.number}.ckpt")
    return space


def test_export_refuses_and_pareto_replaces_planted_links(small_study, tmp_path, capsys):
    study = ["--study", "tiny", "--storage", small_study.storage_url]
    (tmp_path / "out").mkdir()
    _plant(tmp_path / "out" / "d.ckpt", tmp_path / "precious-ckpt.txt")
    _plant(tmp_path / "out" / "pareto.png", tmp_path / "precious-png.txt")
    assert main(["export", *study, "--trial", "0", "-o", str(tmp_path / "out" / "d.yaml")]) == 2
    assert "d.ckpt: is a symbolic link" in _one_line(capsys)
    assert not (tmp_path / "out" / "d.yaml").exists()
    assert main(["pareto", *study, "--out", str(tmp_path / "out")]) == 0
    for name in ("precious-ckpt.txt", "precious-png.txt"):
        assert (tmp_path / name).read_text() == "precious\n"
    assert not (tmp_path / "out" / "pareto.png").is_symlink()
    assert (tmp_path / "out" / "pareto.png").read_bytes().startswith(b"\x89PNG")


def test_search_refuses_a_study_subfolder_planted_as_a_link(tiny_space, tmp_path, monkeypatch,
                                                             capsys):
    space = SearchSpace.model_validate(tiny_space(budget={"trials": 1}))
    stub_trainings(monkeypatch, space)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    study_folder = Path(space.output_dir) / "tiny"
    study_folder.mkdir(parents=True)
    (study_folder / "design_points").symlink_to(elsewhere)
    with pytest.raises(Exception, match="outside") as refused:
        run_search(space)
    assert "design_points" in str(refused.value)
    assert not list(elsewhere.iterdir())  # nothing written through the link
    networks = load_network_study(open_storage(space.storage_url), "tiny")
    assert all(t.state != TrialState.RUNNING for t in networks.trials)


# --- studies: one folder per (storage, name) ------------------------------------------------


def test_a_study_folder_belongs_to_one_storage(small_study, tiny_space, tmp_path, monkeypatch,
                                               capsys, write_space):
    tables = sorted((tmp_path / "runs" / "tiny" / "design_points").iterdir())
    before = {path: path.read_bytes() for path in tables}
    other = write_space(tiny_space(budget={"trials": 2},
                                   storage=f"sqlite:///{tmp_path / 'other.db'}"), "other.yaml")
    assert main(["search", str(other), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "holds the files of study 'tiny'" in err
    assert not (tmp_path / "other.db").exists()
    assert {path: path.read_bytes() for path in tables} == before
    more = small_study.model_dump(mode="json") | {"budget": {"trials": 3, "epochs": 2}}
    assert main(["search", str(write_space(more, "more.yaml")), "--no-progress"]) == 0


def test_pareto_keeps_out_of_another_studys_folder(small_study, tiny_space, tmp_path,
                                                   monkeypatch, capsys):
    other = SearchSpace.model_validate(tiny_space(
        budget={"trials": 1}, output_dir=str(tmp_path / "elsewhere"),
        storage=f"sqlite:///{tmp_path / 'other.db'}"))
    stub_trainings(monkeypatch, other)
    run_search(other)
    before = _files(tmp_path / "runs")
    assert main(["pareto", "--study", "tiny", "--storage", other.storage_url]) == 0
    assert (tmp_path / "elsewhere" / "tiny" / "pareto.png").is_file()  # its own folder
    assert _files(tmp_path / "runs") == before
    shutil.rmtree(tmp_path / "elsewhere")  # gone: the default is runs/tiny, another study's
    capsys.readouterr()
    assert main(["pareto", "--study", "tiny", "--storage", other.storage_url]) == 2
    err = capsys.readouterr().err.strip()
    assert "holds the files of study" in err and _files(tmp_path / "runs") == before


def test_storages_that_cannot_persist_are_refused(tiny_space, write_space, capsys, tmp_path):
    for url in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:x?mode=memory&uri=true"):
        assert main(["search", str(write_space(tiny_space())), "--storage", url]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "in-memory" in err
    assert not (tmp_path / "runs").exists()


# --- resume: a dead driver's trial is failed at once and trained again -----------------------


def _dead_pid() -> int:
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


def test_liveness_knows_a_dead_driver_on_this_host():
    me = liveness.holder_record()
    assert not liveness.holder_gone(me)
    assert liveness.holder_gone({**me, "pid": _dead_pid()})
    assert liveness.holder_gone({**me, "started": "0"})  # the pid now names another process
    if me["boot_id"] is not None:
        assert liveness.holder_gone({**me, "boot_id": "an-earlier-boot"})
    assert not liveness.holder_gone({**me, "host": "another-machine", "pid": _dead_pid()})
    assert not liveness.holder_gone(None)  # a trial of an older version: the grace period


def test_a_dead_drivers_trial_is_retrained_at_once(tiny_space, monkeypatch, capsys):
    """Two networks in the space, a budget of two: one trained, the other left RUNNING by a
    driver that died (its heartbeat fresh). The rerun must train it, not wait for the grace
    period nor call the space exhausted."""
    spec = tiny_space(model={"widths": [16]}, input={"modes": ["sc", "fixed_point"],
                                                     "sngs": ["ideal"]},
                      budget={"trials": 1})
    space = SearchSpace.model_validate(spec)
    stub_trainings(monkeypatch, space)
    run_search(space)
    storage = open_storage(space.storage_url)
    networks = load_network_study(storage, "tiny")
    trained = networks.trials[-1].user_attrs["network_key"]
    other = "fixed_point" if "sc" in trained else "sc"
    networks.enqueue_trial({"input_mode": other})
    dead = networks.ask()
    network = compile_problem(space).design_space.suggest_network(dead)
    dead.set_user_attr("network_key", network.key())
    dead.set_user_attr(liveness.HOLDER_ATTR, {**liveness.holder_record(), "pid": _dead_pid()})
    dead.set_user_attr(liveness.HEARTBEAT_ATTR, time.time())
    started = time.monotonic()
    summary = run_search(SearchSpace.model_validate({**spec, "budget": {"trials": 2,
                                                                        "epochs": 2}}))
    assert time.monotonic() - started < 30  # not the 90 s grace period
    assert summary.networks_trained == 1 and "budget" in summary.stopped_because
    trials = load_network_study(storage, "tiny").trials
    assert trials[dead.number].state == TrialState.FAIL
    assert trials[dead.number].user_attrs["outcome"] == "abandoned"
    keys = [t.user_attrs["network_key"] for t in trials if t.state == TrialState.COMPLETE]
    assert sorted(keys) == sorted([trained, network.key()])
    assert main(["status", "--study", "tiny", "--storage", space.storage_url,
                 "--format", "json"]) == 0
    counts = json.loads(capsys.readouterr().out)["networks"]
    assert counts["interrupted"] == 1 and counts["trained"] == 2 and counts["running"] == 0


# --- full disks: one line naming the file, nothing partial, a clean rerun --------------------


def _one_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


def test_a_full_disk_in_hw_plot_and_rtl_is_one_line_and_leaves_nothing(small_design, tmpfs,
                                                                         capsys):
    disk = tmpfs("12k")  # three pages: a figure, or the Verilog of every block, won't fit
    assert main(["hw", str(EXAMPLE_DESIGN), "--plot", str(disk / "breakdown.png")]) == 2
    err = _one_line(capsys)
    assert "breakdown.png: cannot write" in err and "No space left" in err
    assert main(["rtl", str(small_design), "-o", str(disk / "rtl")]) == 2
    err = _one_line(capsys)
    assert "cannot write" in err and "No space left" in err
    assert list(disk.iterdir()) == []  # no partial figure, no partial Verilog, no folder


def test_a_full_disk_in_export_names_the_file_being_written(small_study, tmpfs, capsys):
    disk = tmpfs("4k")
    assert main(["export", "--study", "tiny", "--storage", small_study.storage_url,
                 "--trial", "0", "-o", str(disk / "d.yaml")]) == 2
    err = _one_line(capsys)
    assert str(disk) in err and "cannot write" in err and "cannot read" not in err
    assert list(disk.iterdir()) == []


def test_a_full_output_disk_stops_the_search_cleanly_and_a_rerun_finishes(
        tiny_space, tmpfs, tmp_path, monkeypatch):
    disk = tmpfs("24k")
    spec = tiny_space(budget={"trials": 6}, output_dir=str(disk / "runs"),
                      model={"widths": [16, 32, 64]})
    space = SearchSpace.model_validate(spec)
    stub_trainings(monkeypatch, space)
    with pytest.raises(Exception, match="cannot write") as stopped:
        run_search(space)
    assert "design_points/network-" in str(stopped.value)
    networks = load_network_study(open_storage(space.storage_url), "tiny")
    assert all(t.state != TrialState.RUNNING for t in networks.trials)
    tables = list((disk / "runs" / "tiny" / "design_points").iterdir())
    assert all(not p.name.startswith(".") for p in tables)  # no partial table left
    subprocess.run(["mount", "-o", "remount,size=4m", str(disk)], check=True)
    summary = run_search(space)  # the same search again, with room
    networks = load_network_study(open_storage(space.storage_url), "tiny")
    assert summary.stopped_because.startswith("budget")
    assert sum(t.user_attrs.get("outcome") == "trained" for t in networks.trials) == 6


# --- connections: bounded --------------------------------------------------------------------


@pytest.fixture
def silent_port():
    """A port that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    yield server.getsockname()[1]
    server.close()


def test_a_database_that_never_answers_is_one_line_in_bounded_time(
        tiny_space, write_space, silent_port, monkeypatch, capsys):
    pytest.importorskip("psycopg2")
    from codesign.engine import storage
    monkeypatch.setattr(storage, "CONNECT_TIMEOUT_S", 2.0)
    url = f"postgresql+psycopg2://codesign@127.0.0.1:{silent_port}/codesign"
    for command in (["search", str(write_space(tiny_space())), "--no-progress"], ["status"]):
        started = time.monotonic()
        extra = ["--study", "tiny"] if command == ["status"] else []
        assert main([*command, *extra, "--storage", url]) == 2
        assert time.monotonic() - started < 20
        err = _one_line(capsys)
        assert f"127.0.0.1:{silent_port}" in err and "timeout" in err


# --- listeners: nothing beyond loopback unless asked -------------------------------------------


def _start(args: list[str], **options) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "codesign", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)}, **options)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _listening(process: subprocess.Popen, timeout: float = 60) -> list:
    from tests.listeners import tcp_listeners

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = tcp_listeners(process.pid)
        if found:
            return found
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        time.sleep(0.3)
    raise TimeoutError("the dashboard never listened")


def test_the_default_dashboard_listens_on_loopback_only(small_study, capsys):
    from tests.listeners import ss_available

    if not ss_available():
        pytest.skip("needs ss (iproute2)")
    port = _free_port()
    dashboard = _start(["dashboard", "--storage", small_study.storage_url, "--port", str(port)])
    try:
        found = _listening(dashboard)
        assert found and all(listener.loopback for listener in found), found
    finally:
        dashboard.kill()
        dashboard.wait(timeout=30)
    assert main(["dashboard", "--storage", small_study.storage_url, "--host", "0.0.0.0",
                 "--port", str(port)]) == 2
    assert "--expose" in _one_line(capsys)


def test_an_exposed_dashboard_says_what_it_exposes(small_study):
    from tests.listeners import ss_available

    if not ss_available():
        pytest.skip("needs ss (iproute2)")
    dashboard = _start(["dashboard", "--storage", small_study.storage_url, "--host", "0.0.0.0",
                        "--port", str(_free_port()), "--expose"])
    try:
        found = _listening(dashboard)
        assert any(not listener.loopback for listener in found)
    finally:
        dashboard.kill()
        output = dashboard.communicate(timeout=30)[0]
    assert "exposed:" in output and "no authentication" in output


def _finish(executor, keys: set[int]) -> dict:
    finished, deadline = {}, time.monotonic() + 120
    while set(finished) != keys and time.monotonic() < deadline:
        finished |= {f.key: f for f in executor.wait(timeout_s=1)}
    return finished


def test_a_worker_process_that_dies_fails_its_own_training_only(tmp_path):
    """The process executor's plumbing, without training: a job that fails is a failure with
    its cause, a worker killed with SIGKILL fails its own training and is replaced, a worker
    that finished takes the next job (PyTorch imported once)."""
    from codesign.engine.execution import ProcessExecutor

    executor = ProcessExecutor(workers=2)
    try:
        executor.submit(1, {"train_config": {"no_such_field": 1}})  # fails validation: shared
        executor.submit(2, {"train_config": {"no_such_field": 2}})
        first, killed = executor._busy[1].process.pid, executor._busy[2].process
        killed.kill()
        finished = _finish(executor, {1, 2})
        assert finished[1].error.startswith("ValidationError") and finished[1].shared_cause
        assert "WorkerDied" in finished[2].error and not finished[2].shared_cause
        executor.submit(3, {"train_config": {"no_such_field": 3}})
        executor.submit(4, {"train_config": {"no_such_field": 4}})
        assert executor._busy[3].process.pid == first  # reused
        assert executor._busy[4].process.pid not in (first, killed.pid)  # replaced
        finished = _finish(executor, {3, 4})
        assert all(f.error.startswith("ValidationError") for f in finished.values())
        workers = [worker.process for worker in executor._idle]
        assert len(workers) == 2
    finally:
        executor.shutdown()
    assert all(process.poll() is not None for process in workers)  # none left running


@pytest.mark.slow
def test_parallel_local_trainings_listen_on_nothing(tiny_space, write_space, tmp_path):
    """`--workers 2` in local mode trains in two worker processes that talk through pipes:
    the search's whole process tree opens no listening socket while it trains."""
    from tests.listeners import ss_available, tcp_listeners

    if not ss_available():
        pytest.skip("needs ss (iproute2)")
    spec = tiny_space(budget={"trials": 2, "epochs": 1}, model={"widths": [16]},
                      input={"modes": ["sc", "fixed_point"], "sngs": ["ideal"]})
    search = _start(["search", str(write_space(spec)), "--no-progress", "--workers", "2"])
    seen = []
    while search.poll() is None:
        seen += tcp_listeners(search.pid)
        time.sleep(0.2)
    output = search.stdout.read() if search.stdout else ""
    assert search.returncode == 0, output
    assert seen == [], seen
    networks = load_network_study(open_storage(spec["storage"]), "tiny").trials
    trained = [t for t in networks if t.state == TrialState.COMPLETE]
    assert len(trained) == 2 and len({t.user_attrs["pid"] for t in trained}) == 2


# --- time and memory: estimated before work --------------------------------------------------


def test_a_time_limit_that_ends_training_before_a_checkpoint_is_one_line(
        tiny_fmnist_dir, tmp_path, capsys):
    config = {"name": "t", "data": {"root": str(tiny_fmnist_dir), "download": False,
                                    "batch_size": 50},
              "model": {"kind": "mlp", "hidden": [16]}, "input": {"mode": "fixed_point"},
              "optim": {"epochs": 1, "max_time_s": 1e-9}, "output_dir": str(tmp_path / "runs"),
              "accelerator": "cpu"}
    path = tmp_path / "m.yaml"
    path.write_text(yaml.safe_dump(config))
    assert main(["train", str(path), "--no-progress"]) == 2
    assert "optim.max_time_s" in _one_line(capsys)
    assert not list((tmp_path / "runs").rglob("*.ckpt"))  # no partial run left
    assert not list((tmp_path / "runs").rglob("version_*"))




def test_a_cluster_out_of_reach_leaves_no_study_behind(tiny_space, write_space, tmp_path,
                                                      monkeypatch, capsys):
    """The search joins the cluster before it creates the storage: a Ray address that cannot
    be reached is one line, exit 2, and no new (empty) database is left in the folder."""
    from codesign.engine import execution
    def unreachable(*args, **kwargs):
        raise execution.ClusterUnreachable("Ray cluster 127.0.0.1:1: cannot connect")

    monkeypatch.setattr("codesign.engine.search.make_executor", unreachable)
    space = tiny_space()
    code = main(["search", str(write_space(space)), "--no-progress",
                 "--ray-address", "127.0.0.1:1"])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "cannot connect" in err
    assert not Path(space["storage"][len("sqlite:///"):]).exists()
