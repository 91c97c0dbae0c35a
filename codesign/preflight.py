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

from codesign.config_io import unwritable_reason
from codesign.design_space import Network
from codesign.problem import Problem
from hwmodel import Technology, TechnologyError, WorkloadSpec, load_technology

FLOAT_BYTES = 4
PER_WEIGHT_TENSORS = 4  # latent weight, gradient, Adam's first and second moments
PER_ACTIVATION_TENSORS = 2  # a layer's pre-activation and its output, kept for backward


class PreflightError(ValueError):
    """A space that validates but cannot run: names the field and why."""


def extreme_networks(problem: Problem) -> list[Network]:
    """Every input choice of the space, each with its smallest and its largest network (all
    numeric network choices at their minimum, then at their maximum): the hardware and memory
    checks need those, not every combination of widths."""
    return [network for space in problem.design_space.extremes()
            for network in space.networks()]


def check_technology(problem: Problem) -> Technology:
    try:
        return load_technology(problem.technology)
    except TechnologyError as exc:
        raise PreflightError(f"hardware.technology: {exc}") from None


def check_hardware(problem: Problem, technology: Technology, networks: list[Network]) -> None:
    for network in networks:
        try:
            problem.hardware_points(network, technology)
        except ValueError as exc:
            raise PreflightError(f"hardware: {exc} (network {network.key()})") from None


def training_bytes(network: Network, problem: Problem) -> int:
    """A lower bound of the memory one training of `network` needs (see the module doc)."""
    spec = TypeAdapter(WorkloadSpec).validate_python(problem.recipe.workload_spec(network))
    layers = spec.build().layers
    weights = sum(layer.weights for layer in layers)
    activations = sum(layer.output_values for layer in layers)
    return FLOAT_BYTES * (PER_WEIGHT_TENSORS * weights
                          + PER_ACTIVATION_TENSORS * problem.recipe.data.batch_size * activations)


def physical_memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system that says
        return None


def _size_fields(problem: Problem) -> str:
    """The fields that set a network's size (its numeric network rows' sources)."""
    sources = [row.source for row in problem.design_space.network_parameters
               if row.numeric and isinstance(row.source, str) and row.source.startswith("model.")]
    return ", ".join(dict.fromkeys(sources)) or "model"


def check_memory(problem: Problem, networks: list[Network], concurrent: int = 1,
                 available: int | None = None) -> None:
    """The largest network, `concurrent` times (Ray workers on this machine), must fit."""
    available = physical_memory_bytes() if available is None else available
    if available is None or not networks:
        return
    largest = max(networks, key=lambda network: training_bytes(network, problem))
    needed = concurrent * training_bytes(largest, problem)
    if needed > available:
        times = f"{concurrent} trainings at once x " if concurrent > 1 else ""
        raise PreflightError(
            f"{_size_fields(problem)}: the largest network ({largest.key()}) needs at least "
            f"{times}{training_bytes(largest, problem) / 2**30:,.1f} GiB to train "
            f"(data.batch_size {problem.recipe.data.batch_size}); this machine has "
            f"{available / 2**30:,.1f} GiB")


def check_data(problem: Problem) -> None:
    """Find the dataset and verify every file by content (what each training would read)."""
    from trainer.data import DatasetError, load_dataset

    data = problem.recipe.data
    try:
        load_dataset(data.dataset, data.root, data.download)
    except DatasetError as exc:
        raise PreflightError(f"data: {exc}") from None


def check_output_dir(problem: Problem) -> None:
    problem_text = unwritable_reason(Path(problem.output_dir), folder=True)
    if problem_text:
        raise PreflightError(f"output_dir: {problem.output_dir}: {problem_text}")


def preflight(problem: Problem, concurrent_trainings: int = 1, memory: bool = True,
              data: bool = True) -> None:
    """Every check above, cheapest first; raises the first PreflightError. `memory`: the
    trainings run on this machine, `concurrent_trainings` at once."""
    technology = check_technology(problem)
    networks = extreme_networks(problem)
    check_hardware(problem, technology, networks)
    if memory:
        check_memory(problem, networks, concurrent_trainings)
    check_output_dir(problem)
    if data:
        check_data(problem)
