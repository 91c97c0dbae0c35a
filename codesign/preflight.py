"""Checks of a search space before its study is created.

What the schema cannot see fails inside a run: after a study exists (whose name is then taken
by a broken space), with trials in it, or as one failed training per network until the budget
is spent. So before anything is written the search checks
- the technology: the preset exists and validates;
- the hardware: every hardware configuration of the space's smallest and largest networks is
  costed (geometry, tiles and N within the cost model's bounds, consistent choices);
- the memory: the largest network's training must fit in this machine (a lower bound:
  weights, gradients, Adam's two moments and one batch of activations, in float32);
- the data: the dataset is found and every file is read and verified by content, with the
  readers training uses;
- the output folder: it can be created and written.
Each problem is a `PreflightError` naming the field of the space it comes from.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import TypeAdapter

from codesign.compose import hardware_points, workload_spec
from codesign.design_space import Network, enumerate_networks
from codesign.outputs import unwritable_reason
from codesign.space import SearchSpace
from hwmodel import Technology, TechnologyError, WorkloadSpec, load_technology

FLOAT_BYTES = 4
PER_WEIGHT_TENSORS = 4  # latent weight, gradient, Adam's first and second moments
PER_ACTIVATION_TENSORS = 2  # a layer's pre-activation and its output, kept for backward


class PreflightError(ValueError):
    """A space that validates but cannot run: names the field and why."""


def extreme_networks(space: SearchSpace) -> list[Network]:
    """Every input choice of the space, each with its smallest and its largest network (all
    numeric network choices at their minimum, then at their maximum): the hardware and memory
    checks need those, not every combination of widths."""
    networks = []
    for pick in (min, max):
        model = space.model.model_copy(update={
            name: [pick(value)] for name, value in space.model if isinstance(value, list)})
        inputs = space.input.model_copy(update={"train_lengths": [pick(space.input.train_lengths)]})
        networks += enumerate_networks(space.model_copy(update={"model": model, "input": inputs}))
    return networks


def check_technology(space: SearchSpace) -> Technology:
    try:
        return load_technology(space.hardware.technology)
    except TechnologyError as exc:
        raise PreflightError(f"hardware.technology: {exc}") from None


def check_hardware(space: SearchSpace, technology: Technology,
                   networks: list[Network]) -> None:
    for network in networks:
        try:
            hardware_points(network, space, technology)
        except ValueError as exc:
            raise PreflightError(f"hardware: {exc} (network {network.key()})") from None


def training_bytes(network: Network, space: SearchSpace) -> int:
    """A lower bound of the memory one training of `network` needs (see the module doc)."""
    spec = TypeAdapter(WorkloadSpec).validate_python(workload_spec(network, space))
    layers = spec.build().layers
    weights = sum(layer.weights for layer in layers)
    activations = sum(layer.output_values for layer in layers)
    return FLOAT_BYTES * (PER_WEIGHT_TENSORS * weights
                          + PER_ACTIVATION_TENSORS * space.data.batch_size * activations)


def physical_memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system that says
        return None


def check_memory(space: SearchSpace, networks: list[Network], concurrent: int = 1,
                 available: int | None = None) -> None:
    """The largest network, `concurrent` times (Ray workers on this machine), must fit."""
    available = physical_memory_bytes() if available is None else available
    if available is None or not networks:
        return
    largest = max(networks, key=lambda network: training_bytes(network, space))
    needed = concurrent * training_bytes(largest, space)
    if needed > available:
        field = "model.widths" if space.model.family == "mlp" else "model.base_channels"
        times = f"{concurrent} trainings at once x " if concurrent > 1 else ""
        raise PreflightError(
            f"{field}: the largest network ({largest.key()}) needs at least "
            f"{times}{training_bytes(largest, space) / 2**30:,.1f} GiB to train "
            f"(data.batch_size {space.data.batch_size}); this machine has "
            f"{available / 2**30:,.1f} GiB")


def check_data(space: SearchSpace) -> None:
    """Find the dataset and verify every file by content (what each training would read)."""
    from trainer.data import DatasetError, load_dataset

    try:
        load_dataset(space.data.dataset, space.data.root, space.data.download)
    except DatasetError as exc:
        raise PreflightError(f"data: {exc}") from None


def check_output_dir(space: SearchSpace) -> None:
    problem = unwritable_reason(Path(space.output_dir), folder=True)
    if problem:
        raise PreflightError(f"output_dir: {space.output_dir}: {problem}")


def preflight(space: SearchSpace, concurrent_trainings: int = 1, memory: bool = True,
              data: bool = True) -> None:
    """Every check above, cheapest first; raises the first PreflightError. `memory`: the
    trainings run on this machine, `concurrent_trainings` at once."""
    technology = check_technology(space)
    networks = extreme_networks(space)
    check_hardware(space, technology, networks)
    if memory:
        check_memory(space, networks, concurrent_trainings)
    check_output_dir(space)
    if data:
        check_data(space)
