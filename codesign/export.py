"""Export: one YAML that rebuilds a chosen design point.

The document has a `training` section (a `TrainConfig`: `codesign train` retrains it and
reports accuracy at the exported N and at the design's weight bit-error rate) and a `hardware`
section (a `HardwareDesign` with the full technology inline: `codesign hw` reproduces the cost
exactly), plus the metrics, the cost breakdown, the SC settings with their seeds and LFSR
polynomial, the device choices with their bit-error rates, the checkpoint and versions.
"""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from codesign.compose import workload_spec
from codesign.design_space import Network
from codesign.space import SearchSpace
from codesign.study import load_network_study
from hwmodel import HardwareDesign, load_technology
from trainer.lfsr import DEFAULT_TAPS

EXPORT_FORMAT = "codesign-design/1"
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
    design: FrozenTrial, study: optuna.Study, space: SearchSpace, storage: Any
) -> dict[str, Any]:
    attrs = design.user_attrs
    run = load_network_study(storage, space.name).trials[attrs["network_trial"]]
    network = Network.from_params(design.params, space)
    training = dict(run.user_attrs["train_config"])
    length = design.params.get("bitstream_length")
    if length is not None:
        training["input"] = {**training["input"], "eval_lengths": [length]}
    ber = attrs.get("weight_error_rate", 0.0)
    training["weight_errors"] = {**training.get("weight_errors", {}),
                                 "eval_bers": [ber] if ber > 0 else None}
    hardware = HardwareDesign.model_validate(
        {
            "workload": workload_spec(network, space),
            "architecture": attrs["architecture"],
            "technology": load_technology(space.hardware.technology).model_dump(mode="json"),
        }
    )
    return {
        "format": EXPORT_FORMAT,
        "study": {"name": study.study_name, "design_trial": design.number,
                  "network_trial": attrs["network_trial"], "metric_names": study.metric_names},
        "training": training,
        "hardware": hardware.model_dump(mode="json"),
        "metrics": {
            "val_accuracy": attrs["val_accuracy"],
            "test_accuracy": attrs["test_accuracy"],
            "energy_pj": attrs["energy_pj"],
            "area_mm2": attrs["area_mm2"],
            "latency_ns": attrs["latency_ns"],
            "inferences_per_s": attrs["inferences_per_s"],
        },
        "cost_breakdown": {
            "area_by_component_um2": attrs["area_by_component_um2"],
            "energy_by_component_pj": attrs["energy_by_component_pj"],
        },
        "stochastic_computing": _sc_settings(training, length),
        "device_errors": {name: attrs["architecture"][name]
                          for name in ("mram_cell", "read_voltage_mv", "ecc")}
        | {"bit_error_rate": attrs.get("bit_error_rate"), "weight_error_rate": ber},
        "checkpoint": attrs["checkpoint"],
        "versions": package_versions(),
    }


def _sc_settings(training: dict[str, Any], length: int | None) -> dict[str, Any] | None:
    inputs = training["input"]
    if inputs["mode"] != "sc":
        return None
    sng = dict(inputs["sng"])
    if sng["kind"] == "lfsr":
        sng["polynomial_taps"] = list(sng.get("taps") or DEFAULT_TAPS[sng["width"]])
        sng["polynomial"] = "x^" + " + x^".join(str(t) for t in sng["polynomial_taps"]) + " + 1"
    return {"bitstream_length": length, "merge_point": inputs["merge_point"],
            "training": inputs["training"], "train_length": inputs["length"], "sng": sng}
