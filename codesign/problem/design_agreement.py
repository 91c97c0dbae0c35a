"""Whether an exported design's sections describe one design: its `hardware` (what `hw` and
`rtl` cost and build) and its `training` (what `train` retrains and `evaluate` tests).

An exported design is one YAML a person may edit; an edit to one section that the other does
not follow (a wider layer, another N, another SNG) would make every later number describe a
design that does not exist. `export` checks what it writes; `hw`, `rtl` and `evaluate` check
what they read.
"""

from __future__ import annotations

from codesign.problem.compose import workload_of_model
from codesign.problem.kinds import UnknownKind, deployments, sng_source
from hwmodel import HardwareDesign, parse_workload_spec
from trainer.config import InputMode, TrainConfig


def _layer_shapes(workload) -> list[tuple[int, int, int, int]]:
    return [(layer.inputs, layer.outputs, layer.kernel, layer.positions)
            for layer in workload.build().layers]


def disagreement(training: TrainConfig, design: HardwareDesign) -> str | None:
    """The first field where the hardware contradicts the training, or None."""
    trained = parse_workload_spec(
        workload_of_model(training.model.model_dump(mode="json"), training.data.dataset))
    if _layer_shapes(trained) != _layer_shapes(design.workload):
        return ("hardware.workload: its layers are not those of training.model on "
                f"training.data.dataset {training.data.dataset}")
    arch, inputs = design.architecture, training.input
    deployable = deployments(inputs.mode)
    if arch.first_layer_mode not in deployable:
        as_hardware = " or ".join(deployable) or "no hardware first layer"
        return (f"hardware.architecture.first_layer_mode is {arch.first_layer_mode}, but "
                f"training.input.mode {inputs.mode} deploys as {as_hardware}")
    if inputs.mode != InputMode.SC:
        return None
    checks = [
        ("bitstream_length", arch.bitstream_length, inputs.lengths_to_evaluate,
         "input.eval_lengths", arch.bitstream_length in inputs.lengths_to_evaluate),
        ("merge_point", arch.merge_point, str(inputs.merge_point), "input.merge_point",
         arch.merge_point == inputs.merge_point),
        ("sng_sharing", arch.sng_sharing, inputs.sng.sharing, "input.sng.sharing",
         arch.sng_sharing == inputs.sng.sharing),
    ]
    for field, hardware, trained_value, training_field, agree in checks:
        if not agree:
            return (f"hardware.architecture.{field} is {hardware}, but training."
                    f"{training_field} is {trained_value}")
    try:  # the SNG kind says which of its fields the architecture must match
        problems = sng_source(inputs.sng.kind).disagreements(arch, inputs.sng)
    except UnknownKind as exc:
        return f"training.input.sng.kind: {exc}"
    if not problems:
        return None
    field, hardware, training_field, trained_value = problems[0]
    return (f"hardware.architecture.{field} is {hardware}, but training.{training_field} is "
            f"{trained_value}")
