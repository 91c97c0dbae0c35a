"""Real servers for the scale-out tests: PostgreSQL and a two-node Ray cluster on 127.0.0.1,
started in temporary folders and stopped afterwards. Searches run as real subprocesses."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import yaml

FAST_HEARTBEAT = {"CODESIGN_HEARTBEAT_INTERVAL_S": "1", "CODESIGN_GRACE_PERIOD_S": "4"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="session")
def postgres_url():
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not binaries:
        pytest.skip("PostgreSQL server not installed (apt-get install postgresql)")
    pytest.importorskip("psycopg2")
    bin_dir = Path(binaries[-1])
    data = Path(tempfile.mkdtemp(prefix="codesign-pg-"))
    if os.geteuid() == 0:
        shutil.chown(data, "postgres")
    port = free_port()
    run = lambda command: subprocess.run(  # noqa: E731
        _as_postgres(command), check=True, capture_output=True, timeout=120
    )
    run([str(bin_dir / "initdb"), "-D", str(data / "db"), "-A", "trust", "-U", "postgres",
         "--no-sync"])
    run([str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-l", str(data / "server.log"),
         "-o", f"-p {port} -k {data} -c listen_addresses=127.0.0.1", "-w", "start"])
    try:
        run([str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
             "codesign"])
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/codesign"
    finally:
        run([str(bin_dir / "pg_ctl"), "-D", str(data / "db"), "-m", "immediate", "stop"])
        shutil.rmtree(data, ignore_errors=True)


RAY_ENV = {"RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0"}


@pytest.fixture
def ray_cluster():
    """`ray start --head` on 127.0.0.1 plus a second node joined with `ray start --address`,
    one CPU each, so two trainings at once must land on different nodes."""
    port = free_port()
    env = {**os.environ, **RAY_ENV}
    common = ["--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats"]
    ray = shutil.which("ray") or str(Path(sys.executable).parent / "ray")
    subprocess.run([ray, "stop", "--force"], env=env, capture_output=True, timeout=120)
    subprocess.run([ray, "start", "--head", f"--port={port}", "--include-dashboard=false",
                    *common], env=env, check=True, capture_output=True, timeout=180)
    try:
        subprocess.run([ray, "start", f"--address=127.0.0.1:{port}", *common], env=env,
                       check=True, capture_output=True, timeout=180)
        yield f"127.0.0.1:{port}"
    finally:
        subprocess.run([ray, "stop", "--force"], env=env, capture_output=True, timeout=180)


@pytest.fixture
def scaleout_space(tmp_path, tiny_fmnist_dir):
    """Write a search space over tiny networks; returns its path."""

    def write(name="scale", epochs=2, trials=4, **overrides) -> Path:
        space = {
            "name": name,
            "data": {"root": str(tiny_fmnist_dir), "download": False, "batch_size": 50},
            "model": {"family": "mlp", "hidden_layers": 1, "widths": [8, 16, 24, 32]},
            "input": {"modes": ["sc", "fixed_point"], "bitstream_lengths": [1, 4, 16],
                      "sngs": ["ideal", "lfsr"], "train_lengths": [4]},
            "hardware": {"tiles": [1, 4]},
            "budget": {"trials": trials, "epochs": epochs},
            "sampler": {"kind": "random", "seed": 0},
            "output_dir": str(tmp_path / "runs"),
            **overrides,
        }
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(space))
        return path

    return write


def start_search(space: Path, *arguments: str, env: dict | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "codesign", "search", str(space), "--no-progress", *arguments],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **FAST_HEARTBEAT, **RAY_ENV, **(env or {})},
    )


def finish(process: subprocess.Popen, timeout: float = 600) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=timeout)
    return process.returncode, out, err


def wait_for(condition, timeout: float = 180, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not met in time")
