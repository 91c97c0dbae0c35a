"""Families of interchangeable kinds: one base class per family, one subclass per kind.

A categorical choice of the architecture (the organisation, the first-layer mode, the
dataflow, the popcount circuit, the SNG) is a family; each value is a subclass that carries its
own formulas, in the manner of Optuna's samplers and storages. Declaring a subclass with a
`name` registers it: the architecture's field accepts the name, the evaluator dispatches to
it, the docs list it. Adding a kind is one class.

The evaluator is vectorised over designs, so a kind's method receives whole columns and
returns whole columns; `select` evaluates each kind present in a column and keeps, for every
design, the value of its own kind.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any, ClassVar, Generic, TypeVar

import numpy as np

from hwmodel.distinct import distinct_values

K = TypeVar("K", bound="Kind")


class Kind:
    """Base of every family. A family is a direct subclass that sets `family` and an empty
    `registry`; its subclasses with a `name` are its kinds (instances are stateless)."""

    family: ClassVar[str]
    registry: ClassVar[dict[str, Kind]]
    name: ClassVar[str]
    short: ClassVar[str]  # a few letters for tables (default: the name)
    description: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" in cls.__dict__:
            if cls.name in cls.registry:
                raise TypeError(f"{cls.family} kind {cls.name!r} is declared twice")
            if "short" not in cls.__dict__:
                cls.short = cls.name
            cls.registry[cls.name] = cls()

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(cls.registry)

    @classmethod
    def get(cls: type[K], name: str) -> K:
        try:
            return cls.registry[name]  # type: ignore[return-value]
        except KeyError:
            known = ", ".join(cls.registry)
            raise ValueError(f"unknown {cls.family} {name!r} (known: {known})") from None


def category_masks(values: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """One boolean mask per name (a comparison per name: cheaper than sorting strings)."""
    return {name: values == name for name in names}


class Column(Generic[K]):
    """A categorical column of designs: a mask per kind name (the designs of that kind)."""

    def __init__(self, family: type[K], masks: dict[str, np.ndarray]):
        self.family = family
        self.masks = masks
        self.shape = next(iter(masks.values())).shape
        counts = {name: np.count_nonzero(mask) for name, mask in masks.items()
                  if name in family.registry}
        self.present = [family.get(name) for name, count in counts.items() if count]
        # every design has a kind (none is 'none'): one kind present is every design's kind
        self.complete = sum(counts.values()) == int(np.prod(self.shape))

    @classmethod
    def of(cls, family: type[K], values: np.ndarray) -> Column[K]:
        """The column of an array of kind names."""
        return cls(family, category_masks(values, family.names()))

    def mask(self, name: str) -> np.ndarray:
        return self.masks[name]

    def any(self, predicate: Callable[[K], bool]) -> np.ndarray:
        """Designs whose kind satisfies `predicate` (a property of the kind class)."""
        out = np.zeros(self.shape, dtype=bool)
        for kind in self.present:
            if predicate(kind):
                out |= self.masks[kind.name]
        return out

    def select(self, compute: Callable[[K], Any]) -> np.ndarray:
        """`compute(kind)` for the kind of every design (broadcast to the column's shape;
        a read-only view where every design has the same kind; 0 for a design of no kind)."""
        if len(self.present) == 1 and self.complete:
            return np.broadcast_to(compute(self.present[0]), self.shape)
        size = int(np.prod(self.shape))
        table = np.empty((len(self.present) + 1, size))  # a row per kind, zeros for none
        for index, kind in enumerate(self.present):
            table[index] = np.ravel(np.broadcast_to(compute(kind), self.shape))
        table[-1] = 0.0
        return table.ravel()[self._table_index].reshape(self.shape)

    @cached_property
    def codes(self) -> np.ndarray:
        """Each design's index in `present` (len(present) for a value of no kind: 'none')."""
        count = len(self.present)
        codes = np.full(self.shape, count, dtype=np.int64)
        for index, kind in enumerate(self.present):  # the masks are disjoint
            codes -= (count - index) * self.masks[kind.name]
        return codes

    @cached_property
    def _table_index(self) -> np.ndarray:
        """Where each design's value sits in a (kinds + 1, designs) table, flattened: a
        gather is several times cheaper than a masked copy per kind."""
        size = self.codes.size
        return self.codes.ravel() * size + np.arange(size)

    def select_distinct(self, compute: Callable[..., Any], *columns: Any, outputs: int = 1
                        ) -> Any:
        """`compute(kind, *values)` for every design, run once per distinct combination of
        its kind and its values of `columns` (non-negative whole numbers: a sweep's bits,
        widths or voltages take a handful of values). `compute` returns a column, or a tuple
        of `outputs` columns, over the combinations it is given; the result has the Column's
        shape (0 where a design has no kind)."""
        columns = [np.broadcast_to(np.asarray(column, dtype=float), self.shape)
                   for column in columns]
        keys, radices = self.codes, []
        for column in columns:
            values = column.astype(np.int64)
            radices.append(int(values.max(initial=0)) + 1)
            keys = keys * radices[-1] + values
        distinct, position = distinct_values(keys)
        values = []
        for radix in reversed(radices):
            distinct, value = np.divmod(distinct, radix)
            values.insert(0, value.astype(float))
        results = [np.zeros(len(distinct)) for _ in range(outputs)]
        for index, kind in enumerate(self.present):
            chosen = distinct == index
            found = compute(kind, *(value[chosen] for value in values))
            for result, value in zip(results, found if outputs > 1 else (found,), strict=True):
                result[chosen] = value
        gathered = tuple(result[position].reshape(self.shape) for result in results)
        return gathered if len(gathered) > 1 else gathered[0]

    def merge(self, compute: Callable[[K], dict[str, Any]]) -> dict[str, np.ndarray]:
        """Like `select` for a kind method that returns several named columns at once."""
        if len(self.present) == 1 and self.complete:
            return {key: np.broadcast_to(value, self.shape)
                    for key, value in compute(self.present[0]).items()}
        out: dict[str, np.ndarray] = {}
        for kind in self.present:
            mask = self.masks[kind.name]
            for key, value in compute(kind).items():
                out[key] = np.where(mask, value, out.get(key, 0.0))
        return out
