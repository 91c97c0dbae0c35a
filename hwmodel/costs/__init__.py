"""The chip's cost, component by component: the terms the evaluator sums.

`hwmodel.components` holds the circuits and cells (an array, a buffer, a generator, a tree, a
code) and what one of them costs; a `Component` here is one entry of the breakdown: it
decides how many of which circuits a batch of designs has and how often they act, per layer.
The evaluator (`hwmodel.core`) sums the registered components; the modules below are imported
in breakdown order (a component declared elsewhere comes after them).
"""

from hwmodel.costs.base import (
    FJ_TO_PJ,
    Component,
    component_label,
    component_names,
    is_nothing,
    priced_logic_keys,
)
from hwmodel.costs.context import BatchContext, LayerContext

# The components register as their modules are imported: this order is the breakdown's (and
# the order in which the totals are summed, so keep it).
# isort: off
from hwmodel.costs import memory, datapath, inputs, buffers, chip  # noqa: F401
# isort: on

__all__ = [
    "FJ_TO_PJ",
    "BatchContext",
    "Component",
    "LayerContext",
    "component_label",
    "component_names",
    "is_nothing",
    "priced_logic_keys",
]
