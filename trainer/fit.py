"""Train one SC-BNN from a `TrainConfig` and test it at every requested bitstream length."""

from __future__ import annotations

import csv
import shutil
import time
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytorch_lightning as pl
from pytorch_lightning.callbacks import Callback, ModelCheckpoint, RichProgressBar
from pytorch_lightning.loggers import CSVLogger

from trainer.bit_errors import ErrorSweep
from trainer.config import TrainConfig
from trainer.data import SCDataModule
from trainer.device import device_name, resolve_accelerator, resolve_precision
from trainer.evaluate import evaluate_module
from trainer.evaluation_plan import (
    EvaluationPlan,
    Measured,
    counts,
    evaluate_lazily,
)
from trainer.fidelity import StopAtDeadline, StopWhenHopeless
from trainer.module import SCBNNModule
from trainer.run_folders import LAST, checkpoint_folder, run_of
from trainer.weights_file import save_weights_beside

CSV_METRICS = "metrics.csv"  # what Lightning's CSV logger writes in a run folder


class TrainingStoppedEarly(ValueError):
    """The training stopped before it kept any checkpoint (a time limit too small)."""


@dataclass(frozen=True)
class FitResult:
    module: SCBNNModule
    test_accuracy: dict[int, float]  # bitstream length N -> test accuracy
    val_accuracy: float  # best validation accuracy during training (at input.length)
    val_accuracy_by_length: dict[int, float]  # N -> validation accuracy of the kept checkpoint
    checkpoint_path: Path
    log_dir: Path
    epochs_run: int
    train_time_s: float
    accelerator: str  # the device the run got: cpu or gpu
    device_name: str  # e.g. "NVIDIA H100 80GB HBM3", "cpu (2 threads)"
    val_error_sweep: ErrorSweep | None = None  # weight_errors.eval_bers: every (BER, map, N)
    test_error_sweep: ErrorSweep | None = None
    stopped_at: int | None = None  # early stopping ended it after this many epochs: no tests
    stopped_by: str | None = None  # why: "hopeless", "halving" or "wall_time"
    evaluate_time_s: float = 0.0  # testing the kept checkpoint at every N and bit-error rate
    evaluated: dict[str, int] | None = None  # with a plan: pairs measured and skipped by split
    last_checkpoint_path: Path | None = None  # the last epoch's, with the optimizer: to resume


def datamodule_for(config: TrainConfig) -> SCDataModule:
    data = config.data
    return SCDataModule(
        dataset=data.dataset,
        root=data.root,
        batch_size=data.batch_size,
        eval_batch_size=data.eval_batch_size,
        val_fraction=data.val_fraction,
        subset=data.subset,
        seed=config.seed,
        augment=data.augment,
        download=data.download,
    )


def _train(trainer: pl.Trainer, module: SCBNNModule, datamodule: SCDataModule,
           checkpoint: ModelCheckpoint, config: TrainConfig, run_dir: Path,
           resume_from: Path | None) -> None:
    """`trainer.fit`, which must keep a checkpoint; a failed run (a full disk, a time limit
    that ends it before its first epoch) leaves no partial run folder behind (a resumed one
    keeps the folder it resumed in)."""
    try:
        trainer.fit(module, datamodule=datamodule,
                    ckpt_path=str(resume_from) if resume_from is not None else None)
        if not checkpoint.best_model_path:
            raise TrainingStoppedEarly(
                f"optim.max_time_s ({config.optim.max_time_s:g} s) ended the training before "
                "its first epoch did: no checkpoint to evaluate (give it more time)"
                if config.optim.max_time_s else "the training ended before its first epoch")
    except Exception:
        if resume_from is None:
            shutil.rmtree(run_dir, ignore_errors=True)
        raise


