"""`evaluate`: test accuracy at each N of a design's stored weights, without retraining.

    python -m codesign evaluate DESIGN.yaml [--eval-lengths 1 2 4 ...] [--json PATH]

DESIGN.yaml is what `export` writes (its `checkpoint` lies beside it), or a MODEL.yaml with
`--checkpoint`. The weights load with `torch.load(weights_only=True)`; the test set is the
design's `training.data` (move the data, change `data.root`).
"""

from __future__ import annotations

import argparse
import pickle
from pathlib import Path

from codesign.commands.common import output_file, positive_int
from codesign.engine.quiet import quiet_libraries
from codesign.errors import UserError, describe_error
from codesign.outputs import check_writable, write_json
from codesign.problem.config_io import (
    check_fits,
    check_sections_agree,
    load_train_config,
    read_yaml,
)
from codesign.screen import present
from hwmodel.strict_yaml import input_file_problem
from trainer.config import InputMode

# what the weights depend on: a checkpoint must have been trained with these as the design says
# (the SC ones only where the design is SC: a conventional design's export leaves them out)
DEPLOYED_FIELDS = ("model", "data.dataset", "input.mode")
SC_DEPLOYED_FIELDS = ("input.merge_point", "input.sng")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="test accuracy at each N of a design's stored weights (no training)",
        description="Load an exported design's checkpoint and report its test accuracy at "
                    "each bitstream length N, from one stream of the largest.")
    parser.add_argument("design", type=Path, help="a YAML written by `export` (or MODEL.yaml "
                                                  "with --checkpoint)")
    parser.add_argument("--eval-lengths", type=positive_int, nargs="+", metavar="N",
                        help="the N to test at (default: the design's input.eval_lengths)")
    parser.add_argument("--checkpoint", type=Path,
                        help="weights to load instead of the design's `checkpoint`")
    parser.add_argument("--accelerator", choices=("cpu", "gpu", "auto"), default="cpu")
    parser.add_argument("--json", type=output_file, metavar="PATH",
                        help="also write results as JSON")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    check_writable(args.json, "--json")
    overrides = {"input": {"eval_lengths": args.eval_lengths}} if args.eval_lengths else None
    config = load_train_config(args.design, overrides)
    check_fits(config, args.design, evaluation_only=True)
    check_sections_agree(args.design)
    checkpoint = _checkpoint_path(args)
    quiet_libraries()
    from codesign.problem.compose import accuracy_over_maps
    from trainer.data import DatasetError
    from trainer.deployed import (
        ErrorSweepSpec,
        TrainedNetwork,
        batches_of_test_set,
        deployed_accuracy,
    )
    from trainer.device import AcceleratorUnavailable, accelerator_device, resolve_accelerator

    try:
        trained = TrainedNetwork.from_checkpoint(checkpoint)
    except Exception as exc:  # truncated, foreign, not weights only: torch raises many kinds
        why = ("torch.load with weights_only=True refuses it"  # torch's message is a page
               if isinstance(exc, pickle.UnpicklingError) else describe_error(exc))
        raise UserError(f"checkpoint {checkpoint}: cannot load: not a PyTorch checkpoint of "
                        f"weights ({why})") from None
    _check_trained_as_designed(trained.config, config, checkpoint, args.design)
    try:
        device = accelerator_device(resolve_accelerator(args.accelerator))
        batches = batches_of_test_set(config, device)
    except (AcceleratorUnavailable, DatasetError) as exc:
        raise UserError(f"{args.design}: {exc}") from None
    tested = deployed_accuracy(  # at the design's bit-error rate, on the search's error maps
        trained.network, trained.encoding, batches, config.input.lengths_to_evaluate,
        trained.config.seed, ErrorSweepSpec.of(config.weight_errors), device)
    accuracy, sweep = tested.accuracy, tested.sweep
    present.show(present.console(), present.evaluation(config, accuracy, sweep, checkpoint))
    if args.json:
        write_json(args.json, {"design": str(args.design), "checkpoint": str(checkpoint),
                               "test_accuracy": {str(n): a for n, a in accuracy.items()},
                               **accuracy_over_maps("test", sweep)})
    return 0


def _checkpoint_path(args: argparse.Namespace) -> Path:
    """--checkpoint, else the design's `checkpoint` (relative to the design's folder), with
    its sha256 checked where the design records one."""
    if args.checkpoint is not None:
        path = args.checkpoint
        problem = input_file_problem(path)
        if problem:
            raise UserError(f"--checkpoint {path}: {problem}")
        return path
    document = read_yaml(args.design)
    reference = document.get("checkpoint")
    if not isinstance(reference, str) or not reference:
        raise UserError(f"{args.design}: checkpoint: no weights recorded (give --checkpoint "
                        "PATH, or `train` the design)")
    path = Path(reference) if Path(reference).is_absolute() else args.design.parent / reference
    problem = input_file_problem(path)
    if problem:
        raise UserError(f"{args.design}: checkpoint: {path}: {problem} (it moves with the "
                        "YAML: keep them in one folder)")
    recorded = document.get("checkpoint_sha256")
    if recorded:
        from codesign.engine.export import file_sha256

        if file_sha256(path) != recorded:
            raise UserError(f"{args.design}: checkpoint: {path} is not the file exported "
                            "with this design (its sha256 differs from checkpoint_sha256)")
    return path


def _check_trained_as_designed(trained, designed, checkpoint: Path, design: Path) -> None:
    trained_data = trained.model_dump(mode="json")
    designed_data = designed.model_dump(mode="json")
    sc = designed.input.mode == InputMode.SC
    for field in (*DEPLOYED_FIELDS, *(SC_DEPLOYED_FIELDS if sc else ())):
        have, want = trained_data, designed_data
        for part in field.split("."):
            have, want = have[part], want[part]
        if have != want:
            raise UserError(f"{design}: training.{field} is {want}, but checkpoint "
                            f"{checkpoint} was trained with {have}")
