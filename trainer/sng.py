"""Stochastic number generators (SNGs): where the comparison numbers u_t come from.

A pixel p (8 bits) has the value x = p / 255 in [0, 1]. At every cycle t an SNG produces a
number u_t in [0, 1) for each pixel position and the comparator emits bit_t = [u_t < x], so the
stream has mean x (unipolar) and, mapped to +1/-1, mean 2x - 1 (bipolar).

Every generator answers two questions about one stream per pixel:

* `stream(pixels, length)`: the bit-planes themselves, shape (length, *pixels.shape);
* `counts(pixels, lengths)`: how many ones the first L bits hold, for several nested L of the
  same stream, shape (len(lengths), *pixels.shape).

`counts` is the fast path that SC-adapted training and multi-N evaluation use; it never loops
over the bit-planes. The ideal source samples the count directly from its binomial law; the
deterministic sources (LFSR, Sobol) read it from a look-up table indexed by pixel position and
pixel value. Each kind also provides `reference_planes`, the naive cycle-by-cycle generation
(plain Python integers for the LFSR) that the tests compare the fast paths against.

Each kind is one class with its `kind` (a `trainer.config.SNGKind`) and `from_config`;
declaring it registers it, and `build_sng` finds it there.

Deterministic generators restart for every inference: an image always sees the same sequence.
That makes an exported design reproduce its numbers bit for bit, and it is what a reset-per-
inference hardware controller does.
"""

from __future__ import annotations

import hashlib
import math
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from functools import cached_property, lru_cache
from itertools import pairwise
from typing import ClassVar

import numpy as np
import torch

from trainer.config import SNGConfig, SNGKind
from trainer.lfsr import DEFAULT_TAPS, ScalarLFSR, lfsr_states

PIXEL_MAX = 255  # 8-bit pixels: x = p / PIXEL_MAX
PIXEL_LEVELS = PIXEL_MAX + 1


def pixel_values(pixels: torch.Tensor) -> torch.Tensor:
    """x = p / 255 as float: the probability that a stream bit is 1."""
    return pixels.to(torch.float32) / PIXEL_MAX


def check_lengths(lengths: Sequence[int]) -> list[int]:
    """Prefix lengths must be positive and strictly increasing (they index one stream)."""
    lengths = [int(n) for n in lengths]
    if not lengths or lengths[0] < 1 or any(b <= a for a, b in pairwise(lengths)):
        raise ValueError(f"bitstream lengths must be positive and increasing, got {lengths}")
    return lengths


@lru_cache(maxsize=256)
def lengths_tensor(lengths: tuple[int, ...], device: torch.device) -> torch.Tensor:
    """The lengths as a float32 tensor on `device`, made once: a step that built it afresh
    would copy from the host and wait for the device every time. Made outside inference mode
    even when first asked inside it (a test pass): an inference tensor, cached, would fail
    every later training step that divides by it."""
    with torch.inference_mode(False):
        return torch.tensor(lengths, dtype=torch.float32, device=device)


class KeyedGenerators:
    """Random streams keyed by what they draw, for evaluation.

    Why: a design's accuracy at N must be a function of the design (its N and seeds), not of
    which other N are evaluated beside it. One generator shared by every length and batch
    would hand N = 1 other numbers once N = 2 is evaluated too (its draws come first). Here
    each named piece of randomness (a block of a stream, one bit-plane) has its own generator,
    seeded from (seed, key) and kept across batches, so it draws the same numbers for every
    batch whatever else is drawn. Training keeps one plain `torch.Generator`.
    """

    def __init__(self, seed: int, device: torch.device | str = "cpu"):
        self.seed, self.device = int(seed), torch.device(device)
        self._generators: dict[tuple, torch.Generator] = {}

    def __call__(self, *key: object) -> torch.Generator:
        if key not in self._generators:
            digest = hashlib.blake2b(repr((self.seed, key)).encode(), digest_size=8).digest()
            seed = int.from_bytes(digest, "little") >> 1  # torch seeds are < 2^63
            self._generators[key] = torch.Generator(device=self.device).manual_seed(seed)
        return self._generators[key]


