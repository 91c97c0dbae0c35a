"""Optimisers and schedules for binary networks: what `OptimConfig` builds.

A binary layer's latent weight only matters through its sign, so how fast a latent weight
moves, relative to its range [-1, 1], decides how fast the network learns. Two remedies from
the literature are here besides plain Adam:

- **BinaryNet's per-layer learning-rate scaling** (Courbariaux, Hubara et al., "Binarized
  Neural Networks", NeurIPS 2016, arXiv:1602.02830; their Theano code, `binary_net.py`,
  `W_LR_scale = "Glorot"`): Adam's step of each binary layer's latent weights is multiplied
  by 1/H with H = sqrt(1.5 / (fan_in + fan_out)) (a conv layer's fans count its kernel:
  fan_in = C_in k^2, fan_out = C_out k^2). H is half the Glorot-uniform bound. Their runs
  keep the binary values, the initialisation range and the clipping at +-1 (`H = 1.`), as
  this project does; only the step is scaled. Real-valued parameters (batch norm) keep the
  plain rate.
- **Bop** (Helwegen et al., "Latent Weights Do Not Exist: Rethinking Binarized Neural Network
  Optimization", NeurIPS 2019, arXiv:1906.02107): no latent weights; binary weights flip when
  an exponential moving average of their gradient is strong and points the same way.
  Real-valued parameters keep Adam, as in the paper.
"""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import torch
from torch import nn
from torch.optim import Optimizer
from torch.optim.lr_scheduler import (
    CosineAnnealingLR,
    ExponentialLR,
    LinearLR,
    LRScheduler,
    SequentialLR,
    StepLR,
)

from trainer.config import OptimConfig
from trainer.layers import BINARY_LAYERS, BinaryConv2d, BinaryLinear

# The first warmup epoch runs at this fraction of the rate, rising linearly to the full rate.
WARMUP_START_FACTOR = 0.1


def _evaluate(closure: Callable[[], Any] | None) -> Any:
    """The loss of torch's optional step closure, evaluated with gradients on."""
    if closure is None:
        return None
    with torch.enable_grad():
        return closure()


class Bop(Optimizer):
    """Bop for binary weights (Helwegen et al. 2019, Algorithm 1).

    Each weight w in {-1, +1} keeps m, an exponential moving average of its gradient g:

        m_t = (1 - gamma) m_{t-1} + gamma g_t
        w_t = -w_{t-1}  if |m_t| > tau and sign(m_t) = sign(w_{t-1}),  else w_{t-1}

    (m_0 = 0). A flip that the gradient asks for (its sign equals the weight's, so descent
    lowers it) happens once the signal is consistent (gamma: how long it is averaged) and
    strong (tau: the threshold). Parameters that are not yet +-1 are read through the
    project's sign (sign(0) = +1) at the first step, so a network's latent initialisation
    becomes its random binary initialisation.

    gamma is stored as the param group's `lr`, so that torch's learning-rate schedulers
    decay it like a learning rate, as the paper decays gamma (by 10 every 100 epochs on
    CIFAR-10).
    """

    def __init__(self, params: Iterable[Any], gamma: float = 1e-3, threshold: float = 1e-6):
        if not 0.0 < gamma <= 1.0:
            raise ValueError(f"Bop's gamma must lie in (0, 1], got {gamma}")
        if threshold < 0.0:
            raise ValueError(f"Bop's threshold must be >= 0, got {threshold}")
        super().__init__(params, {"lr": gamma, "threshold": threshold})

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = _evaluate(closure)
        for group in self.param_groups:
            gamma, threshold = group["lr"], group["threshold"]
            for weight in group["params"]:
                if weight.grad is None:
                    continue
                state = self.state[weight]
                if not state:
                    state["momentum"] = torch.zeros_like(weight)
                momentum = state["momentum"]
                momentum.mul_(1.0 - gamma).add_(weight.grad, alpha=gamma)
                signs = torch.where(weight >= 0, 1.0, -1.0).to(weight.dtype)
                # with signs +-1 and threshold >= 0: momentum * signs > threshold exactly
                # when the signs agree and |momentum| > threshold
                weight.copy_(torch.where(momentum * signs > threshold, -signs, signs))
        return loss


