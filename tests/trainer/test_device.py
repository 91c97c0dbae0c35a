"""Devices and precision: the accelerator a run gets, and half precision only where the
popcounts of binary layers stay exact (compared with a float64 reference)."""

import pytest
import torch
import torch.nn.functional as F

from tests.devices import DEVICES
from trainer import device as device_module
from trainer.config import TrainConfig
from trainer.device import (
    EXACT_INTEGER_LIMIT,
    AcceleratorUnavailable,
    resolve_accelerator,
    resolve_precision,
)
from trainer.layers import BinaryConv2d, BinaryLinear
from trainer.models import binary_vgg


@pytest.mark.parametrize(("requested", "gpu", "expected"), [
    ("cpu", False, "cpu"), ("cpu", True, "cpu"), ("auto", False, "cpu"),
    ("auto", True, "gpu"), ("gpu", True, "gpu"),
])
def test_accelerator_resolution(monkeypatch, requested, gpu, expected):
    monkeypatch.setattr(device_module, "gpu_available", lambda: gpu)
    assert resolve_accelerator(requested) == expected


def test_a_gpu_that_is_not_there_is_one_sentence(monkeypatch):
    monkeypatch.setattr(device_module, "gpu_available", lambda: False)
    with pytest.raises(AcceleratorUnavailable, match="no CUDA GPU") as raised:
        resolve_accelerator("gpu")
    assert "\n" not in str(raised.value)
    with pytest.raises(AcceleratorUnavailable, match="16-mixed needs accelerator gpu"):
        resolve_precision("16-mixed", "cpu")
    assert resolve_precision("16-mixed", "gpu") == "16-mixed"


def test_config_rejects_half_precision_on_the_cpu():
    with pytest.raises(ValueError, match="16-mixed needs accelerator gpu"):
        TrainConfig(accelerator="cpu", precision="16-mixed")
    assert TrainConfig(accelerator="auto", precision="16-mixed").precision == "16-mixed"


def _near_aligned_inputs(weight: torch.Tensor, flips: list[int], seed: int) -> torch.Tensor:
    """+1/-1 inputs equal to each weight row's signs but for `flips` positions: their
    popcounts are F - 2 * flips, the largest magnitudes a binary layer can produce."""
    generator = torch.Generator().manual_seed(seed)
    signs = torch.where(weight >= 0, 1.0, -1.0)
    rows = []
    for k in flips:
        row = signs[k % len(signs)].clone()
        flat = row.view(-1)
        flat[torch.randperm(flat.numel(), generator=generator)[:k]] *= -1
        rows.append(row)
    rows.append(torch.where(torch.rand(signs[0].shape, generator=generator) < 0.5, 1.0, -1.0))
    return torch.stack(rows)


def _reference(layer, inputs):
    """The same product in float64: exact for these integers."""
    weight = torch.where(layer.weight >= 0, 1.0, -1.0).double()
    if isinstance(layer, BinaryLinear):
        return F.linear(inputs.double(), weight)
    return F.conv2d(inputs.double(), weight, padding=layer.padding)


LAYERS = [
    ("linear", 256), ("linear", 1024), ("linear", 4096), ("linear", 8192),
    ("conv", 64), ("conv", 512), ("conv", 1024),
]


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=["fp16", "bf16"])
@pytest.mark.parametrize(("kind", "width"), LAYERS, ids=[f"{k}{w}" for k, w in LAYERS])
def test_binary_layers_are_exact_under_autocast(device, dtype, kind, width):
    torch.manual_seed(width)
    layer = BinaryLinear(width, 16) if kind == "linear" else BinaryConv2d(width, 8)
    # conv: each input is one 3x3 patch, whose centre output sees every weight of the kernel
    inputs = _near_aligned_inputs(layer.weight, [0, 1, 3, 5, 7, 9, 101], seed=width)
    expected = _reference(layer, inputs)
    layer, inputs = layer.to(device), inputs.to(device)
    with torch.autocast(device, dtype=dtype):
        output = layer(inputs)
    assert torch.equal(output.double().cpu(), expected)
    half = layer.fan_in <= EXACT_INTEGER_LIMIT[dtype]
    assert output.dtype == (dtype if half else torch.float32)  # half precision where exact


@pytest.mark.parametrize("device", DEVICES)
def test_plain_half_precision_would_round_a_wide_popcount(device):
    """The control: without the rule, a float16 product of fan-in 8192 is not exact."""
    torch.manual_seed(0)
    layer = BinaryLinear(8192, 16)
    inputs = _near_aligned_inputs(layer.weight, [3, 5, 7], seed=1)
    expected = _reference(layer, inputs)
    weight = torch.where(layer.weight >= 0, 1.0, -1.0).to(device)
    with torch.autocast(device, dtype=torch.float16):
        naive = F.linear(inputs.to(device), weight)
    assert not torch.equal(naive.double().cpu(), expected)


@pytest.mark.parametrize("device", DEVICES)
def test_multi_bit_first_layer_runs_in_float32(device):
    network = binary_vgg((3, 8, 8), [16, 16], 2, [32], 10).to(device)
    sums = torch.randint(-16, 17, (4, 3, 8, 8)).float().to(device)  # N=16 stochastic sums
    with torch.autocast(device, dtype=torch.float16):
        preactivation = network.first(sums)
    assert preactivation.dtype == torch.float32
    assert torch.equal(preactivation.double().cpu(), _reference(network.first.cpu(), sums.cpu()))