def fit(
    config: TrainConfig,
    datamodule: SCDataModule | None = None,
    *,
    eval_lengths: Sequence[int] | None = None,
    progress: bool = False,
    callbacks: Sequence[Callback] = (),
    early_stop: StopWhenHopeless | None = None,
    deadline: StopAtDeadline | None = None,
    plan: EvaluationPlan | None = None,
    resume_from: Path | None = None,
) -> FitResult:
    """Train, keep the best validation checkpoint, and evaluate it at `eval_lengths`.

    The kept checkpoint is evaluated on the validation split (what a search should select
    on) and on the test set (what a report quotes), at every length from one stream.

    The kept checkpoint's weights alone are also written beside it
    (`trainer.weights_file`).

    `eval_lengths` overrides the config's (the search evaluates every N in its range from
    one stream). With `weight_errors.eval_bers`, both evaluations also run under seeded
    weight-error maps at every rate (`trainer.bit_errors`). A training that `early_stop`
    or `deadline` stops (`trainer.fidelity`) is not tested at all (`stopped_at` says when it
    stopped and `stopped_by` why: nobody needs its accuracies at every N). With a `plan`
    (`trainer.evaluation_plan`) the kept checkpoint is measured only at the (N, rate) pairs
    that could matter to a search; `evaluated` counts them. With `resume_from`, a training's
    `last.ckpt` (one the `deadline` cut, `FitResult.last_checkpoint_path`, or one a killed
    run left, `trainer.run_folders.last_checkpoint`), the training goes on from there in the
    same run folder: weights, optimizer, schedule, epochs done, the best checkpoint so far
    and the early-stopping curve; the data order and streams of the epochs left are drawn
    afresh from the seed. One whose epochs were all done (killed while testing) is only
    tested. Seeds everything from `config.seed`.
    Raises `AcceleratorUnavailable` before any work when the config asks for a GPU this
    machine does not have.
    """
    accelerator = resolve_accelerator(config.accelerator)
    precision = resolve_precision(config.precision, accelerator)
    pl.seed_everything(config.seed, workers=True, verbose=False)
    datamodule = datamodule or datamodule_for(config)
    module = _untrained_module(config, datamodule, eval_lengths)
    stops = [stop for stop in (early_stop, deadline) if stop is not None]  # in this order
    trainer, checkpoint, last, train_time_s = _trained(
        config, module, datamodule, accelerator, precision, [*callbacks, *stops], progress,
        resume_from)
    best = Path(checkpoint.best_model_path or last.best_model_path)
    stopped = next((stop for stop in stops if stop.stopped_at is not None), None)
    stopped_at = stopped.stopped_at if stopped is not None else None
    if stopped_at is None:  # what an export copies (`trainer.weights_file`)
        save_weights_beside(best)
    started = time.perf_counter()
    best_module, evaluated = _evaluate(best, module, datamodule, accelerator, precision,
                                       skip=stopped_at is not None, plan=plan)
    return FitResult(
        module=best_module,
        test_accuracy=evaluated["test"].clean,
        val_accuracy=float(checkpoint.best_model_score or 0.0),
        val_accuracy_by_length=evaluated["val"].clean,
        checkpoint_path=best,
        log_dir=Path(trainer.logger.log_dir),
        epochs_run=trainer.current_epoch,
        train_time_s=train_time_s,
        accelerator=accelerator,
        device_name=device_name(accelerator),
        val_error_sweep=evaluated["val"].sweep,
        test_error_sweep=evaluated["test"].sweep,
        stopped_at=stopped_at,
        stopped_by=stopped.stopped_by if stopped is not None else None,
        evaluate_time_s=time.perf_counter() - started,
        evaluated=counts(plan, evaluated) if plan is not None and stopped_at is None else None,
        last_checkpoint_path=Path(last.best_model_path) if last.best_model_path else None,
    )


def _trained(config: TrainConfig, module: SCBNNModule, datamodule: SCDataModule,
             accelerator: str, precision: str, callbacks: list[Callback], progress: bool,
             resume_from: Path | None
             ) -> tuple[pl.Trainer, ModelCheckpoint, ModelCheckpoint, float]:
    """`module` trained (from `resume_from`, if given) with a checkpoint of its best epoch,
    one of its last (`last.ckpt`, every epoch: Lightning's own `save_last` rewrites it only
    with a new best, and a training resumed from it would do again the epochs since) and
    `callbacks` after them: the Lightning trainer, the two checkpoint callbacks and the
    seconds the training took."""
    logger = _logger(config, resume_from)
    folder = checkpoint_folder(Path(logger.log_dir))
    checkpoint = ModelCheckpoint(dirpath=folder, filename="best-{epoch}", monitor="val/acc",
                                 mode="max")
    last = ModelCheckpoint(dirpath=folder, filename=Path(LAST).stem, monitor=None,
                           save_top_k=1, enable_version_counter=False)
    every: list[Callback] = [checkpoint, last, *callbacks]
    if progress:
        every.append(RichProgressBar())
    trainer = _lightning_trainer(config, accelerator, precision, logger, every, progress)
    started = time.perf_counter()
    with _resumed_in_place(resume_from):
        _train(trainer, module, datamodule, last, config, Path(logger.log_dir), resume_from)
    return trainer, checkpoint, last, time.perf_counter() - started


