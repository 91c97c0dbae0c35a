"""Reading the user's documents (YAML specs, designs, exported designs).

Every problem becomes a one-line `UserError` naming the file and the field: the commands
never see a traceback of a malformed input. Writing results is `codesign.outputs`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import pydantic

from codesign.errors import UserError, format_validation_error
from codesign.outputs import check_writable, unwritable_reason, write_json  # noqa: F401
from hwmodel import HARDWARE_SECTION, HardwareDesign, design_from_document
from hwmodel.strict_yaml import DocumentError, load_yaml, parse_yaml
from trainer.config import TrainConfig

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)
TRAINING_SECTION = "training"  # an exported design keeps its training config under this key


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file strictly (`hwmodel.strict_yaml`: a regular file of bounded size, safe
    tags only, bounded nesting, no key given twice); problems become one-line `UserError`s."""
    try:
        return load_yaml(path)
    except DocumentError as exc:
        raise UserError(str(exc)) from None


def parse_yaml_value(text: str, source: str) -> Any:
    """A YAML value typed on the command line (`--set KEY=VALUE`), read as strictly."""
    try:
        return parse_yaml(text, source)
    except DocumentError as exc:
        raise UserError(str(exc)) from None


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


def check_fits(config: TrainConfig, source: str | Path, evaluation_only: bool = False) -> None:
    """The run `config` describes fits this machine's memory and a week (`trainer.resources`):
    checked before any work; one line naming the field otherwise."""
    from trainer.resources import ResourceError, check_resources  # torch: only when needed

    try:
        check_resources(config, evaluation_only=evaluation_only)
    except ResourceError as exc:
        raise UserError(f"{source}: {exc}") from None


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
    from codesign.problem.design_agreement import disagreement  # torch: only for exported designs

    problem = disagreement(load_train_config(path), design or load_design(path))
    if problem:
        raise UserError(f"{path}: {problem}: the two sections describe different designs")
