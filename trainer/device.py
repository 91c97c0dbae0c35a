"""Where a training runs, and which arithmetic it may do in half precision there.

`accelerator` is what the user asks for (`cpu`, `gpu`, `auto`); `resolve_accelerator` turns
it into the device the run gets, or says in one sentence why it cannot. Lightning would say
the same in a 27-line `MisconfigurationException`, after the data is loaded.

Half precision and binary arithmetic: a binary layer multiplies +1/-1 activations by +1/-1
weights, so every product, every partial sum and the result are integers with magnitude at
most the fan-in F. A floating-point format holds every integer up to 2**(mantissa bits + 1)
exactly, so a half-precision matrix product of a binary layer is exact, whatever order the
hardware adds in, as long as F is within that limit (float16: 2048, bfloat16: 256). Beyond it
the popcount would be rounded, and the layer must run in float32 (exact to 2**24).
"""

from __future__ import annotations

from typing import Literal

import torch

from trainer.config import Accelerator, Precision

EXACT_INTEGER_LIMIT: dict[torch.dtype, int] = {
    torch.float16: 2**11,
    torch.bfloat16: 2**8,
    torch.float32: 2**24,
}


class AcceleratorUnavailable(RuntimeError):
    """The requested accelerator does not exist on this machine."""


def gpu_available() -> bool:
    return torch.cuda.is_available()


def resolve_accelerator(requested: Accelerator) -> Literal["cpu", "gpu"]:
    """`auto` picks a GPU when one is visible; `gpu` without one is an error."""
    if requested == "cpu":
        return "cpu"
    if gpu_available():
        return "gpu"
    if requested == "auto":
        return "cpu"
    raise AcceleratorUnavailable(
        "accelerator gpu: no CUDA GPU is visible to PyTorch "
        f"{torch.__version__} (use cpu or auto)"
    )


def accelerator_device(accelerator: Literal["cpu", "gpu"]) -> torch.device:
    """The device of a resolved accelerator."""
    return torch.device("cuda" if accelerator == "gpu" else "cpu")


def device_name(accelerator: Literal["cpu", "gpu"]) -> str:
    """What a report should say the run ran on: the GPU's name, or the CPU threads."""
    if accelerator == "gpu":
        return torch.cuda.get_device_name(torch.cuda.current_device())
    return f"cpu ({torch.get_num_threads()} threads)"


def resolve_precision(precision: Precision, accelerator: Literal["cpu", "gpu"]) -> Precision:
    """float16 autocast is a GPU feature here: on a CPU it is an error, not a silent fallback."""
    if precision == "16-mixed" and accelerator != "gpu":
        raise AcceleratorUnavailable("precision 16-mixed needs accelerator gpu")
    return precision


def half_precision_is_exact(fan_in: int, device_type: str) -> bool:
    """Whether a binary layer of this fan-in is exact in the active autocast dtype."""
    if not torch.is_autocast_enabled(device_type):
        return True
    return fan_in <= EXACT_INTEGER_LIMIT.get(torch.get_autocast_dtype(device_type), 0)