RandomSource = torch.Generator | KeyedGenerators | None  # what `stream` and `counts` draw from


class StochasticNumberGenerator(ABC):
    """One stochastic stream per pixel position; see the module docstring."""

    kind: ClassVar[SNGKind]
    deterministic: ClassVar[bool]
    registry: ClassVar[dict[SNGKind, type[StochasticNumberGenerator]]] = {}

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "kind" in cls.__dict__:
            StochasticNumberGenerator.registry[cls.kind] = cls

    @classmethod
    @abstractmethod
    def from_config(cls, config: SNGConfig) -> StochasticNumberGenerator:
        """The generator an `SNGConfig` of this kind describes."""

    @abstractmethod
    def reference_planes(
        self, pixels: torch.Tensor, length: int, generator: torch.Generator | None = None
    ) -> list[torch.Tensor]:
        """The bit-planes generated naively, one cycle at a time (the tests' reference)."""

    @abstractmethod
    def stream(
        self,
        pixels: torch.Tensor,
        length: int,
        generator: RandomSource = None,
        start: int = 0,
    ) -> torch.Tensor:
        """Bit-planes (length, *pixels.shape) of dtype bool, from cycle `start` on."""

    @abstractmethod
    def counts(
        self,
        pixels: torch.Tensor,
        lengths: Sequence[int],
        generator: RandomSource = None,
        dtype: torch.dtype = torch.int64,
    ) -> torch.Tensor:
        """Ones among the first L bits of one stream, for each L in `lengths`."""

    @abstractmethod
    def table_bytes(self, positions: int, lengths: Sequence[int], keyed: bool = False) -> int:
        """The memory the generator's tables take to draw `lengths` for `positions` pixels
        (a lower bound, known before they are built: `trainer.resources`); `keyed`: drawn
        from `KeyedGenerators`, as evaluation draws."""


