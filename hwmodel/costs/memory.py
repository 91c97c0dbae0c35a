"""The weight memory: STT-MRAM arrays, the sense amplifiers of the lanes, ECC decoders."""

from __future__ import annotations

from functools import cached_property

import numpy as np

from hwmodel.components.ecc import word_data_bits
from hwmodel.costs.base import Component, is_nothing


class MramArrays(Component):
    name = "mram_arrays"
    description = "STT-MRAM cells and array periphery (decoders, drivers, column select)"
    counts = ("arrays", "row_reads")

    def area_um2(self, layer):
        return layer.plan.arrays * self.batch.array.area_um2

    def energy_fj(self, layer):
        array = self.batch.array
        return (layer.plan.row_reads * array.row_read_energy_fj
                + layer.threshold_bits * array.bit_read_energy_fj)

    def layer_counts(self, layer):
        return {"arrays": layer.plan.arrays, "row_reads": layer.plan.row_reads}


class SenseAmplifiers(Component):
    """A sense amplifier per lane and per check-bit column behind it."""

    name = "sense_amplifiers"
    description = "one per lane; each XNORs the bit it senses with its input bit"
    counts = ("bits_read",)
    logic_units = {"lanes": lambda tech: tech.sense_amplifier.area_um2}

    def logic_area_um2(self, logic):
        area = super().logic_area_um2(logic)
        return area if is_nothing(area) else area * self.batch.array.sensed_per_data_bit

    def energy_fj(self, layer):
        return (layer.bits_sensed * self.batch.array.sensed_per_data_bit
                * self.tech.sense_amplifier.energy_fj)

    def layer_counts(self, layer):
        return {"bits_read": layer.bits_sensed}


class EccDecoders(Component):
    """A decoder per row word sensed at once (ceil(C / k) per C lanes), and its pipeline
    stage; the check bits themselves are cells (`mram_arrays`) and lanes (`sense_amplifiers`)."""

    name = "ecc"
    description = ("SEC-DED decoders and the lane XNORs behind them (check bits: arrays, "
                   "amplifiers)")

    @cached_property
    def words_per_lane(self):
        """ECC words of a row, per data bit."""
        cols = self.design.cols
        return np.ceil(cols / word_data_bits(cols)) / cols

    @cached_property
    def decoder(self):
        """(area, energy per word decoded) of one decoder, per design: once per distinct
        (code, row width)."""
        tech = self.tech
        return self.design.ecc.select_distinct(
            lambda ecc, cols: (ecc.decoder_area_um2(tech, cols), ecc.decode_energy_fj(tech, cols)),
            self.design.cols, outputs=2)

    @cached_property
    def stages(self):
        """Pipeline stages of the decoder (0 without ECC)."""
        return self.design.ecc.select(lambda ecc: ecc.pipeline_stages)

    def logic_area_um2(self, logic):
        if "lanes" not in logic:
            return 0.0
        return logic["lanes"] * self.words_per_lane * self.decoder[0]

    def cycles(self, layer):
        if not any(ecc.pipeline_stages for ecc in self.design.ecc.present):
            return 0.0
        return self.stages * layer.plan.repetitions

    def energy_fj(self, layer):
        return layer.bits_sensed * self.words_per_lane * self.decoder[1]
