"""A trained network's weights without its optimizer state: what a design needs to be evaluated.

A Lightning checkpoint also holds the optimizer's state (Adam's moments: twice the weights).
The training writes the weights alone beside its kept checkpoint (`save_weights_beside`), so
that exporting a design copies bytes and needs no PyTorch (`weights_beside`); a checkpoint
without that file (a study from before it) is stripped with `read_weights` + `write_weights`.
Both ways write the same bytes: the same keys, saved the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CHECKPOINT_KEYS = ("state_dict", "hyper_parameters", "epoch", "global_step",
                   "pytorch-lightning_version")  # what evaluating needs; no optimizer state
WEIGHTS_SUFFIX = ".weights.pt"  # not .ckpt: Lightning's checkpoint folder holds only its own


def weights_beside(checkpoint: Path) -> Path:
    """Where the training wrote `checkpoint`'s weights alone."""
    return checkpoint.with_name(checkpoint.stem + WEIGHTS_SUFFIX)


def read_weights(source: Path) -> dict[str, Any]:
    """The trained weights of `source` (a Lightning checkpoint, loaded with
    `torch.load(weights_only=True)`), without the optimizer state."""
    import torch

    checkpoint = torch.load(source, map_location="cpu", weights_only=True)
    return {key: checkpoint[key] for key in CHECKPOINT_KEYS if key in checkpoint}


def write_weights(weights: dict[str, Any], destination: Path) -> None:
    """Save `read_weights`' result at `destination`. (Reading and writing are separate steps
    so that an error names the file that failed.) Saved through a file object: given a path,
    torch names the archive's folder after the file, and an export writes a temporary file of
    a random name, so the same weights would differ byte for byte at every export."""
    import torch

    with destination.open("wb") as handle:
        torch.save(weights, handle)


def save_weights_beside(checkpoint: Path) -> Path:
    """Write `checkpoint`'s weights alone at `weights_beside(checkpoint)`; returns that path."""
    destination = weights_beside(checkpoint)
    write_weights(read_weights(checkpoint), destination)
    return destination
