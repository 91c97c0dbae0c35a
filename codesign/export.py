"""Export: one YAML that rebuilds a chosen design point.

The document has a `training` section (a `TrainConfig`: `codesign train` retrains it and
reports accuracy at the exported N and at the design's weight bit-error rate) and a `hardware`
section (a `HardwareDesign` with the full technology inline: `codesign hw` reproduces the cost
exactly), plus the metrics, the cost breakdown, the SC settings with their seeds and LFSR
polynomial, the device choices with their bit-error rates, the checkpoint and versions.

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

from codesign.kinds import sng_source
from codesign.objectives import recorded_attributes
from codesign.problem import Problem
from codesign.study import load_network_study
from hwmodel import HardwareDesign, load_technology

EXPORT_FORMAT = "codesign-design/2"  # 2: relocatable (checkpoint beside the YAML)
RETRAIN_OUTPUT_DIR = "runs/train"  # where `codesign train design.yaml` writes by default
CHECKPOINT_KEYS = ("state_dict", "hyper_parameters", "epoch", "global_step",
                   "pytorch-lightning_version")  # what evaluating needs; no optimizer state
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
    ber = attrs.get("weight_error_rate", 0.0)
    training["weight_errors"] = {**training.get("weight_errors", {}),
                                 "eval_bers": [ber] if ber > 0 else None}
    hardware = HardwareDesign.model_validate(
        {
            "workload": problem.recipe.workload_spec(network),
            "architecture": attrs["architecture"],
            "technology": load_technology(problem.technology).model_dump(mode="json"),
        }
    )
    return {
        "format": EXPORT_FORMAT,
        "study": {"name": study.study_name, "design_trial": design.number,
                  "network_trial": attrs["network_trial"], "metric_names": study.metric_names},
        "training": training,
        "hardware": hardware.model_dump(mode="json"),
        "metrics": {name: attrs[name] for name in recorded_attributes() if name in attrs},
        "cost_breakdown": {
            "area_by_component_um2": attrs["area_by_component_um2"],
            "energy_by_component_pj": attrs["energy_by_component_pj"],
        },
        "stochastic_computing": _sc_settings(training, length),
        "device_errors": {name: attrs["architecture"][name]
                          for name in ("mram_cell", "read_voltage_mv", "ecc")}
        | {"bit_error_rate": attrs.get("bit_error_rate"), "weight_error_rate": ber},
        "checkpoint": checkpoint,
        "checkpoint_sha256": None,  # filled in once the weights are copied
        "versions": package_versions(),
    }


def copy_checkpoint(source: Path, destination: Path) -> str:
    """The trained weights of `source` (a Lightning checkpoint) at `destination`, without the
    optimizer state, loadable with `torch.load(weights_only=True)`; returns their sha256."""
    import torch

    checkpoint = torch.load(source, map_location="cpu", weights_only=True)
    torch.save({key: checkpoint[key] for key in CHECKPOINT_KEYS if key in checkpoint},
               destination)
    return file_sha256(destination)


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
