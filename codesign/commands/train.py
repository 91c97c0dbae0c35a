"""`train`: train one SC-BNN design and report its test accuracy at the requested N."""

from __future__ import annotations

import argparse
from pathlib import Path

from codesign.commands.common import output_file, positive_int
from codesign.engine.quiet import quiet_libraries
from codesign.errors import UserError, describe_error
from codesign.outputs import check_inside, check_writable, write_json
from codesign.problem.config_io import check_fits, load_train_config, parse_yaml_value
from codesign.screen import present


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "train",
        help="train one SC-BNN design from a MODEL.yaml (or an exported design)",
        description="Train one SC-BNN and print its test accuracy at each requested N.",
    )
    parser.add_argument("config", type=Path, help="MODEL.yaml, or a YAML written by `export`")
    parser.add_argument("--eval-lengths", type=positive_int, nargs="+", metavar="N",
                        help="override input.eval_lengths")
    parser.add_argument("--epochs", type=positive_int, help="override optim.epochs")
    parser.add_argument("--output-dir", help="override output_dir")
    parser.add_argument("--accelerator", choices=("cpu", "gpu", "auto"),
                        help="override accelerator (an exported GPU design retrains on cpu)")
    parser.add_argument("--precision", choices=("32-true", "16-mixed"),
                        help="override precision (16-mixed: GPU only)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE", dest="settings",
        help="override any field, e.g. --set input.sng.kind=sobol (repeatable; YAML values)",
    )
    parser.add_argument("--json", type=output_file, metavar="PATH",
                        help="also write results as JSON")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(handler=run)


def parse_settings(settings: list[str]) -> dict:
    """`["input.sng.kind=sobol", "optim.lr=0.005"]` -> nested overrides with YAML values."""
    overrides: dict = {}
    for setting in settings:
        key, equals, text = setting.partition("=")
        if not equals or not key or any(not part for part in key.split(".")):
            raise UserError(f"--set {setting}: expected KEY=VALUE, e.g. input.sng.kind=sobol")
        value = parse_yaml_value(text, f"--set {setting}")
        *parents, leaf = key.split(".")
        node = overrides
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise UserError(f"--set {setting}: {part} is set twice")
        node[leaf] = value
    return overrides


def run(args: argparse.Namespace) -> int:
    overrides: dict = parse_settings(args.settings)
    if args.eval_lengths is not None:
        overrides.setdefault("input", {})["eval_lengths"] = args.eval_lengths
    if args.epochs is not None:
        overrides.setdefault("optim", {})["epochs"] = args.epochs
    if args.output_dir:
        overrides["output_dir"] = args.output_dir
    for name in ("accelerator", "precision"):
        if getattr(args, name):
            overrides[name] = getattr(args, name)
    config = load_train_config(args.config, overrides)
    check_fits(config, args.config)
    check_writable(args.json, "--json")  # before the training, not after it
    output_option = "--output-dir" if args.output_dir else f"{args.config}: output_dir"
    check_writable(Path(config.output_dir), output_option, folder=True)
    check_inside(Path(config.output_dir), Path(config.output_dir) / config.name,
                 f"{args.config}: name")  # a folder planted as a link is not written through

    # heavy imports (torch, Lightning) only once the spec is known to be valid
    from codesign.problem.compose import accuracy_over_maps
    from trainer.data import DatasetError
    from trainer.device import AcceleratorUnavailable, resolve_accelerator, resolve_precision
    from trainer.fit import fit
    from trainer.module import TrainingDiverged

    try:
        resolve_precision(config.precision, resolve_accelerator(config.accelerator))
    except AcceleratorUnavailable as exc:
        raise UserError(f"{args.config}: {exc}") from None
    quiet_libraries()
    try:
        result = fit(config, progress=not args.no_progress)
    except DatasetError as exc:
        raise UserError(str(exc)) from None
    except TrainingDiverged as exc:
        raise UserError(f"{args.config}: the training diverged: {exc} (a lower optim.lr, "
                        "or optim.schedule, may help)") from None
    except OSError as exc:  # a full disk, a folder that went away: the checkpoints
        raise UserError(f"{exc.filename or config.output_dir}: cannot write "
                        f"({exc.strerror or exc})") from None
    except (RuntimeError, ValueError) as exc:  # e.g. optim.lr so large that Adam overflows
        raise UserError(f"{args.config}: the training failed: {describe_error(exc)}") from None

    out = present.console()
    present.show(out, present.train_result(config, result))
    if args.json:
        write_json(args.json, {
            "config": config.model_dump(mode="json"),
            "test_accuracy": {str(n): a for n, a in result.test_accuracy.items()},
            "val_accuracy": result.val_accuracy,
            "checkpoint": str(result.checkpoint_path),
            "epochs_run": result.epochs_run,
            "train_time_s": result.train_time_s,
            "accelerator": result.accelerator,
            "device": result.device_name,
            **({"test_error_sweep": result.test_error_sweep.to_json()}
               if result.test_error_sweep is not None else {}),
            **accuracy_over_maps("test", result.test_error_sweep),
        })
    return 0
