"""Export: one YAML that rebuilds a chosen design point.

The document has a `training` section (a `TrainConfig`: `codesign train` retrains it and
reports accuracy at the exported N and at the design's weight bit-error rate) and a `hardware`
section (a `HardwareDesign` with the full technology inline: `codesign hw` reproduces the cost
exactly), plus the metrics, the cost breakdown, the SC settings with their seeds and LFSR
polynomial, the device choices with their bit-error rates, the checkpoint and versions.
It describes only the design it holds: a conventional design has no SC field, and the
technology's description names the design's own cell, read voltage, ECC and refresh.

An exported design is relocatable: it holds no path into the search's folders. Its
`training.output_dir` is a neutral relative folder (retraining writes there, not into the
search's run), and the trained weights are copied beside the YAML (`checkpoint`, a path
relative to the YAML's folder, with its sha256), so the two files move together.
"""

from __future__ import annotations

import hashlib
import platform
from importlib import metadata
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from codesign.engine.study import design_record, load_network_study
from codesign.problem.compiled import Problem
from codesign.problem.kinds import sng_source
from codesign.problem.objectives import recorded_attributes
from hwmodel import (
    Architecture,
    ErrorCorrection,
    HardwareDesign,
    MramCell,
    Technology,
)

EXPORT_FORMAT = "codesign-design/2"  # 2: relocatable (checkpoint beside the YAML)
RETRAIN_OUTPUT_DIR = "runs/train"  # where `codesign train design.yaml` writes by default
# What only a stochastic-computing design has: a conventional (fixed-point) design's export
# leaves these out (their defaults stand in when a command reads it, and a fixed-point first
# layer ignores them: `Architecture.effective_bitstream_length`, `deployments`). Its
# `sng_kind` stays: `none` says that it has no generator (the default would name one).
SC_ARCHITECTURE_FIELDS = ("sng_sharing", "lfsr_width_bits", "merge_point", "bitstream_length")
SC_INPUT_FIELDS = ("training", "merge_point", "length", "train_lengths", "eval_lengths", "sng")
PACKAGES = ("codesign", "torch", "pytorch-lightning", "torchmetrics", "optuna", "pydantic",
            "numpy", "ray")


def package_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def export_document(
    design: FrozenTrial, study: optuna.Study, problem: Problem, storage: Any,
    checkpoint: str | None = None,
) -> dict[str, Any]:
    """The exported design; `checkpoint` is where its weights will lie, relative to the YAML
    (`copy_checkpoint` puts them there), None where they are not exported."""
    attrs = design.user_attrs
    run = load_network_study(storage, problem.name).trials[attrs["network_trial"]]
    network = problem.network(design.params)
    training = dict(run.user_attrs["train_config"])
    training.update(name=f"{study.study_name}-design-{design.number}",
                    output_dir=RETRAIN_OUTPUT_DIR)
    length = design.params.get("bitstream_length")
    if length is not None:
        training["input"] = {**training["input"], "eval_lengths": [length]}
    ber = attrs.get("evaluated_error_rate", attrs.get("weight_error_rate", 0.0))
    training["weight_errors"] = {**training.get("weight_errors", {}),
                                 "eval_bers": [ber] if ber > 0 else None}
    architecture = design_architecture(design)
    hardware = HardwareDesign.model_validate(
        {
            "workload": problem.recipe.workload_spec(network),
            "architecture": architecture,
            # at the search's cost corner: the export reproduces the recorded costs
            "technology": problem.cost_technology().model_dump(mode="json"),
        }
    )
    sc = training["input"]["mode"] == "sc"
    document = {
        "format": EXPORT_FORMAT,
        "study": {"name": study.study_name, "design_trial": design.number,
                  "network_trial": attrs["network_trial"], "metric_names": study.metric_names},
        "training": training if sc else _without_sc_input(training),
        "hardware": _hardware_section(hardware, sc),
        "metrics": {name: attrs[name] for name in recorded_attributes() if name in attrs},
        "cost_breakdown": {  # what the design spends on: a component it lacks costs 0
            name: {part: value for part, value in design_record(design, name).items() if value}
            for name in ("area_by_component_um2", "energy_by_component_pj")
        },
        "stochastic_computing": _sc_settings(training, length) if sc else None,
        "device_errors": {name: architecture[name]
                          for name in ("mram_cell", "read_voltage_mv", "ecc", "refresh_period_s")
                          if name in architecture}
        | {"bit_error_rate": attrs.get("bit_error_rate"),
           "weight_error_rate": attrs.get("weight_error_rate", 0.0), "evaluated_error_rate": ber},
        "checkpoint": checkpoint,
        "checkpoint_sha256": None,  # filled in once the weights are copied
        "versions": package_versions(),
    }
    if not sc:
        del document["stochastic_computing"]
    return document


def design_architecture(design: FrozenTrial) -> dict[str, Any]:
    """The hardware configuration a design trial records."""
    return design_record(design, "architecture")


def _without_sc_input(training: dict[str, Any]) -> dict[str, Any]:
    """A conventional network's training section: its input is the mode alone."""
    inputs = {k: v for k, v in training["input"].items() if k not in SC_INPUT_FIELDS}
    return {**training, "input": inputs}


def _hardware_section(hardware: HardwareDesign, sc: bool) -> dict[str, Any]:
    """The hardware as `hw` and `rtl` read it: without SC fields on a conventional design,
    the technology described with the design's device choices."""
    section = hardware.model_dump(mode="json")
    section["technology"]["description"] = technology_description(hardware.technology,
                                                                   hardware.architecture)
    if not sc:
        section["architecture"] = {k: v for k, v in section["architecture"].items()
                                   if k not in SC_ARCHITECTURE_FIELDS}
    return section


def technology_description(technology: Technology, architecture: Architecture) -> str:
    """The technology in one sentence with this design's device choices (a preset's own text
    describes its default cell and read bias, which the design may not use)."""
    cell = MramCell.get(architecture.mram_cell)
    ecc = ErrorCorrection.get(architecture.ecc)
    refresh = architecture.refresh_period_s
    rewritten = f"every weight rewritten every {refresh:,} s" if refresh else "no refresh"
    return (f"{technology.node_nm:g} nm CMOS with embedded STT-MRAM, "
            f"{technology.clock_mhz:g} MHz, {technology.supply_v:g} V. This design: "
            f"{cell.name} weight cells ({cell.description}) read at "
            f"{architecture.read_voltage_mv} mV; ECC {ecc.name} ({ecc.description}); "
            f"{rewritten}.")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _sc_settings(training: dict[str, Any], length: int | None) -> dict[str, Any] | None:
    inputs = training["input"]
    if inputs["mode"] != "sc":
        return None
    sng = dict(inputs["sng"])
    sng.update(sng_source(sng["kind"]).describe(sng))
    return {"bitstream_length": length, "merge_point": inputs["merge_point"],
            "training": inputs["training"], "train_length": inputs["length"], "sng": sng}
