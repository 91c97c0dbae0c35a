"""`Component`: one part of the chip's cost, and the registry of all of them.

The evaluator (`hwmodel.core`) is a sum over the registered components: each computes, for
every design of a batch at once, the area it adds (per layer and shared by all layers), the
cycles it adds to a layer's run, the energy it spends per layer, and the counts it owns.
Declaring a subclass with a `name` registers it (in declaration order, which is the order of
every breakdown); the breakdowns, the `hw` tables and `hw --plot` read their keys, labels and
descriptions here. A new component is one class.

A component is instantiated on one batch (`hwmodel.costs.context.BatchContext`) and may keep
what it derives from it (`functools.cached_property`): area and energy share it. Every method
returns a column over the batch's designs, or the number 0.0 for "nothing here" (the
evaluator skips those: most components are absent from most layers). Technology numbers are
read inside the methods, from `self.tech`, so that the evaluator stays a pure function of the
`Technology` object.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from hwmodel.technology import Technology

if TYPE_CHECKING:
    from hwmodel.costs.context import BatchContext, LayerContext

UnitArea = Callable[[Technology], float]
FJ_TO_PJ = 1e-3


def is_nothing(value: Any) -> bool:
    """True for the number 0.0 a component returns where it has nothing (a column of zeros
    is a column: it is summed)."""
    return isinstance(value, int | float) and value == 0.0


class Component:
    """Base of the cost components. Subclasses with a `name` are registered.

    Class attributes: `name` (the breakdown key), `label` (how tables and plots show it;
    the name unless given), `description` (one line: what hardware it is), `counts` (the
    names of the counts `layer_counts` returns) and `logic_units` (the organisation's logic
    counts it prices, `hwmodel.organisations.Logic`: count name -> area of one unit).
    """

    registry: ClassVar[dict[str, type[Component]]] = {}
    name: ClassVar[str]
    label: ClassVar[str]
    description: ClassVar[str] = ""
    counts: ClassVar[tuple[str, ...]] = ()
    logic_units: ClassVar[Mapping[str, UnitArea]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            if cls.name in Component.registry:
                raise TypeError(f"hardware component {cls.name!r} is declared twice")
            if "label" not in cls.__dict__:
                cls.label = cls.name
            Component.registry[cls.name] = cls

    def __init__(self, batch: BatchContext):
        self.batch = batch
        self.design = batch.design
        self.tech = batch.tech

    # --- what a component computes (every one defaults to nothing) -------------------------

    def shared_area_um2(self) -> Any:
        """Hardware every layer uses (shared tiles, buffers between layers, the sequencer):
        by default the shared logic of the organisation that this component prices."""
        return self.logic_area_um2(self.batch.shared_logic)

    def area_um2(self, layer: LayerContext) -> Any:
        """Hardware `layer` alone uses: by default its logic that this component prices."""
        return self.logic_area_um2(layer.logic)

    def cycles(self, layer: LayerContext) -> Any:
        """Cycles this component adds to the layer's run (a pipeline stage, a wait)."""
        return 0.0

    def energy_fj(self, layer: LayerContext) -> Any:
        """Energy per inference spent in `layer` (fJ). May read `layer.cycles`,
        `layer.latency_ns` and the chip's total area `self.batch.area_um2`."""
        return 0.0

    def layer_counts(self, layer: LayerContext) -> dict[str, Any]:
        """The counts named in `counts`, for `layer` (the report's `Counts`)."""
        return {}

    # --- helpers ---------------------------------------------------------------------------

    def logic_area_um2(self, logic: Mapping[str, Any]) -> Any:
        """The area of the organisation's logic counts that this component prices."""
        area: Any = 0.0
        for key, unit_area in self.logic_units.items():
            if key in logic:
                count = logic[key]
                area = count * unit_area(self.tech) if is_nothing(area) else (
                    area + count * unit_area(self.tech))
        return area


def component_names() -> tuple[str, ...]:
    """The breakdown keys, in breakdown order."""
    return tuple(Component.registry)


def component_label(name: str) -> str:
    """How tables and plots show a breakdown key (the key itself if it is not registered:
    a report written before a component was removed)."""
    found = Component.registry.get(name)
    return found.label if found else name


def priced_logic_keys() -> set[str]:
    """Every organisation logic count that some component prices."""
    return {key for cls in Component.registry.values() for key in cls.logic_units}
