"""Checks of a search space before its study is created.

What the schema cannot see fails inside a run: after a study exists (whose name is then taken
by a broken space), with trials in it, or as one failed training per network until the budget
is spent. So before anything is written the search checks
- the technology: the preset exists and validates;
- the device limits: no read voltage of the space drives the cells too close to switching, no
  refresh period rewrites them more often than they endure;
- the hardware: every hardware configuration of the space's smallest and largest networks is
  costed (geometry, tiles and N within the cost model's bounds, consistent choices);
- the memory and time: each of those networks' trainings must fit in this machine, and take
  less than a week (lower bounds from `trainer.resources`: training, and evaluation at every
  N and bit-error rate of its design points with `budget.error_maps` maps);
- the data: the dataset is found and every file is read and verified by content, with the
  readers training uses;
- the output folder: it can be created and written.
Each problem is a `PreflightError` naming the field of the space it comes from.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from codesign.outputs import unwritable_reason
from codesign.problem.compiled import Problem
from codesign.problem.compose import weight_error_rates
from codesign.problem.design_space import Network
from hwmodel import Technology, TechnologyError, load_technology
from hwmodel.device_errors import device_problems
from trainer.resources import ResourceError, check_resources, memory_needed


class PreflightError(ValueError):
    """A space that validates but cannot run: names the field and why."""


def extreme_networks(problem: Problem) -> list[Network]:
    """Every input choice of the space, each with its smallest and its largest network (all
    numeric network choices at their minimum, then at their maximum): the hardware and memory
    checks need those, not every combination of widths."""
    return [network for space in problem.design_space.extremes()
            for network in space.networks()]


def check_technology(problem: Problem) -> Technology:
    """The technology the designs are costed with, at the space's cost corner."""
    try:
        load_technology(problem.technology)
    except TechnologyError as exc:
        raise PreflightError(f"hardware.technology: {exc}") from None
    try:
        return problem.cost_technology()
    except ValueError as exc:
        raise PreflightError(f"hardware.cost_corner: {exc}") from None


def check_device_limits(problem: Problem, technology: Technology) -> None:
    """Every read voltage and refresh period of the space within the technology's device
    limits (`hwmodel.device_errors.device_problems`): a read that would switch the cells, a
    refresh that wears them out."""
    space = problem.design_space
    rows = {name: space.parameter(name) for name in ("read_voltage_mv", "refresh_period_s")
            if name in space.names}
    domains = {name: row.domain for name, row in rows.items()}
    problems = device_problems(technology.device_errors, domains.get("read_voltage_mv", ()),
                               domains.get("refresh_period_s", ()))
    for field, message in problems:
        raise PreflightError(f"{rows[field].source}: {message}")


def check_hardware(problem: Problem, technology: Technology,
                   networks: list[Network]) -> dict[str, list[float]]:
    """Cost every configuration of each network; returns the bit-error rates of each network's
    design points (by network key), which its training is evaluated at."""
    rates = {}
    for network in networks:
        try:
            batch = problem.hardware_batch(network, technology)
        except ValueError as exc:
            raise PreflightError(f"hardware: {exc} (network {network.key()})") from None
        rates[network.key()] = weight_error_rates(batch.weight_error_rate)
    return rates


# The search space's field for each field of a training's config that makes it too large
# (`model`: the fields that set a network's size, `_size_fields`).
SPACE_FIELDS = {"data.batch_size": "data.batch_size", "input.eval_lengths":
                "input.bitstream_lengths", "input.length": "input.train_lengths",
                "weight_errors.maps": "budget.error_maps", "optim.epochs": "budget.epochs"}


def training_bytes(network: Network, problem: Problem, rates: Sequence[float] = ()) -> int:
    """A lower bound of the memory one training of `network` needs (`trainer.resources`), its
    evaluation at the bit-error rates `rates` included."""
    return memory_needed(problem.train_config(network, problem.output_dir, rates))[0]


def _size_fields(problem: Problem) -> str:
    """The fields that set a network's size (its numeric network rows' sources)."""
    sources = [row.source for row in problem.design_space.network_parameters
               if row.numeric and isinstance(row.source, str) and row.source.startswith("model.")]
    return ", ".join(dict.fromkeys(sources)) or "model"


def check_memory(problem: Problem, networks: list[Network], concurrent: int = 1,
                 available: int | None = None, rates: dict[str, list[float]] | None = None,
                 memory: bool = True) -> None:
    """Every network's training (evaluated at its design points' bit-error `rates`, by
    network key), `concurrent` at once (local workers), must fit this machine (`memory`: they
    run here) and take less than `trainer.resources.MAX_RUN_S`."""
    rates = rates or {}
    trainings = [(network, problem.train_config(network, problem.output_dir,
                                                rates.get(network.key(), ())))
                 for network in networks]
    trainings.sort(key=lambda item: -memory_needed(item[1])[0])  # the largest named first
    for network, config in trainings:
        try:
            check_resources(config, concurrent=concurrent, available_bytes=available,
                            memory=memory)
        except ResourceError as exc:
            field, _, why = str(exc).partition(": ")
            raise PreflightError(f"{SPACE_FIELDS.get(field) or _size_fields(problem)}: "
                                 f"network {network.key()}: {why}") from None


def check_data(problem: Problem) -> None:
    """Find the dataset and verify every file by content (what each training would read)."""
    from trainer.data import DatasetError, load_dataset
    from trainer.data.splits import validation_split_problem

    data = problem.recipe.data
    try:
        dataset = load_dataset(data.dataset, data.root, data.download)
    except DatasetError as exc:
        raise PreflightError(f"data: {exc}") from None
    split_problem = validation_split_problem(dataset.train_labels, data.val_fraction)
    if split_problem:
        raise PreflightError(f"data.{split_problem}")


def check_output_dir(problem: Problem) -> None:
    problem_text = unwritable_reason(Path(problem.output_dir), folder=True)
    if problem_text:
        raise PreflightError(f"output_dir: {problem.output_dir}: {problem_text}")


def preflight(problem: Problem, concurrent_trainings: int = 1, memory: bool = True,
              data: bool = True) -> None:
    """Every check above, cheapest first; raises the first PreflightError. `memory`: the
    trainings run on this machine, `concurrent_trainings` at once."""
    technology = check_technology(problem)
    check_device_limits(problem, technology)
    networks = extreme_networks(problem)
    rates = check_hardware(problem, technology, networks)
    check_memory(problem, networks, concurrent_trainings, rates=rates, memory=memory)
    check_output_dir(problem)
    if data:
        check_data(problem)
