"""The preflight's network profile: the same sizes whether the network runs its one image on
the CPU (small weights: no compiler stack imported) or on the meta device (large ones: no
memory), and sizes counted by hand for the reference MLP."""

import pytest

from trainer import resources
from trainer.config import TrainConfig
from trainer.resources import network_profile

MODELS = {
    "mlp": {"kind": "mlp", "hidden": [64, 32]},
    "conv": {"kind": "conv", "channels": [8, 16], "pool_every": 2, "hidden": [32]},
}


def _config(model: dict) -> TrainConfig:
    return TrainConfig.model_validate({"name": "profile", "model": model})


@pytest.mark.parametrize("model", MODELS)
def test_the_cpu_and_the_meta_device_give_the_same_profile(model, monkeypatch):
    config = _config(MODELS[model])
    on_cpu = network_profile(config, (3, 32, 32), 10)
    monkeypatch.setattr(resources, "CPU_PROFILE_BYTES", 0)  # every network on meta
    assert network_profile(config, (3, 32, 32), 10) == on_cpu


def test_the_reference_mlp_counted_by_hand():
    profile = network_profile(_config({"kind": "mlp", "hidden": [1024, 1024]}), (1, 28, 28), 10)
    binary = 784 * 1024 + 1024 * 1024 + 1024 * 10
    assert profile.binary_weights == binary
    assert profile.parameters == binary + 2 * (1024 + 1024 + 10)  # batch norms' scale, shift
    assert profile.macs == binary


def test_a_network_too_large_for_memory_is_profiled_without_allocating_it():
    """10^10 weights (40 GB): on the meta device, in a moment."""
    profile = network_profile(_config({"kind": "mlp", "hidden": [100_000, 100_000]}),
                              (1, 28, 28), 10)
    assert profile.binary_weights == 784 * 100_000 + 100_000 ** 2 + 100_000 * 10


def test_profiling_leaves_the_random_stream_as_it_was():
    """The preflight builds the network on the CPU (initialised weights): the seeded run
    after it must draw what it would have drawn without it."""
    import torch

    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    network_profile(_config(MODELS["mlp"]), (1, 28, 28), 10)
    assert torch.equal(torch.rand(3), expected)
