"""Finding and loading technology presets: a name under hwmodel/presets/, or a YAML path."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pydantic
import yaml

from hwmodel.technology import Technology, one_line

DEFAULT_PRESET = "stt_mram_28nm"
PRESET_SUFFIX = ".yaml"


class TechnologyError(ValueError):
    """A technology reference that names no preset, or a preset file that does not validate."""


def _preset_dir() -> Path:
    return Path(str(resources.files("hwmodel") / "presets"))


def available_presets() -> list[str]:
    """Names of the presets shipped with the package."""
    return sorted(path.stem for path in _preset_dir().glob(f"*{PRESET_SUFFIX}"))


def is_preset_name(ref: str) -> bool:
    return ref in available_presets()


def resolve_technology_path(ref: str | Path, base_dir: str | Path | None = None) -> Path:
    """The YAML file a reference means: a shipped preset by name, else a path.

    A relative path is looked up next to `base_dir` (the directory of the design that names
    it) first, then in the working directory.
    """
    text = str(ref)
    if is_preset_name(text):
        return _preset_dir() / f"{text}{PRESET_SUFFIX}"
    path = Path(text).expanduser()
    candidates = [path]
    if not path.is_absolute() and base_dir is not None:
        candidates.insert(0, Path(base_dir) / path)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    raise TechnologyError(
        f"technology {text!r} is neither a preset ({', '.join(available_presets())}) "
        f"nor an existing YAML file"
    )


def load_technology(
    ref: str | Path = DEFAULT_PRESET, base_dir: str | Path | None = None
) -> Technology:
    """Load and validate a technology; errors name the file and the field in one line."""
    path = resolve_technology_path(ref, base_dir)
    try:  # libyaml's safe loader where it is built: the same documents, 10x faster
        data = yaml.load(path.read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError as exc:
        raise TechnologyError(f"{path}: invalid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise TechnologyError(f"{path}: expected a mapping of keys at the top level")
    try:
        return Technology.model_validate(data)
    except pydantic.ValidationError as exc:
        raise TechnologyError(f"{path}: {one_line(exc)}") from None