def _logger(config: TrainConfig, resume_from: Path | None) -> CSVLogger:
    """The run's logger: a new version folder, or the folder of the run `resume_from`
    (RUN/checkpoints/last.ckpt) continues, so that its checkpoints keep their best score."""
    if resume_from is None:
        return CSVLogger(save_dir=config.output_dir, name=config.name)
    run = run_of(resume_from)
    return CSVLogger(save_dir=run.parent.parent, name=run.parent.name, version=run.name)


@contextmanager
def _resumed_in_place(resume_from: Path | None) -> Iterator[None]:
    """A training resumed in its own run folder: the epochs it logged before its cut stay at
    the head of its metrics.csv, which Lightning's CSV logger starts afresh in a folder it
    finds in use (and warns that it does so, as its checkpoint callback warns of the
    checkpoints there: both expected here). The rows of an epoch a killed run had begun and
    the resumed one did again are kept once, the resumed run's."""
    if resume_from is None:
        yield
        return
    metrics = run_of(resume_from) / CSV_METRICS
    earlier = _rows(metrics)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", ".* exists and is not empty")
            yield
    finally:
        later = _rows(metrics)
        if later:  # the epochs it trained again (none: its last epoch was done)
            again = min(int(row["epoch"]) for row in later)
            earlier = [row for row in earlier if int(row["epoch"]) < again]
        fields = list(dict.fromkeys(name for row in earlier + later for name in row))
        with metrics.open("w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=fields)
            writer.writeheader()
            writer.writerows(earlier + later)


def _rows(metrics: Path) -> list[dict[str, str]]:
    if not metrics.is_file():
        return []
    with metrics.open(newline="") as file:
        return list(csv.DictReader(file))


def _untrained_module(config: TrainConfig, datamodule: SCDataModule,
                      eval_lengths: Sequence[int] | None) -> SCBNNModule:
    """The network of `config`, shaped by its prepared data, evaluated at `eval_lengths` (when
    given: the config's otherwise)."""
    datamodule.prepare_data()
    datamodule.setup("fit")
    module = SCBNNModule(
        config.model_dump(mode="json"), datamodule.input_shape, datamodule.num_classes
    )
    if eval_lengths is not None:
        module.set_eval_lengths(eval_lengths)
    return module


def _lightning_trainer(config: TrainConfig, accelerator: str, precision: str,
                       logger: CSVLogger, callbacks: list[Callback], progress: bool
                       ) -> pl.Trainer:
    """The Lightning trainer of a run: its epochs, time limit, device and callbacks."""
    max_time = (
        timedelta(seconds=config.optim.max_time_s) if config.optim.max_time_s else None
    )
    trainer = pl.Trainer(
        max_epochs=config.optim.epochs,
        max_time=max_time,
        accelerator=accelerator,
        devices=1,
        precision=precision,
        logger=logger,
        callbacks=callbacks,
        enable_progress_bar=progress,
        enable_model_summary=False,
        num_sanity_val_steps=0,
        log_every_n_steps=10,
    )
    return trainer


def _evaluate(best: Path, module: SCBNNModule, datamodule: SCDataModule, accelerator: str,
              precision: str, skip: bool, plan: EvaluationPlan | None
              ) -> tuple[SCBNNModule, dict[str, Measured]]:
    """The kept checkpoint tested on validation and test: at every N (and bit-error rate) in
    one pass each, or only where `plan` says (`trainer.evaluation_plan`); its module and what
    each split measured (nothing when `skip`)."""
    best_module = SCBNNModule.from_checkpoint(best)
    best_module.set_eval_lengths(module.eval_lengths)
    best_module.errors = module.errors
    if skip:
        return best_module, {"val": Measured(), "test": Measured()}
    if plan is not None:
        return best_module, evaluate_lazily(best_module, datamodule, plan, accelerator,
                                            precision)
    evaluated = {}
    for split in ("val", "test"):
        tested = evaluate_module(best_module, datamodule, split, accelerator, precision)
        evaluated[split] = Measured(tested.accuracy, tested.sweep)
    return best_module, evaluated
