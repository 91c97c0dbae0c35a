"""Scoring under an error map from the clean pass (`trainer.incremental`) gives exactly the
class scores of a full pass with the weights read through the map: for every input encoding
it covers (fixed point included: its pixels enter as multiples of 2^-8), at rates from a
handful of flips to most layers' inputs changing (the cap that sends a map to the full pass
lifted), and for deeper networks, its layers' products in float32 or, deployed on the CPU,
in 8-bit integers (checked against float32 full passes); the networks it does not cover take
the full pass."""

import contextlib
import copy
from dataclasses import replace

import pytest
import torch

from tests.trainer.test_bit_errors import _trained_like
from trainer import incremental
from trainer.binary_products import integer_products_exact
from trainer.bit_errors import NestedErrorMaps, weights_read_with
from trainer.config import InputConfig
from trainer.deployed import ErrorSweepSpec, deployed_accuracy
from trainer.encoding import deployed_encoding
from trainer.error_structure import INDEPENDENT
from trainer.incremental import CleanPass
from trainer.inference import encoded_at, encoded_input, scores_of_encoded
from trainer.layers import deployed_bits
from trainer.models import binary_mlp, binary_vgg
from trainer.sng import KeyedGenerators

SHAPE = (1, 12, 12)
LENGTHS = [1, 4, 16]
RATES = [1e-4, 3e-3, 3e-2, 0.3]
ENCODINGS = {
    "threshold": {"mode": "threshold"},
    "fixed_point": {"mode": "fixed_point"},
    "sc_first_layer": {"mode": "sc", "length": 16, "merge_point": "first_layer",
                       "sng": {"kind": "ideal"}},
    "sc_lfsr": {"mode": "sc", "length": 16, "merge_point": "first_layer",
                "sng": {"kind": "lfsr", "width": 12}},
}


def _pixels(count: int = 64) -> torch.Tensor:
    return torch.randint(0, 256, (count, *SHAPE), generator=torch.Generator().manual_seed(4),
                         dtype=torch.uint8)


def _draw(input_fields: dict, network) -> tuple:
    encoding = deployed_encoding(InputConfig.model_validate(input_fields))
    lengths = LENGTHS if input_fields["mode"] == "sc" else [1]
    encoded = encoded_input(encoding, _pixels(), lengths, KeyedGenerators(7))
    return encoding, encoded, lengths


@pytest.fixture
def every_rate(monkeypatch):
    """Every map followed from the clean pass, and these narrow layers' changes followed as
    a wide layer's are (below `NARROW` outputs a layer takes its full product)."""
    monkeypatch.setattr(incremental, "MAX_FLIPPED_SHARE", 1.0)
    monkeypatch.setattr(incremental, "NARROW", 0)


@pytest.fixture(params=["float32", "int8"])
def products(request) -> str:
    """How the clean pass's binary layers multiply: in float32, or deployed on the CPU in
    8-bit integers (`trainer.binary_products`)."""
    if request.param == "int8" and not integer_products_exact():
        pytest.skip("this CPU's int8 product is not exact here: every product is float32")
    return request.param


@contextlib.contextmanager
def _clean_pass_of(network, products, encoding, encoded, lengths):
    """The clean pass of `network` multiplying in `products`, and a float32 twin of the
    network for the full passes it is checked against."""
    twin = copy.deepcopy(network)
    with torch.no_grad(), (deployed_bits(network) if products == "int8"
                           else contextlib.nullcontext()):
        clean = CleanPass.of(network, encoding, encoded, lengths)
        assert clean is not None
        assert (clean.layers[1].integer_bits is not None) == (products == "int8")
        yield clean, twin


@pytest.mark.parametrize("hidden", [[32], [48, 24, 16]], ids=["one_hidden", "three_hidden"])
@pytest.mark.parametrize("name", ENCODINGS)
def test_scores_under_every_map_are_the_full_pass_scores(name, hidden, products, every_rate):
    network = _trained_like(binary_mlp(SHAPE, hidden, 10), SHAPE).eval()
    encoding, encoded, lengths = _draw(ENCODINGS[name], network)
    with _clean_pass_of(network, products, encoding, encoded, lengths) as (clean, twin):
        assert torch.equal(clean.scores, scores_of_encoded(twin, encoding, encoded, lengths))
        _assert_scores_are_the_full_pass_scores(
            clean, NestedErrorMaps(network, 3, seed=11, structure=INDEPENDENT), RATES, twin)


def _assert_scores_are_the_full_pass_scores(clean, maps, rates, network=None):
    """Under every map at every rate, the clean pass's scores are a full pass's (of
    `network`: the clean pass's own by default)."""
    network, encoding = network or clean.network, clean.encoding
    encoded, lengths = clean.encoded, clean.lengths
    for rate in rates:
        for index in range(len(maps)):
            error_map = maps.at(index, rate)
            with weights_read_with(network, error_map):
                full = scores_of_encoded(network, encoding, encoded, lengths)
            assert torch.equal(clean.scores_under(error_map), full), (rate, index)


