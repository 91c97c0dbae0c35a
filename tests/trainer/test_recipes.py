"""Training recipes: BinaryNet's per-layer rates, Bop against a plain reference, named recipes
resolving to their documented fields, and the schedules they build."""

import math
from pathlib import Path

import pytest
import torch
import yaml
from pydantic import ValidationError
from torch import nn

from tests.devices import CUDA_ONLY
from trainer.config import OptimConfig, TrainConfig
from trainer.layers import BinaryConv2d, BinaryLinear
from trainer.models import binary_mlp, binary_vgg
from trainer.optimizers import (
    Bop,
    OptimizerSet,
    build_optimizer,
    build_scheduler,
    glorot_lr_scale,
)
from trainer.recipes import RECIPES


def test_glorot_scale_of_a_dense_layer_by_hand():
    # BinaryNet: W_LR_scale = 1 / sqrt(1.5 / (fan_in + fan_out)); 784 + 1024 = 1808
    assert glorot_lr_scale(BinaryLinear(784, 1024)) == pytest.approx(34.7179, abs=1e-4)
    assert glorot_lr_scale(BinaryLinear(1024, 10)) == pytest.approx(26.2552, abs=1e-4)


def test_glorot_scale_of_a_conv_layer_counts_the_kernel():
    # fan_in = 3 * 9 = 27, fan_out = 32 * 9 = 288: sqrt(315 / 1.5) = sqrt(210)
    assert glorot_lr_scale(BinaryConv2d(3, 32)) == pytest.approx(14.4914, abs=1e-4)
    # 128 -> 128: sqrt(2304 / 1.5) = sqrt(1536)
    assert glorot_lr_scale(BinaryConv2d(128, 128)) == pytest.approx(39.1918, abs=1e-4)
    with pytest.raises(TypeError):
        glorot_lr_scale(nn.Linear(3, 4))


def test_scaled_adam_gives_each_binary_layer_its_rate_and_batch_norm_the_plain_one():
    network = binary_vgg((3, 8, 8), [4, 4], 2, [8], 10)
    optimizer = build_optimizer(network, OptimConfig(lr=1e-3, lr_scaling="glorot"))
    rate = {id(p): group["lr"] for group in optimizer.param_groups for p in group["params"]}
    assert len(rate) == len(list(network.parameters()))  # every parameter, once
    for layer in network.modules():
        if isinstance(layer, (BinaryLinear, BinaryConv2d)):
            assert rate[id(layer.weight)] == pytest.approx(1e-3 * glorot_lr_scale(layer))
        elif isinstance(layer, nn.BatchNorm2d | nn.BatchNorm1d):
            assert rate[id(layer.weight)] == rate[id(layer.bias)] == 1e-3


def test_scaled_adam_moves_each_layer_by_its_scaled_step():
    # Adam's first step moves every weight by lr (its update is m/sqrt(v) = sign(g))
    torch.manual_seed(0)
    network = binary_mlp((1, 4, 4), [32], 3)
    before = {name: p.detach().clone() for name, p in network.named_parameters()}
    optimizer = build_optimizer(network, OptimConfig(lr=1e-4, lr_scaling="glorot"))
    nn.functional.cross_entropy(network(torch.randn(64, 16)), torch.arange(64) % 3).backward()
    optimizer.step()
    first = network.first.layer
    step = (first.weight - before["first.layer.weight"]).abs()
    moved = step[first.weight.grad != 0]
    assert moved.numel() > 0
    assert moved.max().item() == pytest.approx(1e-4 * glorot_lr_scale(first), rel=1e-3)


def _reference_bop(weights, gradients, gamma, threshold):
    """Helwegen et al., Algorithm 1, one weight at a time on Python floats."""
    w = [1.0 if x >= 0 else -1.0 for x in weights]
    m = [0.0] * len(w)
    for gradient in gradients:
        for i, g in enumerate(gradient):
            m[i] = (1 - gamma) * m[i] + gamma * g
            same_sign = (m[i] > 0) == (w[i] > 0) and m[i] != 0
            if abs(m[i]) > threshold and same_sign:
                w[i] = -w[i]
    return w, m


