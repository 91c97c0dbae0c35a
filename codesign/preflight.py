"""Checks of a search space before its study is created.

What the schema cannot see fails inside a run: after a study exists (whose name is then taken
by a broken space), with trials in it, or as one failed training per network until the budget
is spent. So before anything is written the search checks
- the technology: the preset exists and validates;
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

from codesign.compose import hardware_points, train_config, weight_error_rates
from codesign.design_space import Network, enumerate_networks
from codesign.outputs import unwritable_reason
from codesign.space import SearchSpace
from hwmodel import Technology, TechnologyError, load_technology
from trainer.resources import ResourceError, check_resources, memory_needed


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
                   networks: list[Network]) -> dict[str, list[float]]:
    """Cost every configuration of each network; returns the bit-error rates of each network's
    design points (by network key), which its training is evaluated at."""
    rates = {}
    for network in networks:
        try:
            rates[network.key()] = weight_error_rates(hardware_points(network, space, technology))
        except ValueError as exc:
            raise PreflightError(f"hardware: {exc} (network {network.key()})") from None
    return rates


# The search space's field for each field of a training's config that makes it too large.
SPACE_FIELDS = {"data.batch_size": "data.batch_size", "input.eval_lengths":
                "input.bitstream_lengths", "input.length": "input.train_lengths",
                "weight_errors.maps": "budget.error_maps", "optim.epochs": "budget.epochs"}


def training_bytes(network: Network, space: SearchSpace, rates: Sequence[float] = ()) -> int:
    """A lower bound of the memory one training of `network` needs (`trainer.resources`), its
    evaluation at the bit-error rates `rates` included."""
    return memory_needed(train_config(network, space, space.output_dir, rates))[0]


def check_memory(space: SearchSpace, networks: list[Network], concurrent: int = 1,
                 available: int | None = None, rates: dict[str, list[float]] | None = None,
                 memory: bool = True) -> None:
    """Every network's training (evaluated at its design points' bit-error `rates`, by
    network key), `concurrent` at once (local workers), must fit this machine (`memory`: they
    run here) and take less than `trainer.resources.MAX_RUN_S`."""
    rates = rates or {}
    trainings = [(network, train_config(network, space, space.output_dir,
                                        rates.get(network.key(), ()))) for network in networks]
    trainings.sort(key=lambda item: -memory_needed(item[1])[0])  # the largest named first
    for network, config in trainings:
        try:
            check_resources(config, concurrent=concurrent, available_bytes=available,
                            memory=memory)
        except ResourceError as exc:
            field, _, why = str(exc).partition(": ")
            model = "model.widths" if space.model.family == "mlp" else "model.base_channels"
            raise PreflightError(f"{SPACE_FIELDS.get(field, model)}: network {network.key()}: "
                                 f"{why}") from None


def check_data(space: SearchSpace) -> None:
    """Find the dataset and verify every file by content (what each training would read)."""
    from trainer.data import DatasetError, load_dataset
    from trainer.data.splits import validation_split_problem

    try:
        dataset = load_dataset(space.data.dataset, space.data.root, space.data.download)
    except DatasetError as exc:
        raise PreflightError(f"data: {exc}") from None
    problem = validation_split_problem(dataset.train_labels, space.data.val_fraction)
    if problem:
        raise PreflightError(f"data.{problem}")


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
    rates = check_hardware(space, technology, networks)
    check_memory(space, networks, concurrent_trainings, rates=rates, memory=memory)
    check_output_dir(space)
    if data:
        check_data(space)
