"""Shared fixtures of the hardware-model tests: the default preset and small workloads."""

from __future__ import annotations

import pytest

from hwmodel import Architecture, Workload, conv_workload, mlp_workload


@pytest.fixture(scope="session")
def fmnist() -> Workload:
    return mlp_workload(784, [1024, 1024], 10)


@pytest.fixture(scope="session")
def small_conv() -> Workload:
    return conv_workload((3, 16, 16), [16, 32], 2, [64], 10)


@pytest.fixture()
def sc_arch() -> Architecture:
    return Architecture(first_layer_mode="sc", sng_kind="lfsr", bitstream_length=8)
