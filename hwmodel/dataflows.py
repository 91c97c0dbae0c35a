"""First-layer dataflows: what repeats when layer 1 runs N (or B) times.

Layer 1 of an SC design runs once per stochastic bit-plane (N passes); that of the bit-serial
baseline once per input bit-plane (B passes). The passes can be scheduled two ways:

* `reread`: the pass loop is outermost. Every pass senses all weight rows again (the XNOR
  happens in the sense amplifier), one stochastic image serves every neuron of a pass, and each
  neuron's count is kept across passes in a partial-sum buffer.
* `row_latched`: each weight row is sensed once and held in its sense amplifiers' latches;
  the N (or B) input bit-planes then stream through XNOR gates beside the latched row. The
  memory is read once, but every plane must be at hand for every row: the SC design keeps the
  N x pixels stochastic image in a register (the bit-serial baseline already holds its B
  planes in the input register). A neuron's slices follow each other, so counts accumulate in
  place; only a conv layer with several slices per neuron keeps partial sums per position.
* `row_latched_regenerated`: as `row_latched`, but the SNGs regenerate the stochastic bits
  of each row's input slice instead of storing the image. Only a deterministic generator can
  regenerate the same bits (a true RNG would give each neuron another image).

The dataflow only matters where layer 1 repeats: the parallel fixed-point layer runs once and
the output merge runs every layer per pass, so both take `reread` only.
"""

from __future__ import annotations

from typing import ClassVar

from hwmodel.first_layer import FirstLayerMode
from hwmodel.kinds import Kind


class FirstLayerDataflow(Kind):
    family: ClassVar[str] = "first-layer dataflow"
    registry: ClassVar[dict[str, Kind]] = {}
    latched: ClassVar[bool] = False  # weight rows sensed once, planes streamed
    stores_image: ClassVar[bool] = False  # an N x pixels stochastic-image register (SC)
    regenerates: ClassVar[bool] = False  # SNGs regenerate each row's slice (SC)

    def problem(self, mode: FirstLayerMode, deterministic_generator: bool,
                output_merge: bool) -> str | None:
        """Why this dataflow cannot serve the design, or None."""
        return None


class Reread(FirstLayerDataflow):
    name = "reread"
    description = "every pass re-senses the weight rows (XNOR in the sense amplifier)"


class RowLatched(FirstLayerDataflow):
    name = "row_latched"
    short = "latched"
    description = "each row sensed once; the bit-planes stream through it (image register)"
    latched = True
    stores_image = True

    def problem(self, mode, deterministic_generator, output_merge):
        if mode.multibit_datapath:
            return f"{mode.name} runs layer 1 once: only reread applies"
        if output_merge:
            return "the output merge runs every layer per pass: only reread applies"
        return None


class RowLatchedRegenerated(RowLatched):
    name = "row_latched_regenerated"
    short = "latched-regen"
    description = "each row sensed once; the SNGs regenerate its slice of every plane"
    stores_image = False
    regenerates = True

    def problem(self, mode, deterministic_generator, output_merge):
        if not mode.stochastic:
            return f"{mode.name} has no SNG to regenerate: use row_latched"
        if not deterministic_generator:
            return "a true RNG cannot regenerate the same bits: use row_latched"
        return super().problem(mode, deterministic_generator, output_merge)