def test_bop_flips_exactly_as_the_papers_rule():
    generator = torch.Generator().manual_seed(1)
    weights = torch.rand(200, generator=generator, dtype=torch.float64) * 2 - 1
    # gradients with a persistent per-weight drift and noise: some flip, some flip back
    drift = torch.randn(200, generator=generator, dtype=torch.float64) * 1e-3
    gradients = [drift + torch.randn(200, generator=generator, dtype=torch.float64) * 2e-3
                 for _ in range(60)]
    gamma, threshold = 0.05, 5e-4
    expected_w, expected_m = _reference_bop(weights.tolist(), [g.tolist() for g in gradients],
                                            gamma, threshold)
    parameter = nn.Parameter(weights.clone())
    optimizer = Bop([parameter], gamma=gamma, threshold=threshold)
    flips = 0
    for gradient in gradients:
        before = parameter.detach().clone()
        parameter.grad = gradient.clone()
        optimizer.step()
        flips += int((parameter.detach() * torch.where(before >= 0, 1.0, -1.0) < 0).sum())
    assert parameter.detach().tolist() == expected_w
    assert optimizer.state[parameter]["momentum"].tolist() == pytest.approx(expected_m,
                                                                             abs=1e-15)
    assert flips > 20  # the rule was exercised, not a no-op


def test_bop_with_a_huge_threshold_never_flips_and_with_zero_follows_the_gradient_sign():
    parameter = nn.Parameter(torch.tensor([1.0, -1.0, 1.0, -1.0]))
    frozen = Bop([parameter], gamma=0.5, threshold=1.0)
    parameter.grad = torch.tensor([0.1, -0.1, -0.1, 0.1])
    frozen.step()
    assert parameter.tolist() == [1.0, -1.0, 1.0, -1.0]
    eager = Bop([parameter], gamma=0.5, threshold=0.0)
    parameter.grad = torch.tensor([0.1, -0.1, -0.1, 0.0])
    eager.step()  # flips where gradient and weight agree in sign; zero gradient: no flip
    assert parameter.tolist() == [-1.0, 1.0, 1.0, -1.0]


def test_bop_recipe_flips_binary_weights_and_trains_batch_norm_with_adam():
    torch.manual_seed(0)
    network = binary_mlp((1, 4, 4), [32], 3)
    optimizer = build_optimizer(network, OptimConfig(optimizer="bop", lr=1e-2,
                                                     bop_threshold=0.0, bop_gamma=0.5))
    assert isinstance(optimizer, OptimizerSet)
    bop, adam = optimizer.parts
    assert isinstance(bop, Bop) and isinstance(adam, torch.optim.Adam)
    binary = {id(p) for group in bop.param_groups for p in group["params"]}
    real = {id(p) for group in adam.param_groups for p in group["params"]}
    assert binary.isdisjoint(real) and len(binary | real) == len(list(network.parameters()))
    norm = network.body[0]
    norm_bias = norm.bias.detach().clone()
    nn.functional.cross_entropy(network(torch.randn(64, 16)), torch.arange(64) % 3).backward()
    optimizer.step()
    for layer in (network.first.layer, network.body[2]):
        assert set(layer.weight.unique().tolist()) == {-1.0, 1.0}
    assert (norm.bias - norm_bias).abs().max().item() == pytest.approx(1e-2, rel=1e-3)
    state = optimizer.state_dict()
    assert len(state["parts"]) == 2
    optimizer.load_state_dict(state)


