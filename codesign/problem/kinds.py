"""Where the trainer's vocabulary meets the hardware model's: each SNG kind as one class.

`trainer` and `hwmodel` never see each other, so where a training choice becomes a hardware
choice the application says how, here and only here. An SNG kind (`SngSource`) owns
everything about itself on this side:

* its trainer kind (`name`, a `trainer.config.SNGKind`) and the `hwmodel` generator that
  realises it (`generator`): the one correspondence, read forward (search, export), as the
  check of an exported design (`design_agreement`) and in reverse (`codesign rtl` of a bare
  hardware design);
* its own parameters (`Parameters`, e.g. the LFSR's `width`), written in a search space as
  `sngs: [ideal, {kind: lfsr, width: 16}]`, each mapped once to its trainer field and its
  architecture field (`fields`);
* what the export says of it (`describe`, e.g. the LFSR's polynomial) and its RTL bank
  (`bank_spec`; a kind without one is refused by `codesign rtl`, never left out).

Declaring a subclass with a `name` registers it; an unknown kind is a one-line `UnknownKind`
wherever it is looked up.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from hwmodel import NO_GENERATOR, Generator
from trainer.config import InputMode, SNGKind

KINDS_FILE = "codesign/kinds.py"


class UnknownKind(ValueError):
    """A kind name no registry knows: one line naming it and the known ones."""


class NoRtl(ValueError):
    """A kind whose RTL is not written: `codesign rtl` refuses its designs."""


class SngParameters(BaseModel):
    """An SNG kind's own parameters (none by default): fields of its search-space entry."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class SngChoice(SngParameters):
    """A search space's SNG: `kind`, then that kind's parameters."""

    kind: str


class SngSource:
    """One SNG kind as the application sees it (see the module doc)."""

    registry: ClassVar[dict[str, SngSource]] = {}
    name: ClassVar[str]  # the trainer's SNGKind value
    generator: ClassVar[str]  # the hwmodel Generator that realises it
    Parameters: ClassVar[type[SngParameters]] = SngParameters
    # parameter -> (its trainer `SNGConfig` field, its hwmodel `Architecture` field)
    fields: ClassVar[dict[str, tuple[str, str]]] = {}
    Choice: ClassVar[type[SngChoice]]  # its search-space entry: `kind` + its parameters

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            return
        if cls.name in cls.registry:
            raise TypeError(f"SNG kind {cls.name!r} is declared twice")
        SNGKind(cls.name)  # a trainer kind must exist: ValueError at import otherwise
        Generator.get(cls.generator)
        own = {name: (info.annotation, info) for name, info in cls.Parameters.model_fields.items()}
        cls.Choice = create_model(f"{cls.__name__}Choice", __base__=SngChoice,  # type: ignore
                                  kind=(Literal[cls.name], cls.name), **own)
        cls.registry[cls.name] = cls()

    @property
    def label(self) -> str:
        return Generator.get(self.generator).description

    @property
    def short(self) -> str:
        return self.name

    @property
    def deterministic(self) -> bool:
        return Generator.get(self.generator).deterministic

    def default(self) -> SngChoice:
        return self.Choice()

    def trainer_fields(self, choice: SngChoice) -> dict[str, Any]:
        """The trainer `SNGConfig` fields of a choice (kind and parameters)."""
        return {"kind": self.name,
                **{trained: getattr(choice, own) for own, (trained, _) in self.fields.items()}}

    def architecture_fields(self, choice: SngChoice) -> dict[str, Any]:
        """The hwmodel `Architecture` fields of a choice (generator and parameters)."""
        return {"sng_kind": self.generator,
                **{built: getattr(choice, own) for own, (_, built) in self.fields.items()}}

    def choice_of(self, architecture: Any) -> SngChoice:
        """The reverse: the choice a hardware architecture realises."""
        return self.Choice(**{own: getattr(architecture, built)
                              for own, (_, built) in self.fields.items()})

    def disagreements(self, architecture: Any, sng: Any) -> list[tuple[str, Any, str, Any]]:
        """Where an architecture does not realise a trainer `SNGConfig` of this kind, as
        (architecture field, its value, training field, the value it should have)."""
        found = []
        if architecture.sng_kind != self.generator:
            found.append(("sng_kind", architecture.sng_kind, "input.sng.kind", self.generator))
        for trained, built in self.fields.values():
            if getattr(architecture, built) != getattr(sng, trained):
                found.append((built, getattr(architecture, built), f"input.sng.{trained}",
                              getattr(sng, trained)))
        return found

    def describe(self, sng: dict[str, Any]) -> dict[str, Any]:
        """What an exported design says of its SNG beyond its config (nothing by default)."""
        return {}

    def bank_spec(self, sng: Any, positions: int, sobol_storage: str = "hardwired") -> Any:
        """The RTL bank that emits the trainer generator `sng`'s streams, bit for bit, over
        `positions` pixels; None where the source is not logic."""
        raise NoRtl(f"SNG kind {self.name}: no RTL bank is written for it (`bank_spec` of "
                    f"its class in {KINDS_FILE})")


