"""Reading YAML specs safely and validating them with a pydantic model."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import pydantic
import yaml

from codesign.errors import UserError, format_validation_error

ModelT = TypeVar("ModelT", bound=pydantic.BaseModel)


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file with `yaml.safe_load`; problems become one-line `UserError`s."""
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise UserError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, expected a YAML file") from None
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