def test_a_step_closure_gives_its_loss_and_the_same_step_as_gradients_computed_before():
    """Lightning steps with a closure that runs forward and backward: the step must evaluate
    it (with gradients on), return its loss, and move the weights as a plain step does."""
    inputs, labels = torch.randn(64, 16), torch.arange(64) % 3
    networks, losses = [], []
    for use_closure in (False, True):
        torch.manual_seed(0)
        network = binary_mlp((1, 4, 4), [32], 3)
        optimizer = build_optimizer(network, OptimConfig(optimizer="bop", lr=1e-2,
                                                         bop_threshold=0.0, bop_gamma=0.5))

        def closure(network=network, optimizer=optimizer):
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(network(inputs), labels)
            loss.backward()
            return loss

        if use_closure:
            with torch.no_grad():
                losses.append(optimizer.step(closure))
        else:
            losses.append(closure())
            assert optimizer.step() is None
        networks.append(network)
    assert losses[1].item() == losses[0].item()
    for before, after in zip(*(n.state_dict().values() for n in networks), strict=True):
        assert torch.equal(before, after)


def test_bop_and_adam_step_on_unscaled_gradients_under_a_grad_scaler():
    """16-mixed training steps through torch's GradScaler: it must unscale every part's
    gradients before the step, and the schedule must reach every part's rate."""
    torch.manual_seed(0)
    network = binary_mlp((1, 4, 4), [32], 3)
    config = OptimConfig(optimizer="bop", bop_threshold=0.0, bop_gamma=0.5, epochs=3)
    optimizer = build_optimizer(network, config)
    scheduler = build_scheduler(optimizer, config)
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    loss = nn.functional.cross_entropy(network(torch.randn(64, 16)), torch.arange(64) % 3)
    scaler.scale(loss).backward()
    weight = network.first.layer.weight
    scaled_gradient = weight.grad.clone()
    scaler.step(optimizer)
    scaler.update()
    scheduler.step()
    momentum = optimizer.state[weight]["momentum"]
    torch.testing.assert_close(momentum, 0.5 * scaled_gradient / 1024.0)
    cosine = 0.5 * (1 + math.cos(math.pi / 3))
    assert [group["lr"] for group in optimizer.param_groups] == pytest.approx(
        [0.5 * cosine, 1e-2 * cosine])


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_a_recipe_resolves_to_its_fields_and_given_fields_win(name):
    config = OptimConfig.model_validate({"recipe": name})
    for field, value in RECIPES[name].fields.items():
        assert getattr(config, field) == value
    overridden = OptimConfig.model_validate({"recipe": name, "epochs": 7, "lr": 0.02})
    assert (overridden.epochs, overridden.lr, overridden.recipe) == (7, 0.02, name)
    # a saved config (every field explicit, the recipe's name kept) rebuilds itself
    assert OptimConfig.model_validate(config.model_dump(mode="json")) == config


def test_documented_recipes():
    """The fields docs/trainer.md lists for each recipe."""
    assert OptimConfig() == OptimConfig(recipe="adam").model_copy(update={"recipe": None})
    binarynet = OptimConfig(recipe="binarynet")
    assert (binarynet.optimizer, binarynet.lr_scaling, binarynet.lr, binarynet.schedule,
            binarynet.final_lr_ratio, binarynet.epochs) == (
        "adam", "glorot", 1e-3, "exponential", 3e-4, 500)
    bop = OptimConfig(recipe="bop")
    assert (bop.optimizer, bop.bop_threshold, bop.bop_gamma, bop.lr, bop.schedule,
            bop.step_epochs, bop.epochs) == ("bop", 1e-8, 1e-4, 1e-2, "step", 100, 500)


@pytest.mark.parametrize("data, field", [
    ({"recipe": "nope"}, "recipe"),
    ({"recipe": 3}, "recipe"),
    ({"optimizer": "sgd"}, "optimizer"),
    ({"lr_scaling": "he"}, "lr_scaling"),
    ({"bop_threshold": -1e-6}, "bop_threshold"),
    ({"bop_gamma": 2.0}, "bop_gamma"),
    ({"final_lr_ratio": 0.0}, "final_lr_ratio"),
    ({"epochs": 5, "warmup_epochs": 5}, "warmup_epochs"),
])
def test_bad_recipe_fields_are_named(data, field):
    with pytest.raises(ValidationError, match=field):
        OptimConfig.model_validate(data)


