"""What a worker runs: train one network and evaluate it at every N (and every bit-error rate
of its design points). Plain data in and out.

The driver owns the Optuna storage; a worker (in-process or a Ray task) only trains and
returns numbers, so it needs no database access and a result is never half-written.
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytorch_lightning as pl
import torch

from codesign.problem.compose import accuracy_over_maps
from trainer.config import TrainConfig
from trainer.evaluation_plan import EvaluationPlan
from trainer.fidelity import EarlyStopRule, StopAtDeadline, StopWhenHopeless

ProgressFn = Callable[[int, int, int, int], None]  # epoch, epochs, batch, batches


class _ReportProgress(pl.Callback):
    def __init__(self, report: ProgressFn):
        self.report = report

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx):
        self.report(
            trainer.current_epoch, trainer.max_epochs, batch_idx + 1, trainer.num_training_batches
        )


def train_network(
    job: dict[str, Any], report: ProgressFn | None = None
) -> dict[str, Any]:
    """Train `job["train_config"]`; accuracies at every N on validation and test (with
    `job["evaluation"]`, `codesign.engine.fidelity.evaluation_job`, only at the pairs of N and
    bit-error rate that could enter the front, and how many were measured and skipped), or,
    when `job["early_stop"]` (`codesign.engine.fidelity.early_stop_job`) stops it, or the
    search's wall time left (`job["wall_time_left_s"]`) runs out before its last epoch, only
    how far it got, and for a cut one the checkpoint to resume it from
    (`resume_checkpoint`), which `job["resume_from"]` passes back."""
    from codesign.engine.quiet import quiet_libraries
    from trainer.fit import fit

    quiet_libraries()
    if job.get("torch_threads"):
        torch.set_num_threads(int(job["torch_threads"]))
    config = TrainConfig.model_validate(job["train_config"])
    callbacks = [_ReportProgress(report)] if report is not None else []
    early_stop = _early_stop(job.get("early_stop"))
    # the search's wall time left when the job was sent (`budget.wall_time_s`)
    deadline = (StopAtDeadline(time.monotonic() + float(job["wall_time_left_s"]))
                if job.get("wall_time_left_s") is not None else None)
    evaluation = job.get("evaluation")  # None: every pair is measured
    # a cut training goes on where it stopped, if this worker's disk has its checkpoint
    resume_from = Path(job["resume_from"]) if job.get("resume_from") else None
    if resume_from is not None and not resume_from.is_file():
        resume_from = None
    result = fit(config, callbacks=callbacks, early_stop=early_stop, deadline=deadline,
                 plan=EvaluationPlan.from_spec(evaluation) if evaluation else None,
                 resume_from=resume_from)
    cut = result.stopped_by == "wall_time" and result.last_checkpoint_path is not None
    return {
        **_fidelity(result, config, early_stop),
        "val_accuracy": {str(n): a for n, a in result.val_accuracy_by_length.items()},
        "test_accuracy": {str(n): a for n, a in result.test_accuracy.items()},
        **accuracy_over_maps("val", result.val_error_sweep),
        **accuracy_over_maps("test", result.test_error_sweep),
        "checkpoint": str(result.checkpoint_path.resolve()),
        "train_time_s": result.train_time_s,
        **({"evaluated": result.evaluated} if result.evaluated is not None else {}),
        **({"resume_checkpoint": str(result.last_checkpoint_path.resolve())} if cut else {}),
        "epochs_run": result.epochs_run,
        "device": result.device_name,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        **_ray_placement(),
    }


def _early_stop(spec: dict[str, Any] | None) -> StopWhenHopeless | None:
    """The callback that stops a training whose optimistic accuracy cannot beat the threshold
    the driver computed (`codesign.engine.fidelity.accuracy_to_beat`), or, with successive
    halving, whose accuracy shown at a rung ranks low (`codesign.engine.halving`)."""
    if spec is None:
        return None
    threshold = float(spec["accuracy_to_beat"])
    return StopWhenHopeless(
        could_matter=lambda accuracy: accuracy > threshold,
        rule=EarlyStopRule.model_validate(spec["rule"]),
        observed_excess={int(k): float(v) for k, v in spec.get("observed_excess", {}).items()},
        goes_on_at={int(k): float(v) for k, v in spec.get("goes_on_at", {}).items()})


def _fidelity(result, config: TrainConfig, early_stop: StopWhenHopeless | None
              ) -> dict[str, Any]:
    """How much of its training a network got (epochs run / epochs) and, with early stopping,
    what it was checked against: the validation curve, the optimistic bounds by rung, and
    when it stopped (None: promoted to its full epochs)."""
    recorded: dict[str, Any] = {"fidelity": result.epochs_run / config.optim.epochs,
                                "evaluate_time_s": result.evaluate_time_s,
                                "stopped_at": result.stopped_at,
                                "stopped_by": result.stopped_by}
    if early_stop is not None:
        recorded.update(val_curve=early_stop.history,
                        optimistic_accuracy={str(k): v for k, v in early_stop.bounds.items()})
    return recorded


def is_shared_cause(exc: BaseException) -> bool:
    """Errors that say nothing about the network: the data (missing, corrupt), the
    configuration every training gets, the machine (a file that cannot be written, a package
    that cannot be imported, a missing GPU). Every other network would fail the same way."""
    import pydantic

    from trainer.data import DatasetError
    from trainer.device import AcceleratorUnavailable

    shared = (DatasetError, OSError, ImportError, pydantic.ValidationError,
              AcceleratorUnavailable)
    return isinstance(exc, shared)


def _ray_placement() -> dict[str, Any]:
    """The Ray node and the GPUs Ray gave this training (none outside a Ray worker)."""
    try:
        import ray

        if ray.is_initialized():
            context = ray.get_runtime_context()
            return {"node_id": context.get_node_id(),
                    "gpu_ids": [str(gpu) for gpu in context.get_accelerator_ids().get("GPU", [])]}
    except Exception:  # not in a Ray worker
        pass
    return {"node_id": None, "gpu_ids": []}
