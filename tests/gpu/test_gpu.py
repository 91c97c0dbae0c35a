"""Checks that only mean something on a CUDA GPU (`pytest -m gpu`; skipped where there is
none): a training step never waits for the host, and `train` and `search` run end to end on
the GPU. The device-independent checks (fast paths against the reference, exact half
precision, batches on the trainer's device) run on the GPU too, parametrized by
`tests.devices.DEVICES`."""

import json

import pytest
import torch
import torch.nn.functional as F
import yaml

from codesign.cli import main
from tests.devices import CUDA_ONLY
from trainer.data import TensorBatches, random_crop_flip
from trainer.encoding import FixedPointEncoding, StochasticEncoding
from trainer.inference import class_scores
from trainer.layers import clip_latent_weights
from trainer.models import binary_vgg
from trainer.sng import LFSRSNG, IdealSNG, SobolSNG

pytestmark = pytest.mark.gpu


def _pixels(shape=(64, 3, 8, 8), seed=0):
    return torch.randint(0, 256, shape, dtype=torch.uint8,
                         generator=torch.Generator().manual_seed(seed))


def _encodings():
    return {
        "fixed_point": (FixedPointEncoding(), 1),
        "ideal_first_layer": (StochasticEncoding(IdealSNG(), "first_layer"), 16),
        "lfsr_first_layer": (StochasticEncoding(LFSRSNG(width=16), "first_layer"), 16),
        "sobol_first_layer": (StochasticEncoding(SobolSNG(), "first_layer"), 16),
        "sobol_output": (StochasticEncoding(SobolSNG(), "output"), 4),
    }


@pytest.mark.parametrize("device", CUDA_ONLY)
@pytest.mark.parametrize("encoding_name", list(_encodings()))
@pytest.mark.parametrize("precision", [torch.float32, torch.float16], ids=["fp32", "fp16"])
def test_a_training_step_never_waits_for_the_host(device, encoding_name, precision):
    encoding, length = _encodings()[encoding_name]
    network = binary_vgg((3, 16, 16), [32, 32, 64, 64], 2, [128], 10).to(device)
    optimizer = torch.optim.Adam(network.parameters(), lr=1e-3)
    images = _pixels((96, 3, 16, 16)).to(device)
    labels = torch.randint(0, 10, (96,)).to(device)
    augment = torch.Generator(device).manual_seed(0)

    def step(pixels: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        pixels = random_crop_flip(pixels, padding=2, generator=augment)
        with torch.autocast(device, dtype=precision, enabled=precision != torch.float32):
            loss = F.cross_entropy(class_scores(network, encoding, pixels, [length])[0], targets)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        clip_latent_weights(network)
        return loss.detach()

    for pixels, targets in TensorBatches((images, labels), 32, shuffle=True):
        step(pixels, targets)  # builds the tables and moves them to the GPU, once
    torch.cuda.synchronize()
    # TensorBatches copies an epoch's permutation to the device once; the steps must not copy
    batches = [(images[i : i + 32], labels[i : i + 32]) for i in (0, 32, 64)]
    torch.cuda.set_sync_debug_mode("error")
    try:
        losses = [step(pixels, targets) for pixels, targets in batches]
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert all(torch.isfinite(loss) for loss in losses)


def _tiny_config(root, output_dir, **extra):
    return {
        "name": "gpu-tiny",
        "data": {"dataset": "fashion_mnist", "root": str(root), "download": False,
                 "batch_size": 50, "eval_batch_size": 100},
        "model": {"kind": "mlp", "hidden": [64]},
        "input": {"mode": "sc", "length": 8, "eval_lengths": [1, 8, 32],
                  "sng": {"kind": "sobol"}},
        "optim": {"epochs": 3},
        "output_dir": str(output_dir),
        **extra,
    }


@pytest.mark.parametrize("device", CUDA_ONLY)
@pytest.mark.parametrize("precision", ["32-true", "16-mixed"])
def test_train_command_on_the_gpu(device, tmp_path, tiny_fmnist_dir, precision):
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(_tiny_config(tiny_fmnist_dir, tmp_path / "runs")))
    out = tmp_path / "result.json"
    assert main(["train", str(path), "--accelerator", "gpu", "--precision", precision,
                 "--json", str(out), "--no-progress"]) == 0
    result = json.loads(out.read_text())
    assert result["accelerator"] == "gpu" and "cpu" not in result["device"]
    assert max(result["test_accuracy"].values()) > 0.5  # the synthetic task is learnt


@pytest.mark.parametrize("device", CUDA_ONLY)
def test_search_trains_on_the_gpu(device, tiny_space, write_space, capsys):
    space = tiny_space(budget={"trials": 2}, execution={"accelerator": "gpu"})
    assert main(["search", str(write_space(space)), "--no-progress"]) == 0
    from codesign.engine.storage import open_storage
    from codesign.engine.study import load_network_study

    networks = load_network_study(open_storage(space["storage"]), space["name"]).trials
    trained = [t for t in networks if t.user_attrs.get("outcome") == "trained"]
    assert len(trained) == 2
    assert all("cpu" not in t.user_attrs["device"] for t in trained)