def _rates(config: OptimConfig) -> list[float]:
    parameter = nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.Adam([parameter], lr=config.lr)
    scheduler = build_scheduler(optimizer, config)
    rates = []
    for _ in range(config.epochs):
        rates.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
    return rates


def test_schedules_per_epoch():
    cosine = _rates(OptimConfig(lr=1.0, epochs=4))
    assert cosine == pytest.approx([0.5 * (1 + math.cos(math.pi * e / 4)) for e in range(4)])
    step = _rates(OptimConfig(lr=1.0, epochs=7, schedule="step", step_epochs=3))
    assert step == pytest.approx([1, 1, 1, 0.1, 0.1, 0.1, 0.01])
    exponential = _rates(OptimConfig(lr=1.0, epochs=5, schedule="exponential",
                                     final_lr_ratio=1e-5))
    assert exponential == pytest.approx([10.0 ** -e for e in range(5)])
    warm = _rates(OptimConfig(lr=1.0, epochs=6, warmup_epochs=2))
    assert warm == pytest.approx([0.1, 0.55] + [0.5 * (1 + math.cos(math.pi * e / 4))
                                                for e in range(4)])
    assert _rates(OptimConfig(lr=1.0, epochs=3, schedule="constant")) == [1.0, 1.0, 1.0]


@pytest.mark.parametrize("setting, field", [
    ("optim.recipe=nope", "optim.recipe"),
    ("optim.optimizer=sgd", "optim.optimizer"),
    ("optim.bop_threshold=-1", "optim.bop_threshold"),
    ("optim.warmup_epochs=99", "warmup_epochs"),
])
def test_train_with_a_bad_recipe_is_one_line_exit_2_and_writes_nothing(tmp_path, capsys,
                                                                       setting, field):
    from codesign.cli import main

    model = tmp_path / "model.yaml"
    model.write_text(f"optim: {{epochs: 2}}\noutput_dir: {tmp_path / 'out'}\n")
    assert main(["train", str(model), "--set", setting, "--json", str(tmp_path / "r.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and str(model) in err and field in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.yaml"]


EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_every_example_model_yaml_is_valid_and_the_gpu_preset_is_the_documented_recipe():
    models = {path.name: yaml.safe_load(path.read_text()) for path in EXAMPLES.glob("*.yaml")}
    models = {name: doc for name, doc in models.items() if "workload" not in doc}
    assert len(models) >= 5
    configs = {name: TrainConfig.model_validate(doc) for name, doc in models.items()}
    preset = configs["cifar10_vgg_recipe.yaml"].optim
    assert (preset.recipe, preset.lr_scaling, preset.schedule, preset.epochs) == (
        "binarynet_cosine", "glorot", "cosine", 250)


@pytest.mark.parametrize("device", CUDA_ONLY)
@pytest.mark.parametrize("optim", [{"optimizer": "bop"}, {"lr_scaling": "glorot"}],
                         ids=["bop", "glorot"])
def test_a_recipe_step_never_waits_for_the_host(device, optim):
    network = binary_vgg((3, 16, 16), [32, 32, 64, 64], 2, [128], 10).to(device)
    optimizer = build_optimizer(network, OptimConfig(**optim))
    pixels = torch.rand(32, 3, 16, 16, device=device) * 2 - 1
    labels = torch.randint(0, 10, (32,), device=device)

    def step():
        with torch.autocast(device, dtype=torch.float16):
            loss = nn.functional.cross_entropy(network(pixels), labels)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss.detach()

    step()  # creates the optimiser's state
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        losses = [step() for _ in range(3)]
    finally:
        torch.cuda.set_sync_debug_mode("default")
    assert all(torch.isfinite(loss) for loss in losses)
