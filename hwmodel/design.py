"""HardwareDesign: the document `python -m codesign hw` reads and the search exports.

A design is a workload (layer shapes, or the widths they come from), an architecture and a
technology (a preset name, a path to a preset YAML, or an inline mapping). Exported designs
keep it under a top-level `hardware:` key next to their training and metrics sections;
`design_from_document` accepts both forms.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from pydantic import Field, field_validator, model_validator

from hwmodel.architecture import Architecture
from hwmodel.batch import evaluate_batch
from hwmodel.corners import cost_bands
from hwmodel.device_errors import device_problems
from hwmodel.evaluate import evaluate
from hwmodel.report import CostReport, ReadVoltagePoint
from hwmodel.technology import Spec, Technology, read_current_problem
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

    @model_validator(mode="after")
    def _within_device_limits(self) -> HardwareDesign:
        arch = self.architecture
        for field, message in device_problems(self.technology.device_errors,
                                              arch.read_voltage_mv, arch.refresh_period_s):
            raise ValueError(f"architecture.{field}: {message}")
        return self

    def build_workload(self) -> Workload:
        return self.workload.build()

    def evaluate(self, bands: bool = False) -> CostReport:
        """The design's costs; with `bands`, also each total's low / nominal / high over the
        technology's ranges (`hwmodel.corners`: two more evaluations)."""
        workload = self.build_workload()
        report = evaluate(workload, self.architecture, self.technology)
        if not bands:
            return report
        return report.model_copy(update={
            "bands": cost_bands(workload, self.architecture, self.technology)})

    def read_voltage_sweep(self, voltages_mv: list[int]) -> list[ReadVoltagePoint]:
        """This design at each read voltage: energy and bit-error rates at the rated age, at
        the operating and the worst-case temperature (a voltage that drives the cells too
        close to switching is refused, with why). Needs the technology's device_errors."""
        spec = self.technology.device_errors
        if spec is None:
            raise ValueError("technology: no device_errors, so no bit-error rates to sweep")
        refused = {v: read_current_problem(spec, float(v)) for v in voltages_mv}
        kept = np.array([v for v in voltages_mv if not refused[v]], dtype=int)
        fields = {**self.architecture.model_dump(), "read_voltage_mv": kept}
        workload = self.build_workload()
        results = {rated: evaluate_batch(workload, self.technology.model_copy(update={
            "device_errors": spec.model_copy(update={"rated_temperature": rated})}), **fields)
            for rated in ("operating", "worst_case")}
        rated = results[spec.rated_temperature]
        points, index = [], {int(v): i for i, v in enumerate(kept)}
        for voltage in voltages_mv:
            if refused[voltage]:
                points.append(ReadVoltagePoint(read_voltage_mv=voltage,
                                               refused=refused[voltage]))
                continue
            i = index[voltage]
            points.append(ReadVoltagePoint(
                read_voltage_mv=voltage, energy_pj=float(rated.energy_pj[i]),
                by_cause={k: float(v[i]) for k, v in rated.bit_error_rate_by_cause.items()},
                bit_error_rate=float(rated.bit_error_rate[i]),
                weight_error_rate=float(rated.weight_error_rate[i]),
                bit_error_rate_operating=float(results["operating"].bit_error_rate[i]),
                bit_error_rate_worst_case=float(results["worst_case"].bit_error_rate[i])))
        return points


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
