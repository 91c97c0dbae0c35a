"""Where a training run keeps its files, as plain paths: a search driver finds the checkpoint
an unfinished run left without importing Lightning.

Lightning's CSV logger gives each run of a config a folder OUTPUT_DIR/NAME/version_K
(`trainer.fit`), and `trainer.fit` keeps the run's checkpoints in its `checkpoints` folder:
the best epoch's and `last.ckpt`, the last finished epoch's with the optimizer and the
callbacks' state, from which a training goes on. Lightning writes a checkpoint through a
file-system transaction, so one a killed run left is whole or absent, never half-written.
"""

from __future__ import annotations

from pathlib import Path

CHECKPOINTS = "checkpoints"  # a run folder's checkpoints
LAST = "last.ckpt"  # the last finished epoch's, to go on from


def checkpoint_folder(run: Path) -> Path:
    return Path(run) / CHECKPOINTS


def run_of(checkpoint: Path) -> Path:
    """The run folder a checkpoint belongs to."""
    return Path(checkpoint).parent.parent


def last_checkpoint(output_dir: str | Path, name: str) -> Path | None:
    """The `last.ckpt` of the newest run of a config (its `output_dir` and `name`) that
    finished an epoch, or None."""
    found = list(Path(output_dir, name).glob(f"version_*/{CHECKPOINTS}/{LAST}"))
    return max(found, key=lambda path: path.stat().st_mtime) if found else None
