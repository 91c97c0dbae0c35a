"""Reading the user's documents (YAML specs, designs, exported designs) and writing results.

Every problem becomes a one-line `UserError` naming the file and the field: the commands
never see a traceback of a malformed input.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from codesign.errors import UserError, format_validation_error
from hwmodel import HARDWARE_SECTION, HardwareDesign, design_from_document
from trainer.config import TrainConfig

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)
TRAINING_SECTION = "training"  # an exported design keeps its training config under this key


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file with `yaml.safe_load`; problems become one-line `UserError`s."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, expected a YAML file") from None
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not a UTF-8 text file (byte {exc.start})") from None
    except OSError as exc:
        raise UserError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{path}: {where}invalid YAML ({problem})") from None


def validate(model: type[ModelT], data: Any, source: str | Path) -> ModelT:
    """Validate parsed data against `model`, naming `source` and the field on failure."""
    if not isinstance(data, dict):
        raise UserError(f"{source}: expected a mapping of keys at the top level")
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        raise UserError(format_validation_error(exc, source)) from None


def load_spec(model: type[ModelT], path: str | Path) -> ModelT:
    """Read and validate one YAML spec file."""
    return validate(model, read_yaml(path), path)


def merged(base: dict, overrides: dict) -> dict:
    """`base` with `overrides` applied, nested mappings merged key by key."""
    result = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def load_train_config(path: Path, overrides: dict | None = None) -> TrainConfig:
    """Read MODEL.yaml, or the `training` section of an exported design."""
    document = read_yaml(path)
    source = str(path)
    if isinstance(document, dict) and TRAINING_SECTION in document:
        document, source = document[TRAINING_SECTION], f"{path}: {TRAINING_SECTION}"
    if overrides and isinstance(document, dict):
        document = merged(document, overrides)
    return validate(TrainConfig, document, source)


def load_design(path: Path, technology: str | None = None) -> HardwareDesign:
    """Read DESIGN.yaml (or the `hardware` section of an exported design) and validate it.

    A technology named by path is looked up next to the design file first; `technology`
    (a preset name or a path from the working directory) replaces the design's.
    """
    document = read_yaml(path)
    exported = isinstance(document, dict) and HARDWARE_SECTION in document
    source = f"{path}: {HARDWARE_SECTION}" if exported else str(path)
    section = document[HARDWARE_SECTION] if exported else document
    if not isinstance(section, dict):
        raise UserError(f"{source}: expected a mapping of keys")
    base_dir = path.parent
    if technology is not None:
        section, base_dir = {**section, "technology": technology}, Path.cwd()
    try:
        return design_from_document(section, base_dir=base_dir)
    except pydantic.ValidationError as exc:
        raise UserError(format_validation_error(exc, source)) from None


def check_sections_agree(path: Path, design: HardwareDesign | None = None) -> None:
    """An exported design's `hardware` and `training` must describe one design (a document
    with one of them only has nothing to compare); a one-line UserError names the field."""
    document = read_yaml(path)
    if not (isinstance(document, dict) and TRAINING_SECTION in document
            and HARDWARE_SECTION in document):
        return
    from codesign.design_agreement import disagreement  # torch: only for exported designs

    problem = disagreement(load_train_config(path), design or load_design(path))
    if problem:
        raise UserError(f"{path}: {problem}: the two sections describe different designs")


def unwritable_reason(path: Path, folder: bool = False) -> str | None:
    """Why `path` (a file, or a folder to create or fill) cannot be written, or None. Checks
    without writing anything, so that a command refuses before its work, not after."""
    if path.exists():
        if folder != path.is_dir():
            return "cannot write: it is a directory" if path.is_dir() else \
                "cannot write: it is a file, not a folder"
        access = os.W_OK | os.X_OK if folder else os.W_OK
        return None if os.access(path, access) else "cannot write: permission denied"
    parent = path.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():
        return f"cannot write: {parent} is not a folder"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"cannot write in {parent}: permission denied"
    return None


def check_writable(path: Path | None, option: str, folder: bool = False) -> None:
    """A one-line UserError naming the option if `path` cannot be written (None: not asked)."""
    if path is None:
        return
    problem = unwritable_reason(path, folder)
    if problem:
        raise UserError(f"{option} {path}: {problem}")


def write_json(path: Path, data: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=2) + "\n")
    except OSError as exc:
        raise UserError(f"{path}: cannot write ({exc.strerror})") from None