class IdealSource(SngSource):
    """Independent uniform numbers: an MTJ true random number generator."""

    name = SNGKind.IDEAL.value
    generator = "mtj_trng"

    def bank_spec(self, sng, positions, sobol_storage="hardwired"):
        return None  # MTJ cells are devices, not logic: the model counts their flip-flops


class LfsrParameters(SngParameters):
    width: int = Field(16, ge=8, le=32, description="LFSR register width, bits")


class LfsrSource(SngSource):
    """A Fibonacci LFSR per group of pixels, with its width."""

    name = SNGKind.LFSR.value
    generator = "lfsr"
    Parameters = LfsrParameters
    fields = {"width": ("width", "lfsr_width_bits")}

    def describe(self, sng):
        from trainer.lfsr import DEFAULT_TAPS

        taps = list(sng.get("taps") or DEFAULT_TAPS[sng["width"]])
        return {"polynomial_taps": taps,
                "polynomial": "x^" + " + x^".join(str(t) for t in taps) + " + 1"}

    def bank_spec(self, sng, positions, sobol_storage="hardwired"):
        from rtl import LfsrSngSpec

        groups = sng.num_groups(positions)
        return LfsrSngSpec(width_bits=sng.width, taps=sng.taps,
                           seeds=tuple(int(s) for s in sng.group_seeds(groups)),
                           sharing=sng.sharing, wiring=_wiring(sng), comparator_bits=sng.bits,
                           positions=positions)


class SobolSource(SngSource):
    """Scrambled Sobol sequences, low-discrepancy at short N."""

    name = SNGKind.SOBOL.value
    generator = "sobol"

    def bank_spec(self, sng, positions, sobol_storage="hardwired"):
        from rtl import SobolSngSpec

        engine = sng.engine(sng.num_groups(positions))
        return SobolSngSpec.from_sobol_state(
            engine.sobolstate.tolist(), engine.shift.tolist(), comparator_bits=sng.bits,
            counter_bits=sng.bits,  # exact for N <= 2^B: the model's B direction numbers
            positions=positions, sharing=sng.sharing, wiring=_wiring(sng),
            direction_storage=sobol_storage)


def _wiring(sng: Any) -> list[list[int]]:
    return [[int(b) for b in row] for row in sng.wiring]


def sng_source(kind: str | None) -> SngSource:
    """The SNG kind named by the trainer's `kind`; a one-line `UnknownKind` otherwise."""
    try:
        return SngSource.registry[str(getattr(kind, "value", kind))]
    except KeyError:
        known = ", ".join(SngSource.registry)
        raise UnknownKind(f"SNG kind '{kind}' is not known to codesign (known: {known}; "
                          f"declare its SngSource in {KINDS_FILE})") from None


def source_of_generator(generator: str) -> SngSource:
    """The reverse lookup: the SNG kind a hardware generator realises."""
    for source in SngSource.registry.values():
        if source.generator == generator:
            return source
    known = ", ".join(s.generator for s in SngSource.registry.values())
    raise UnknownKind(f"SNG generator '{generator}' realises no SNG kind known to codesign "
                      f"(known: {known}; declare its SngSource in {KINDS_FILE})")


def hardware_sng(kind: str | None) -> str:
    """The generator that realises a trainer SNG kind (none without SC)."""
    return NO_GENERATOR if kind is None else sng_source(kind).generator


# trainer input mode -> the hwmodel first-layer modes that can deploy it
FIRST_LAYER_MODES: dict[InputMode, tuple[str, ...]] = {
    InputMode.SC: ("sc",),
    InputMode.FIXED_POINT: ("fixed_point_parallel", "fixed_point_bit_serial"),
}


def deployments(mode: str) -> tuple[str, ...]:
    """The hwmodel first-layer modes that deploy a trainer input mode (none: not deployable)."""
    return FIRST_LAYER_MODES.get(InputMode(mode), ())
