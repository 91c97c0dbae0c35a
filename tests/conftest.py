import signal
import subprocess
from pathlib import Path

import pytest
import torch
import yaml

from hwmodel import Technology, load_technology
from tests.synthetic import write_cifar10_like, write_fashion_mnist_like


def pytest_sessionstart(session):
    """Tests send real SIGINTs and expect Python's own handler (KeyboardInterrupt). A script
    that starts pytest as a background job (`... &`) starts it with SIGINT ignored, and
    Python leaves an ignored SIGINT ignored; code that saves a handler and restores it later
    would put that "ignore" back. So every run starts from Python's handler, wherever it was
    launched (a background CI run once lost a test's SIGINT; that this was the cause is a
    likely reading, not a proven one)."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def tech() -> Technology:
    """The default technology preset."""
    return load_technology("stt_mram_28nm")


@pytest.fixture(scope="session")
def tiny_fmnist_dir(tmp_path_factory) -> Path:
    """A tiny, learnable Fashion-MNIST stand-in on disk, in the IDX .gz format."""
    return write_fashion_mnist_like(tmp_path_factory.mktemp("data") / "fashion-mnist")


@pytest.fixture(scope="session")
def tiny_cifar_dir(tmp_path_factory) -> Path:
    """A tiny, learnable CIFAR-10 stand-in on disk, in the binary batch format."""
    return write_cifar10_like(tmp_path_factory.mktemp("data") / "cifar-10-batches-bin")


def pytest_runtest_setup(item):
    """A `gpu` test on a machine without one is skipped, saying why (never passed silently)."""
    if item.get_closest_marker("gpu") and not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU: torch.cuda.is_available() is False here")


@pytest.fixture
def tiny_space(tmp_path, tiny_fmnist_dir):
    """A search space over tiny networks on the synthetic Fashion-MNIST stand-in."""

    def make(**overrides) -> dict:
        space = {
            "name": "tiny",
            "data": {"root": str(tiny_fmnist_dir), "download": False, "batch_size": 50},
            "model": {"family": "mlp", "hidden_layers": 1, "widths": [16, 32]},
            "input": {
                "modes": ["sc", "fixed_point"],
                "bitstream_lengths": {"min": 1, "max": 16},
                "sngs": ["ideal", "lfsr"],
                "train_lengths": [4],
            },
            "hardware": {"tiles": [1, 4]},
            "budget": {"trials": 3, "epochs": 2},
            "sampler": {"kind": "random", "seed": 0},
            "output_dir": str(tmp_path / "runs"),
            "storage": f"sqlite:///{tmp_path / 'runs' / 'tiny.db'}",
        }
        for key, value in overrides.items():
            if isinstance(value, dict) and isinstance(space.get(key), dict):
                space[key] = {**space[key], **value}
            else:
                space[key] = value
        return space

    return make


@pytest.fixture
def write_space(tmp_path):
    def write(space: dict, name: str = "space.yaml"):
        path = tmp_path / name
        path.write_text(yaml.safe_dump(space))
        return path

    return write


@pytest.fixture
def tmpfs(tmp_path):
    """`tmpfs("64k")` mounts a small filesystem (full disks, read-only remounts) and returns
    its folder; skipped where mounting needs root and there is none. Unmounted afterwards."""
    mounted = []

    def mount(size: str) -> Path:
        point = tmp_path / f"disk{len(mounted)}"
        point.mkdir()
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                               str(point)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("cannot mount a tmpfs here (needs root)")
        mounted.append(point)
        return point

    yield mount
    for point in mounted:
        subprocess.run(["umount", "-l", str(point)], capture_output=True)