class _BinomialAliasTable:
    """Exact Binomial(n, p/255) sampling for the 256 pixel values with Walker's alias method.

    Why: torch.binomial costs about as much as a whole training step of the reference MLP on
    this CPU, while pixels take only 256 values, so a per-value alias table turns each draw
    into one uniform number and two gathers (see benchmarks/train_throughput.py).
    """

    def __init__(self, n: int):
        from scipy.stats import binom  # half a second to import: only the ideal SNG needs it

        self.n = n
        probabilities = np.empty((PIXEL_LEVELS, n + 1))
        aliases = np.empty((PIXEL_LEVELS, n + 1), dtype=np.int64)
        outcomes = np.arange(n + 1)
        for level in range(PIXEL_LEVELS):
            pmf = binom.pmf(outcomes, n, level / PIXEL_MAX)
            probabilities[level], aliases[level] = _vose_alias(pmf)
        table = np.stack([probabilities.ravel(), aliases.ravel()])
        self._tables = _PerDevice(torch.from_numpy(table).to(torch.float32))

    def sample(self, pixels: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        """One count per pixel, as float32 (exact small integers: no casts on the hot path)."""
        columns = self.n + 1
        uniform = torch.rand(pixels.shape, generator=generator, device=pixels.device)
        scaled = uniform.mul_(columns)
        column = scaled.floor().clamp_(max=self.n)
        residual = scaled.sub_(column)
        flat = (pixels.to(torch.int32) * columns).add_(column.to(torch.int32))
        acceptance, alias = self._tables.on(pixels.device)
        return torch.where(residual < acceptance[flat], column, alias[flat])


class _PerDevice:
    """A constant tensor, copied once to each device that asks for it.

    The tables of the fast paths are built on the CPU; a training step on a GPU must find them
    there already (a copy per step would make the host wait for the device every step).
    """

    def __init__(self, tensor: torch.Tensor):
        self._copies = {tensor.device: tensor}
        self._source = tensor

    def on(self, device: torch.device) -> torch.Tensor:
        if device not in self._copies:
            self._copies[device] = self._source.to(device)
        return self._copies[device]

    @property
    def source(self) -> torch.Tensor:
        return self._source


def _vose_alias(pmf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vose's alias method: acceptance probabilities and aliases for a discrete law."""
    size = len(pmf)
    scaled = pmf * size / pmf.sum()
    acceptance = np.ones(size)
    alias = np.arange(size)
    small = [i for i in range(size) if scaled[i] < 1.0]
    large = [i for i in range(size) if scaled[i] >= 1.0]
    while small and large:
        low, high = small.pop(), large.pop()
        acceptance[low], alias[low] = scaled[low], high
        scaled[high] -= 1.0 - scaled[low]
        (small if scaled[high] < 1.0 else large).append(high)
    return acceptance, alias


def _dyadic_sizes(lengths: Sequence[int]) -> set[int]:
    """The count sizes `IdealSNG._dyadic_counts` draws for `lengths`: its blocks 1, 1, 2,
    4, ... up to the largest power of two in the longest length, and each length's tail
    beyond its own power of two."""
    top = 1 << (max(lengths).bit_length() - 1)
    blocks = {1} | {1 << k for k in range(top.bit_length() - 1)}
    tails = {n - (1 << (n.bit_length() - 1)) for n in lengths}
    return blocks | (tails - {0})


class IdealSNG(StochasticNumberGenerator):
    """Independent uniform numbers every cycle: a true RNG such as stochastic MTJ switching.

    The stream is a sequence of independent Bernoulli(x) bits, so the count of ones in L bits
    is Binomial(L, x) and nested prefixes differ by independent binomial increments.
    """

    kind = SNGKind.IDEAL
    deterministic = False

    def __init__(self) -> None:
        self._tables: dict[int, _BinomialAliasTable] = {}

    @classmethod
    def from_config(cls, config: SNGConfig) -> IdealSNG:
        return cls()

    def reference_planes(self, pixels, length, generator=None):
        x = pixel_values(pixels)
        return [torch.rand(pixels.shape, generator=generator) < x for _ in range(length)]

    def stream(self, pixels, length, generator=None, start=0):
        x = pixel_values(pixels)  # independent cycles: where the stream starts is immaterial
        if isinstance(generator, KeyedGenerators):  # plane t the same whatever the length
            return torch.stack([
                torch.rand(pixels.shape, generator=generator("plane", t), device=pixels.device)
                < x for t in range(start, start + length)])
        return torch.rand((length, *pixels.shape), generator=generator, device=pixels.device) < x

    def counts(self, pixels, lengths, generator=None, dtype=torch.int64):
        lengths = check_lengths(lengths)
        if isinstance(generator, KeyedGenerators):
            return self._dyadic_counts(pixels, lengths, generator, dtype)
        out = torch.empty((len(lengths), *pixels.shape), dtype=dtype, device=pixels.device)
        previous_length, total = 0, None
        for i, length in enumerate(lengths):
            increment = self._table(length - previous_length).sample(pixels, generator)
            total = increment if total is None else total + increment
            out[i] = total
            previous_length = length
        return out

    def _dyadic_counts(self, pixels, lengths, generators: KeyedGenerators, dtype):
        """Counts built from the stream's dyadic blocks [0, 1), [1, 2), [2, 4), [4, 8), ...
        (each its own keyed draw) and, for an N between powers of two, a tail [P, N) keyed by
        N: the count at N depends on N alone, and counts at powers of two are nested."""
        out = torch.empty((len(lengths), *pixels.shape), dtype=dtype, device=pixels.device)
        reached, total = 0, torch.zeros(pixels.shape, device=pixels.device)
        for i, length in enumerate(lengths):
            power = 1 << (length.bit_length() - 1)
            while reached < power:
                size = max(reached, 1)
                total = total + self._table(size).sample(pixels, generators("block", reached))
                reached += size
            tail = length - power
            out[i] = total if tail == 0 else total + self._table(tail).sample(
                pixels, generators("tail", length))
        return out

    def table_bytes(self, positions, lengths, keyed=False):
        """One alias table per distinct count size n it draws (the increments between the
        lengths; `keyed`, the dyadic blocks and tails of `_dyadic_counts`), kept as two
        float32 rows of 256 x (n + 1), and built from float64 probabilities and int64
        aliases."""
        lengths = check_lengths(lengths)
        sizes = (_dyadic_sizes(lengths) if keyed
                 else {b - a for a, b in pairwise([0, *lengths])})
        rows = [PIXEL_LEVELS * (n + 1) for n in sizes]
        return 8 * sum(rows) + 16 * max(rows)

    def _table(self, n: int) -> _BinomialAliasTable:
        if n not in self._tables:
            self._tables[n] = _BinomialAliasTable(n)
        return self._tables[n]


class DeterministicSNG(StochasticNumberGenerator):
    """A generator whose numbers are a fixed function of (cycle, pixel position).

    Subclasses provide `words(positions, length)`: k-bit integers r_t,i (k = `bits`), so that
    u_t,i = r_t,i / 2**k. The comparison [u < p / 255] is done in exact integer arithmetic.

    Sharing: `sharing` consecutive pixel positions share one generator; each reads its own
    wiring of the generator's state bits (position 0 of a group the plain word, the others a
    seeded selection/permutation of the bits), which costs no logic in hardware.
    """

    deterministic = True

    def __init__(self, bits: int, sharing: int, seed: int):
        if bits < 1:
            raise ValueError("bits must be >= 1")
        if sharing < 1:
            raise ValueError("sharing must be >= 1")
        self.bits = bits
        self.sharing = sharing
        self.seed = seed
        self._count_tables: dict[tuple[int, tuple[int, ...]], _PerDevice] = {}
        self._words: dict[int, _PerDevice] = {}

    @abstractmethod
    def words(self, positions: int, length: int) -> torch.Tensor:
        """k-bit numbers r_t,i as int64, shape (length, positions)."""

    @abstractmethod
    def reference_sources(self, groups: int) -> Iterator[list[int]]:
        """The generators' words cycle by cycle, one per group, computed the slow way."""

    def reference_planes(self, pixels, length, generator=None):
        """Wire each position's word from its group's source word and compare, per cycle."""
        batch, positions = pixels.shape[0], pixels[0].numel()
        flat = pixels.reshape(batch, positions).to(torch.int64)
        sources = self.reference_sources(self.num_groups(positions))
        planes = []
        for _ in range(length):
            source = next(sources)
            words = torch.tensor([
                _wired_word(source[i // self.sharing], self.wiring[i % self.sharing])
                for i in range(positions)
            ])
            plane = words[None, :] * PIXEL_MAX < flat * (1 << self.bits)
            planes.append(plane.reshape(pixels.shape))
        return planes

    def num_groups(self, positions: int) -> int:
        return math.ceil(positions / self.sharing)

    def stream(self, pixels, length, generator=None, start=0):
        positions = _positions(pixels)
        words = self._cached_words(positions, start + length, pixels.device)[start:]
        flat = pixels.reshape(pixels.shape[0], positions).to(torch.int64)
        bits = words[:, None, :] * PIXEL_MAX < flat[None] * (1 << self.bits)
        return bits.reshape(length, *pixels.shape)

    def _cached_words(self, positions: int, length: int, device: torch.device) -> torch.Tensor:
        """`words(positions, length)` from a cache of the longest prefix computed so far
        (a deterministic sequence's first L numbers do not depend on how many follow)."""
        cached = self._words.get(positions)
        if cached is None or cached.source.shape[0] < length:
            cached = self._words[positions] = _PerDevice(self.words(positions, length))
        return cached.on(device)[:length]

    def counts(self, pixels, lengths, generator=None, dtype=torch.int64):
        lengths = check_lengths(lengths)
        positions = _positions(pixels)
        table = self.count_table(positions, lengths, pixels.device)
        flat = pixels.reshape(pixels.shape[0], positions).to(torch.int64)
        position_index = torch.arange(positions, device=pixels.device)
        counts = table[:, position_index[None, :], flat]  # (levels, batch, positions)
        return counts.to(dtype).reshape(len(lengths), *pixels.shape)

    def table_bytes(self, positions, lengths, keyed=False):
        """The words of the longest stream (int64 per cycle and position) and the count table
        (int32 per length, position and pixel value), keyed or not (they draw nothing)."""
        lengths = check_lengths(lengths)
        return 8 * lengths[-1] * positions + 4 * len(lengths) * positions * PIXEL_LEVELS

    def count_table(
        self, positions: int, lengths: Sequence[int], device: torch.device | None = None
    ) -> torch.Tensor:
        """table[level, i, p]: ones among the first lengths[level] bits for value p at i.

        Bit t is 1 iff p >= c_t,i with c = floor(r * 255 / 2**k) + 1, so the table is a
        cumulative histogram of the thresholds c over cycles and values. Built once on the
        CPU, kept on every device that uses it.
        """
        key = (positions, tuple(lengths))
        if key not in self._count_tables:
            words = self._cached_words(positions, lengths[-1], torch.device("cpu"))
            thresholds = (words * PIXEL_MAX >> self.bits) + 1  # in 1..256
            table = torch.empty((len(lengths), positions, PIXEL_LEVELS), dtype=torch.int32)
            histogram = torch.zeros((positions, PIXEL_LEVELS + 1), dtype=torch.int32)
            start = 0
            for level, length in enumerate(lengths):
                chunk = thresholds[start:length].T  # (positions, cycles)
                histogram.scatter_add_(1, chunk, torch.ones_like(chunk, dtype=torch.int32))
                table[level] = histogram.cumsum(1)[:, :PIXEL_LEVELS]
                start = length
            self._count_tables[key] = _PerDevice(table)
        return self._count_tables[key].on(device or torch.device("cpu"))


def _positions(pixels: torch.Tensor) -> int:
    return int(np.prod(pixels.shape[1:]))


def _group_wiring(
    rng: np.random.Generator, sharing: int, source_bits: int, bits: int
) -> np.ndarray:
    """Which source bits (MSB first) each member of a sharing group reads: (sharing, bits).

    Member 0 reads the top `bits` bits in order; the others a seeded ordered selection.
    """
    wiring = np.empty((sharing, bits), dtype=np.int64)
    wiring[0] = np.arange(source_bits - 1, source_bits - 1 - bits, -1)
    for member in range(1, sharing):
        wiring[member] = rng.permutation(source_bits)[:bits]
    return wiring


def _wired_word(source_word: int, wiring_row) -> int:
    """One position's word: the source bits its wiring row names, MSB first."""
    word = 0
    for bit_index in wiring_row:
        word = (word << 1) | ((source_word >> int(bit_index)) & 1)
    return word


def _read_wired_words(
    source: torch.Tensor, wiring: np.ndarray, positions: int, sharing: int
) -> torch.Tensor:
    """Assemble each position's k-bit word from its group's source word (length, groups)."""
    group = torch.arange(positions) // sharing
    member = torch.arange(positions) % sharing
    per_position = source[:, group]  # (length, positions)
    selected = torch.from_numpy(wiring)[member]  # (positions, bits)
    bits = selected.shape[1]
    words = torch.zeros_like(per_position)
    for b in range(bits):
        bit = (per_position >> selected[:, b]) & 1
        words |= bit << (bits - 1 - b)
    return words


class LFSRSNG(DeterministicSNG):
    """Fibonacci LFSRs plus comparators: the cheapest SNG, correlated when shared.

    One LFSR of `width` bits per group of `sharing` pixels, each group seeded with a distinct
    non-zero state drawn from `seed`; the comparator reads `bits` of the state.
    """

    kind = SNGKind.LFSR

    def __init__(
        self,
        width: int = 16,
        taps: Sequence[int] | None = None,
        seed: int = 1,
        sharing: int = 1,
        bits: int = 8,
    ):
        super().__init__(bits=bits, sharing=sharing, seed=seed)
        if width not in DEFAULT_TAPS and taps is None:
            raise ValueError(f"no default taps for LFSR width {width}: give taps")
        if bits > width:
            raise ValueError(f"comparator bits ({bits}) exceed the LFSR width ({width})")
        self.width = width
        self.taps = tuple(taps) if taps is not None else DEFAULT_TAPS[width]

    @classmethod
    def from_config(cls, config: SNGConfig) -> LFSRSNG:
        return cls(width=config.width, taps=config.taps, seed=config.seed,
                   sharing=config.sharing, bits=config.bits)

    def reference_sources(self, groups):
        registers = [ScalarLFSR(self.width, self.taps, int(s)) for s in self.group_seeds(groups)]
        while True:
            yield [register.step() for register in registers]

    def group_seeds(self, groups: int) -> np.ndarray:
        """Distinct non-zero start states, one per group (repeating only past 2**width - 1)."""
        rng = np.random.default_rng(self.seed)
        states = (1 << self.width) - 1
        if groups <= states:
            return rng.choice(states, size=groups, replace=False).astype(np.int64) + 1
        return rng.integers(1, states + 1, size=groups, dtype=np.int64)

    @cached_property
    def wiring(self) -> np.ndarray:
        rng = np.random.default_rng([self.seed, 1])
        return _group_wiring(rng, self.sharing, self.width, self.bits)

    def words(self, positions, length):
        seeds = self.group_seeds(self.num_groups(positions))
        states = lfsr_states(seeds, self.width, self.taps, length)  # (length, groups)
        return _read_wired_words(torch.from_numpy(states), self.wiring, positions, self.sharing)


class SobolSNG(DeterministicSNG):
    """Low-discrepancy numbers: one scrambled Sobol dimension per group of pixels.

    Each one-dimensional projection of a Sobol sequence is a (0, m, 1)-net in base 2, so for
    N = 2**m the count of ones is within 1 of N * x: error about 1/N instead of 1/sqrt(N).
    """

    kind = SNGKind.SOBOL
    MAX_DIMENSIONS = torch.quasirandom.SobolEngine.MAXDIM

    def __init__(self, seed: int = 0, sharing: int = 1, bits: int = 8, scramble: bool = True):
        super().__init__(bits=bits, sharing=sharing, seed=seed)
        self.scramble = scramble

    @classmethod
    def from_config(cls, config: SNGConfig) -> SobolSNG:
        return cls(seed=config.seed, sharing=config.sharing, bits=config.bits)

    def reference_sources(self, groups):
        engine = self.engine(groups)
        while True:
            point = engine.draw(1, dtype=torch.float64)[0]
            yield [int(v) for v in torch.floor(point * (1 << self.bits))]

    @cached_property
    def wiring(self) -> np.ndarray:
        rng = np.random.default_rng([self.seed, 2])
        return _group_wiring(rng, self.sharing, self.bits, self.bits)

    def engine(self, groups: int) -> torch.quasirandom.SobolEngine:
        """The sequence source: one scrambled dimension per group, restarted per inference.

        Its `sobolstate` (direction numbers) and `shift` (scrambling) are what a hardware
        generator holds; `codesign rtl` builds the generators from them.
        """
        if groups > self.MAX_DIMENSIONS:
            raise ValueError(
                f"Sobol SNG needs {groups} dimensions, more than {self.MAX_DIMENSIONS}: "
                "raise the sharing factor"
            )
        return torch.quasirandom.SobolEngine(groups, scramble=self.scramble, seed=self.seed)

    def source_words(self, groups: int, length: int) -> torch.Tensor:
        """The k-bit Sobol numbers, shape (length, groups)."""
        points = self.engine(groups).draw(length, dtype=torch.float64)
        return torch.floor(points * (1 << self.bits)).to(torch.int64)

    def words(self, positions, length):
        source = self.source_words(self.num_groups(positions), length)
        return _read_wired_words(source, self.wiring, positions, self.sharing)


def build_sng(config: SNGConfig) -> StochasticNumberGenerator:
    """The generator of `config.kind`, configured."""
    return StochasticNumberGenerator.registry[config.kind].from_config(config)
