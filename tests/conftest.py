from pathlib import Path

import pytest

from tests.synthetic import write_cifar10_like, write_fashion_mnist_like


@pytest.fixture(scope="session")
def tiny_fmnist_dir(tmp_path_factory) -> Path:
    """A tiny, learnable Fashion-MNIST stand-in on disk, in the IDX .gz format."""
    return write_fashion_mnist_like(tmp_path_factory.mktemp("data") / "fashion-mnist")


@pytest.fixture(scope="session")
def tiny_cifar_dir(tmp_path_factory) -> Path:
    """A tiny, learnable CIFAR-10 stand-in on disk, in the binary batch format."""
    return write_cifar10_like(tmp_path_factory.mktemp("data") / "cifar-10-batches-bin")