class OptimizerSet(Optimizer):
    """Several optimisers over disjoint parameters, stepped as one.

    Lightning's automatic optimisation and torch's LR schedulers take one optimiser: this
    exposes the parts' param groups (the same dicts, so a scheduler's rates reach the
    parts) and their state, and steps every part after one evaluation of the closure.
    """

    def __init__(self, parts: Sequence[Optimizer]):
        groups = [group for part in parts for group in part.param_groups]
        super().__init__([p for group in groups for p in group["params"]], {})
        self.parts = list(parts)
        self.param_groups = groups
        self.state = ChainMap(*(part.state for part in self.parts))

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        loss = _evaluate(closure)
        for part in self.parts:
            part.step()
        return loss

    def state_dict(self) -> dict[str, Any]:
        return {"parts": [part.state_dict() for part in self.parts]}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        for part, part_state in zip(self.parts, state_dict["parts"], strict=True):
            part.load_state_dict(part_state)


def glorot_lr_scale(layer: nn.Module) -> float:
    """BinaryNet's `W_LR_scale = "Glorot"`: 1 / sqrt(1.5 / (fan_in + fan_out))."""
    if isinstance(layer, BinaryLinear):
        fan_in, fan_out = layer.in_features, layer.out_features
    elif isinstance(layer, BinaryConv2d):
        kernel = math.prod(layer.kernel_size)
        fan_in, fan_out = layer.in_channels * kernel, layer.out_channels * kernel
    else:
        raise TypeError(f"not a binary layer: {type(layer).__name__}")
    return 1.0 / math.sqrt(1.5 / (fan_in + fan_out))


def binary_layers(network: nn.Module) -> list[nn.Module]:
    return [layer for layer in network.modules() if isinstance(layer, BINARY_LAYERS)]


def _real_valued_parameters(network: nn.Module) -> list[nn.Parameter]:
    binary = {id(layer.weight) for layer in binary_layers(network)}
    return [p for p in network.parameters() if id(p) not in binary]


def build_optimizer(network: nn.Module, optim: OptimConfig) -> Optimizer:
    """The optimiser `optim` names over `network`'s parameters."""
    if optim.optimizer == "bop":
        weights = [layer.weight for layer in binary_layers(network)]
        adam = torch.optim.Adam(_real_valued_parameters(network), lr=optim.lr,
                                weight_decay=optim.weight_decay)
        return OptimizerSet([Bop(weights, optim.bop_gamma, optim.bop_threshold), adam])
    if optim.lr_scaling == "none":  # the one-group Adam every earlier result used
        return torch.optim.Adam(network.parameters(), lr=optim.lr,
                                weight_decay=optim.weight_decay)
    groups = [{"params": [layer.weight], "lr": optim.lr * glorot_lr_scale(layer)}
              for layer in binary_layers(network)]
    groups.append({"params": _real_valued_parameters(network)})
    return torch.optim.Adam(groups, lr=optim.lr, weight_decay=optim.weight_decay)


def _decay(optimizer: Optimizer, optim: OptimConfig, epochs: int) -> LRScheduler | None:
    """The schedule after warmup, over `epochs` epochs (None: constant)."""
    if optim.schedule == "cosine":
        return CosineAnnealingLR(optimizer, T_max=epochs)
    if optim.schedule == "step":
        return StepLR(optimizer, step_size=optim.step_epochs or max(1, epochs // 3), gamma=0.1)
    if optim.schedule == "exponential":  # BinaryNet: lr x final_lr_ratio over the run
        return ExponentialLR(optimizer, gamma=optim.final_lr_ratio ** (1.0 / epochs))
    return None


def build_scheduler(optimizer: Optimizer, optim: OptimConfig) -> LRScheduler | None:
    """The per-epoch learning-rate schedule, after `warmup_epochs` of linear warmup."""
    if not optim.warmup_epochs:
        return _decay(optimizer, optim, optim.epochs)
    warmup = LinearLR(optimizer, start_factor=WARMUP_START_FACTOR,
                      total_iters=optim.warmup_epochs)
    decay = _decay(optimizer, optim, optim.epochs - optim.warmup_epochs)
    if decay is None:
        return warmup
    return SequentialLR(optimizer, [warmup, decay], milestones=[optim.warmup_epochs])
