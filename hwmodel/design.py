"""HardwareDesign: the document `python -m codesign hw` reads and the search exports.

A design is a workload (layer shapes, or the widths they come from), an architecture and a
technology (a preset name, a path to a preset YAML, or an inline mapping). Exported designs
keep it under a top-level `hardware:` key next to their training and metrics sections;
`design_from_document` accepts both forms.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from hwmodel.architecture import Architecture
from hwmodel.evaluate import evaluate
from hwmodel.report import CostReport
from hwmodel.technology import Spec, Technology
from hwmodel.technology_presets import (
    DEFAULT_PRESET,
    is_preset_name,
    load_technology,
)
from hwmodel.workload import Workload, WorkloadSpec

HARDWARE_SECTION = "hardware"


class HardwareDesign(Spec):
    """Workload + architecture + technology: everything `evaluate` needs."""

    workload: WorkloadSpec
    architecture: Architecture
    technology: Technology = Field(
        default_factory=lambda: load_technology(DEFAULT_PRESET),
        description="a preset name, a path to a preset YAML, or an inline mapping",
    )

    @field_validator("technology", mode="before")
    @classmethod
    def _load_named_technology(cls, value: Any) -> Any:
        if isinstance(value, str | Path):
            return load_technology(value)  # TechnologyError is a ValueError: names the file
        return value

    def build_workload(self) -> Workload:
        return self.workload.build()

    def evaluate(self) -> CostReport:
        return evaluate(self.build_workload(), self.architecture, self.technology)


def hardware_section(document: Any) -> tuple[Any, bool]:
    """The design part of a document: its `hardware:` section if it has one."""
    if isinstance(document, dict) and HARDWARE_SECTION in document:
        return document[HARDWARE_SECTION], True
    return document, False


def anchor_technology_path(section: Any, base_dir: str | Path) -> Any:
    """Make a relative technology path relative to the design file rather than the cwd."""
    if not isinstance(section, dict):
        return section
    ref = section.get("technology")
    if isinstance(ref, str) and not is_preset_name(ref) and not Path(ref).is_absolute():
        candidate = Path(base_dir) / ref
        if candidate.is_file():
            return {**section, "technology": str(candidate)}
    return section


def design_from_document(document: Any, base_dir: str | Path | None = None) -> HardwareDesign:
    """Validate a design document (or an exported one with a `hardware:` section).

    Raises pydantic.ValidationError; field locations are relative to the design section.
    """
    section, _ = hardware_section(document)
    if base_dir is not None:
        section = anchor_technology_path(section, base_dir)
    return HardwareDesign.model_validate(section)