@pytest.mark.parametrize("name", ["fixed_point", "sc_first_layer"])
def test_neurons_whose_outputs_fall_with_their_sums_or_stay_constant(name, products,
                                                                     every_rate):
    """Batch-norm scales below zero (an output +1 below a threshold) and of zero (an output
    its bias's sign whatever the sum), as training can leave them, in every hidden layer:
    the thresholds and the 8-bit layers' directed weights still give the full pass's
    scores."""
    network = _trained_like(binary_mlp(SHAPE, [48, 24, 16], 10), SHAPE).eval()
    generator = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for norm in (m for m in network.modules() if isinstance(m, torch.nn.BatchNorm1d)):
            kind = torch.randint(0, 4, norm.weight.shape, generator=generator)
            norm.weight.mul_(torch.where(kind == 0, -1.0, 1.0)).mul_(kind != 1)
            norm.bias.copy_(torch.randn(norm.bias.shape, generator=generator))
    encoding, encoded, lengths = _draw(ENCODINGS[name], network)
    with _clean_pass_of(network, products, encoding, encoded, lengths) as (clean, twin):
        for thresholds in clean.thresholds:
            assert set(thresholds.direction.unique().tolist()) == {-1.0, 0.0, 1.0}
        assert torch.equal(clean.scores, scores_of_encoded(twin, encoding, encoded, lengths))
        _assert_scores_are_the_full_pass_scores(
            clean, NestedErrorMaps(network, 3, seed=17, structure=INDEPENDENT), RATES, twin)


WAYS = {  # each way of following a layer's changes, forced at every rate
    "flips_one_by_one": {"FEW_FLIPS": 10**9, "DENSE_FLIP_SHARE": 1.0,
                         "DENSE_INPUT_SHARE": 1.0},
    "sparse_products": {"FEW_FLIPS": 0, "DENSE_FLIP_SHARE": 1.0, "DENSE_INPUT_SHARE": 1.0},
    "full_products": {"DENSE_FLIP_SHARE": 0.0, "DENSE_INPUT_SHARE": 0.0},
}


@pytest.mark.parametrize("way", WAYS)
@pytest.mark.parametrize("name", ["fixed_point", "sc_first_layer"])
def test_every_way_of_following_the_changes_gives_the_full_pass_scores(name, way, products,
                                                                       every_rate, monkeypatch):
    """The flips added one by one, the turned inputs and flipped weights as sparse products,
    and the full products of a layer (in 8-bit integers past the first layer, deployed on
    the CPU) each give the full pass's scores, so the choice between them (by cost) changes
    no decision."""
    for constant, value in WAYS[way].items():
        monkeypatch.setattr(incremental, constant, value)
    network = _trained_like(binary_mlp(SHAPE, [48, 24, 16], 10), SHAPE).eval()
    encoding, encoded, lengths = _draw(ENCODINGS[name], network)
    with _clean_pass_of(network, products, encoding, encoded, lengths) as (clean, twin):
        _assert_scores_are_the_full_pass_scores(
            clean, NestedErrorMaps(network, 2, seed=13, structure=INDEPENDENT), (1e-3, *RATES),
            twin)


@pytest.mark.parametrize("columns", [[0], [1, 2], [0, 2]], ids=str)
@pytest.mark.parametrize("cap", [1.0, 0.0], ids=["followed", "full_pass"])
def test_scores_at_some_lengths_are_the_full_pass_at_those_lengths(columns, cap, monkeypatch):
    """A map asked at some lengths is followed (or passed in full) through those lengths
    only: the scores are a full pass's of the draw cut down to them, map after map on the
    same cut clean pass, and the whole clean pass still gives every length's."""
    monkeypatch.setattr(incremental, "MAX_FLIPPED_SHARE", cap)
    monkeypatch.setattr(incremental, "NARROW", 0)
    network = _trained_like(binary_mlp(SHAPE, [32, 16], 10), SHAPE).eval()
    encoding, encoded, lengths = _draw(ENCODINGS["sc_first_layer"], network)
    some, at = encoded_at(encoding, encoded, lengths, columns)
    with torch.no_grad():
        clean = CleanPass.of(network, encoding, encoded, lengths)
        maps = NestedErrorMaps(network, 2, seed=3, structure=INDEPENDENT)
        for rate in RATES:
            for index in range(len(maps)):
                error_map = maps.at(index, rate)
                with weights_read_with(network, error_map):
                    full = scores_of_encoded(network, encoding, some, at)
                    whole = scores_of_encoded(network, encoding, encoded, lengths)
                assert torch.equal(clean.scores_under(error_map, columns), full), rate
                assert torch.equal(clean.scores_under(error_map), whole), rate  # uncut
        assert torch.equal(clean.scores_under(maps.at(0, 0.0), columns), clean.scores[columns])


def test_a_map_that_changes_no_decision_gives_the_clean_scores_object():
    network = _trained_like(binary_mlp(SHAPE, [32], 10), SHAPE).eval()
    encoding, encoded, lengths = _draw(ENCODINGS["sc_first_layer"], network)
    with torch.no_grad():
        clean = CleanPass.of(network, encoding, encoded, lengths)
        nothing = NestedErrorMaps(network, 1, seed=1).at(0, 0.0)
        assert clean.scores_under(nothing) is clean.scores


def test_networks_it_does_not_cover_take_the_full_pass():
    mlp = _trained_like(binary_mlp(SHAPE, [32], 10), SHAPE).eval()
    encoding, encoded, lengths = _draw(ENCODINGS["fixed_point"], mlp)
    assert CleanPass.of(mlp, encoding, encoded / 3, lengths) is None  # inexact sums
    output_merge = {**ENCODINGS["sc_first_layer"], "merge_point": "output"}
    encoding, encoded, lengths = _draw(output_merge, mlp)
    assert CleanPass.of(mlp, encoding, encoded, lengths) is None
    vgg = binary_vgg(SHAPE, [8, 8], 2, [16], 10).eval()
    encoding, encoded, lengths = _draw(ENCODINGS["threshold"], vgg)
    assert CleanPass.of(vgg, encoding, encoded, lengths) is None


@pytest.mark.parametrize("name", ["threshold", "fixed_point", "sc_first_layer"])
def test_a_test_pass_counts_the_same_with_and_without_it(name):
    network = _trained_like(binary_mlp(SHAPE, [32, 16], 10), SHAPE)
    encoding, _, lengths = _draw(ENCODINGS[name], network)
    pixels, labels = _pixels(96), torch.randint(0, 10, (96,))
    batches = [(pixels[:50], labels[:50]), (pixels[50:], labels[50:])]
    errors = ErrorSweepSpec(tuple(RATES), 3, 5, INDEPENDENT, 10.0)
    fast, full = (deployed_accuracy(network, encoding, batches, lengths, 3, errors,
                                    incremental=incremental) for incremental in (True, False))
    assert fast.accuracy == full.accuracy
    assert (fast.sweep.correct == full.sweep.correct).all()


@pytest.mark.parametrize("incremental", [True, False], ids=["from_clean_pass", "full_pass"])
@pytest.mark.parametrize("name", ["fixed_point", "sc_first_layer", "sc_output"])
def test_rates_at_their_own_lengths_in_one_pass_count_what_a_pass_each_counts(name,
                                                                           incremental):
    """`lengths_by_ber`: one draw and one clean pass for rates asked at different lengths;
    each rate counts, at its lengths, what a pass of its own at only those lengths counts,
    from the clean pass (a few flips) or a full pass (above the cap), and says that it
    measured only those."""
    fields = ENCODINGS.get(name, {**ENCODINGS["sc_first_layer"], "merge_point": "output"})
    network = _trained_like(binary_mlp(SHAPE, [32, 16], 10), SHAPE)
    encoding, _, lengths = _draw(fields, network)
    pixels, labels = _pixels(96), torch.randint(0, 10, (96,))
    batches = [(pixels[:50], labels[:50]), (pixels[50:], labels[50:])]
    wanted = dict(zip((3e-4, 3e-3, 3e-2, 0.3), ((1, 16), (4,), (1, 4, 16), (16,)),
                      strict=True)) if len(lengths) > 1 else {rate: (1,) for rate in RATES}
    spec = ErrorSweepSpec(tuple(wanted), 3, 5, INDEPENDENT, 10.0)
    together = deployed_accuracy(network, encoding, batches, lengths, 3, replace(
        spec, lengths_by_ber=wanted), incremental=incremental)
    alone = deployed_accuracy(network, encoding, batches, lengths, 3, incremental=incremental)
    assert together.accuracy == alone.accuracy  # clean, at every length of the pass
    sweep = together.sweep
    assert sweep.unmeasured() == {(n, rate) for rate, at in wanted.items() for n in lengths
                                  if n not in at}
    for b, rate in enumerate(sweep.bers):
        own = deployed_accuracy(network, encoding, batches, wanted[rate], 3,
                                spec.at([rate]), incremental=incremental).sweep
        columns = [lengths.index(n) for n in wanted[rate]]
        assert own.flipped[0].tolist() == sweep.flipped[b].tolist()
        assert (sweep.correct[b][:, columns] == own.correct[0]).all(), rate
