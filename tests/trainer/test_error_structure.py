"""Structured error maps: the weight -> (array, row, column) layout against hand-computed
positions and the hardware model's rule; the maps' marginal flip rate, nesting and clustering
against theory (binomial tests on fixed seeds, on bits that are independent by construction);
the low percentile over maps against numpy; bad options as one line through the CLI."""

import json
from math import ceil

import numpy as np
import pytest
import torch
import yaml
from scipy.stats import binomtest, multivariate_normal, norm
from torch import nn

from codesign.cli import main
from hwmodel.plan import neurons_per_row
from trainer.array_layout import weight_positions
from trainer.bit_errors import ErrorSweep, NestedErrorMaps
from trainer.config import SharedCause, TrainConfig
from trainer.error_structure import INDEPENDENT, ErrorStructure
from trainer.layers import BinaryConv2d, BinaryLinear

FALSE_ALARM_RATE = 1e-3
COLUMN, REFERENCE = SharedCause.COLUMN, SharedCause.REFERENCE

# --- layout -------------------------------------------------------------------------------------


def _at(positions, *index):
    return (int(positions.array[index]), int(positions.row[index]),
            int(positions.column[index]))


def test_a_wide_neuron_spans_rows_with_weight_i_in_column_i_mod_c():
    """R = 4, C = 8, fan-in 20: 3 rows per neuron; neuron 1 starts at row 3 (array 0) and
    continues on rows 4 and 5, which are rows 0 and 1 of array 1."""
    positions = weight_positions((5, 20), rows=4, cols=8)
    assert _at(positions, 0, 0) == (0, 0, 0)
    assert _at(positions, 0, 7) == (0, 0, 7)
    assert _at(positions, 0, 8) == (0, 1, 0)
    assert _at(positions, 0, 19) == (0, 2, 3)
    assert _at(positions, 1, 5) == (0, 3, 5)
    assert _at(positions, 1, 9) == (1, 0, 1)
    assert _at(positions, 1, 16) == (1, 1, 0)
    assert _at(positions, 4, 19) == (3, 2, 3)  # weight row 4 * 3 + 2 = 14


def test_small_neurons_are_packed_in_aligned_power_of_two_segments():
    """C = 8, fan-in 3: segments of 4, two neurons a row; neuron 9 is the second of row 4,
    which is row 0 of array 1 (R = 4)."""
    positions = weight_positions((10, 3), rows=4, cols=8)
    assert _at(positions, 0, 2) == (0, 0, 2)
    assert _at(positions, 1, 0) == (0, 0, 4)
    assert _at(positions, 2, 1) == (0, 1, 1)
    assert _at(positions, 9, 2) == (1, 0, 6)
    # C = 6 is no power of two: a segment of 8 does not fit, so one neuron a row
    positions = weight_positions((3, 5), rows=4, cols=6)
    assert _at(positions, 2, 4) == (0, 2, 4)


def test_a_conv_neuron_is_its_flattened_fan_in():
    """Weight [1, 2, 0, 1] of a 3-in, 3x3 conv is entry 2 * 9 + 0 * 3 + 1 = 19 of its
    27-wide fan-in: 4 rows a neuron on C = 8, so weight row 4 + 19 div 8 = 6."""
    positions = weight_positions((2, 3, 3, 3), rows=4, cols=8)
    assert positions.column.shape == (2, 3, 3, 3)
    assert _at(positions, 1, 2, 0, 1) == (1, 2, 3)


@pytest.mark.parametrize("fan_in, outputs, rows, cols", [
    (784, 1024, 256, 256), (1024, 10, 256, 256), (27, 16, 64, 32), (3, 100, 16, 32),
    (64, 48, 8, 64), (100, 7, 8, 100), (200, 30, 4, 256), (5, 9, 3, 6), (512, 3, 2, 128),
])
def test_the_layout_is_the_hardware_models(fan_in, outputs, rows, cols):
    """Every weight has its own cell; rows per neuron, neurons per row, weight rows and arrays
    equal `hwmodel.plan`'s (the rule the trainer copies from plain numbers)."""
    positions = weight_positions((outputs, fan_in), rows, cols)
    cells = (positions.array * rows + positions.row) * cols + positions.column
    assert np.unique(cells).size == outputs * fan_in
    assert positions.column.min() >= 0 and positions.column.max() < cols
    per_row = float(neurons_per_row(fan_in, cols))
    slices = ceil(fan_in / cols)
    weight_rows = ceil(outputs / per_row) * slices
    global_row = positions.array * rows + positions.row
    assert global_row.max() + 1 == weight_rows
    assert positions.array.max() + 1 == ceil(weight_rows / rows)
    assert len(np.unique(global_row[0])) == slices


# --- structured maps: marginal rate, nesting, clustering ---------------------------------------

ROWS, COLS = 4, 4  # small arrays: many independent groups per map


@pytest.fixture(scope="module")
def layer():
    """One layer of 256 neurons of fan-in 128 on 4 x 4 arrays: 32 rows a neuron, 8192
    weight rows, 2048 arrays; stored bits +1/-1 at random."""
    torch.manual_seed(0)
    network = nn.Sequential(BinaryLinear(128, 256))
    with torch.no_grad():
        network[0].weight.copy_(torch.randint(0, 2, (256, 128)) * 2.0 - 1.0)
    return network


def _structure(**shares):
    return ErrorStructure({SharedCause(c): s for c, s in shares.items()}, ROWS, COLS)


def _grid(network):
    """The layer's bits as cells: (neuron, weight) indices and stored bits, each shaped
    (arrays, rows, cols)."""
    positions = weight_positions(tuple(network[0].weight.shape), ROWS, COLS)
    arrays = int(positions.array.max()) + 1
    neuron, index = (np.zeros((arrays, ROWS, COLS), dtype=np.int64) for _ in range(2))
    where = (positions.array, positions.row, positions.column)
    neuron[where], index[where] = np.indices(positions.array.shape)
    stored = network[0].weight.detach().numpy()[neuron, index]
    return neuron, index, stored


def _flips(maps, ber, cells):
    """Flips of the chosen cells, stacked over the maps: (maps, cells)."""
    neuron, index = (torch.from_numpy(np.asarray(part)) for part in cells)
    return torch.stack([maps.at(m, ber).flips["0"][neuron, index] for m in range(len(maps))])


@pytest.mark.parametrize("shares", [
    {"column": 0.8}, {"reference": 0.6}, {"column": 0.7, "reference": 0.2},
    {"array_reference": 0.5},
])
@pytest.mark.parametrize("ber", [1e-3, 1e-2, 0.1])
def test_every_weight_flips_with_the_requested_rate_exactly(layer, shares, ber):
    """Over many maps, the flips of bits that share no group (the diagonal of each array:
    no common row or column; one bit per array for an array reference) are
    Binomial(count, ber), for the bits stored +1 and -1 separately (an offset helps one
    state and hurts the other; over chips neither state sees more errors)."""
    maps = NestedErrorMaps(layer, maps=100, seed=1, structure=_structure(**shares))
    neuron, index, stored = _grid(layer)
    k = np.arange(1 if "array_reference" in shares else ROWS)
    for state in (1.0, -1.0):
        chosen = stored[:, k, k] == state
        flips = int(_flips(maps, ber, (neuron[:, k, k][chosen], index[:, k, k][chosen])).sum())
        assert binomtest(flips, len(maps) * int(chosen.sum()), ber).pvalue > FALSE_ALARM_RATE


def test_the_marginal_check_detects_a_three_percent_bias(layer):
    """The check above has power: 150 maps read at 1.03 x ber fail it."""
    ber = 0.02
    maps = NestedErrorMaps(layer, maps=150, seed=2, structure=_structure(column=0.8))
    neuron, index, _ = _grid(layer)
    k = np.arange(ROWS)
    flips = int(_flips(maps, 1.03 * ber, (neuron[:, k, k], index[:, k, k])).sum())
    assert binomtest(flips, 150 * neuron[:, k, k].size, ber).pvalue < FALSE_ALARM_RATE


def test_structured_maps_are_nested_in_ber_and_seeded(layer):
    structure = _structure(column=0.7, reference=0.2)
    maps = NestedErrorMaps(layer, maps=3, seed=4, structure=structure)
    again = NestedErrorMaps(layer, maps=3, seed=4, structure=structure)
    other = NestedErrorMaps(layer, maps=3, seed=5, structure=structure)
    for m in range(3):
        rates = [0.0, 1e-4, 1e-3, 1e-2, 0.1, 0.5]
        masks = [maps.at(m, ber).flips["0"] for ber in rates]
        for low, high in zip(masks, masks[1:], strict=False):
            assert bool((low <= high).all())  # what flips at a low rate flips at a higher one
        assert torch.equal(masks[3], again.at(m, 1e-2).flips["0"])
        assert not torch.equal(masks[4], other.at(m, 0.1).flips["0"])
    assert maps.at(0, 0.0).flipped == 0


def test_independent_maps_are_the_uniform_maps_they_always_were(layer):
    """No structure: the same seeded uniforms as before structures existed (results repeat)."""
    maps = NestedErrorMaps(layer, maps=2, seed=3, structure=INDEPENDENT)
    for m in range(2):
        generator = torch.Generator().manual_seed(
            int(np.random.SeedSequence([3, m]).generate_state(1)[0]))
        assert torch.equal(maps.uniforms[m]["0"], torch.rand((256, 128), generator=generator))


def _joint_rate(ber, correlation):
    """P(two standard normals of this correlation both exceed Q^-1(ber))."""
    t = norm.isf(ber)
    return float(multivariate_normal.cdf([-t, -t], cov=[[1, correlation], [correlation, 1]]))


@pytest.mark.parametrize("shares, shared_by_pair", [
    ({"column": 0.8}, "column"), ({"column": 0.5, "reference": 0.3}, "column"),
    ({"column": 0.5, "reference": 0.3}, "reference"),
])
@pytest.mark.parametrize("same_state", [True, False])
def test_bits_of_a_group_flip_together_as_the_gaussian_model_says(layer, shares,
                                                                  shared_by_pair, same_state):
    """Two bits that share a column (or a row) and nothing else flip together with the
    bivariate normal orthant probability at correlation +rho (same stored state) or -rho
    (opposite states): the clustering and its direction are the model's, and the i.i.d. law
    (ber^2) is rejected. One pair per array, so the pairs are independent."""
    ber = 0.05
    maps = NestedErrorMaps(layer, maps=100, seed=6, structure=_structure(**shares))
    neuron, index, stored = _grid(layer)
    along_column = shared_by_pair == "column"
    # the pair: cell (0, 0) of each array and the first cell of its column (its row) with a
    # stored bit equal (or opposite) to its own
    line = stored[:, :, 0] if along_column else stored[:, 0, :]
    partner_ok = (line[:, 1:] == line[:, :1]) == same_state
    has = partner_ok.any(axis=1)
    arrays, other = np.nonzero(has)[0], 1 + partner_ok.argmax(axis=1)[has]
    first = (neuron[arrays, 0, 0], index[arrays, 0, 0])
    cell = (arrays, other, 0) if along_column else (arrays, 0, other)
    second = (neuron[cell], index[cell])
    both = int((_flips(maps, ber, first) & _flips(maps, ber, second)).sum())
    pairs = len(maps) * len(arrays)
    rho = shares[shared_by_pair] * (1 if same_state else -1)
    assert binomtest(both, pairs, _joint_rate(ber, rho)).pvalue > FALSE_ALARM_RATE
    assert binomtest(both, pairs, ber**2).pvalue < FALSE_ALARM_RATE


# --- the low percentile over maps ---------------------------------------------------------------


@pytest.mark.parametrize("percentile", [0.0, 10.0, 25.0, 50.0, 100.0])
def test_the_low_percentile_is_numpys_over_the_maps(percentile):
    rng = np.random.default_rng(0)
    correct = rng.integers(600, 900, size=(3, 7, 2)).astype(float)  # (bers, maps, lengths)
    sweep = ErrorSweep(bers=[0.0, 1e-3, 1e-2], lengths=[4, 16], maps=7, correct=correct,
                       total=1000, percentile=percentile)
    low = sweep.low()
    for b, ber in enumerate(sweep.bers):
        for i, n in enumerate(sweep.lengths):
            ordered = np.sort(correct[b, :, i] / 1000)
            position = (7 - 1) * percentile / 100  # linear interpolation, by hand
            below = int(np.floor(position))
            above = min(below + 1, 6)
            by_hand = ordered[below] + (position - below) * (ordered[above] - ordered[below])
            assert low[ber][n] == pytest.approx(by_hand, abs=1e-12)
            assert low[ber][n] == pytest.approx(
                np.percentile(correct[b, :, i] / 1000, percentile), abs=1e-12)
            assert sweep.by_map()[ber][n] == pytest.approx(list(correct[b, :, i] / 1000))


# --- options ------------------------------------------------------------------------------------


@pytest.mark.parametrize("override, field", [
    ("weight_errors.structure={column: 1.2}", "weight_errors.structure"),
    ("weight_errors.structure={column: 0.6, reference: 0.5}", "weight_errors.structure"),
    ("weight_errors.structure={offset: 0.2}", "weight_errors.structure"),
    ("weight_errors.structure=column", "weight_errors.structure"),
    ("weight_errors.percentile=120", "weight_errors.percentile"),
    ("weight_errors.percentile=-1", "weight_errors.percentile"),
    ("weight_errors.array_cols=0", "weight_errors.array_cols"),
    ("weight_errors.array_rows=many", "weight_errors.array_rows"),
])
def test_bad_structure_options_are_one_line_exit_2(tmp_path, capsys, override, field):
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump({"output_dir": str(tmp_path / "runs"),
                                    "accelerator": "cpu"}))
    assert main(["train", str(path), "--no-progress", "--set", override]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and field in err and "Traceback" not in err
    assert not (tmp_path / "runs").exists()


def test_structure_options_are_read_and_kept_in_order():
    config = TrainConfig.model_validate({"weight_errors": {
        "structure": {"reference": 0.1, "column": 0.7, "array_reference": 0.0},
        "array_rows": 128, "array_cols": 64, "percentile": 5}})
    structure = ErrorStructure.from_config(config.weight_errors)
    assert structure.shares == {COLUMN: 0.7, REFERENCE: 0.1}  # a zero share is no cause
    assert (structure.rows, structure.cols) == (128, 64)
    assert ErrorStructure.from_config(TrainConfig().weight_errors).independent


def test_conv_layers_are_laid_out_on_their_flattened_fan_in():
    network = nn.Sequential(BinaryConv2d(3, 4))
    maps = NestedErrorMaps(network, maps=1, seed=0,
                           structure=ErrorStructure({COLUMN: 0.9}, rows=4, cols=8))
    assert maps.uniforms[0]["0"].shape == (4, 3, 3, 3)
    assert bool(((maps.uniforms[0]["0"] > 0) & (maps.uniforms[0]["0"] < 1)).all())


# --- through training and the CLI -----------------------------------------------------------


def _tiny_model(root, output_dir):
    return {"name": "tiny", "data": {"dataset": "fashion_mnist", "root": str(root),
                                     "download": False, "batch_size": 50,
                                     "eval_batch_size": 100},
            "model": {"kind": "mlp", "hidden": [32]}, "input": {"mode": "sc", "length": 4},
            "optim": {"epochs": 1}, "output_dir": str(output_dir), "accelerator": "cpu"}


def test_train_reports_mean_and_low_percentile_of_structured_maps(tmp_path, tiny_fmnist_dir,
                                                                  capsys):
    """`codesign train` with clustered maps: the table names the structure and the
    percentile; the JSON keeps every map's accuracy, their mean and their 25th percentile
    (numpy's), and rate 0 is the clean accuracy on every map."""
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(_tiny_model(tiny_fmnist_dir, tmp_path / "runs")))
    out = tmp_path / "result.json"
    assert main(["train", str(path), "--no-progress", "--json", str(out), "--set",
                 "weight_errors={eval_bers: [0, 0.05], maps: 5, percentile: 25, "
                 "structure: {column: 0.8}, array_rows: 16, array_cols: 16}"]) == 0
    shown = capsys.readouterr().out
    assert "25th percentile" in shown and "column 0.8" in shown
    result = json.loads(out.read_text())
    assert result["accuracy_percentile"] == 25
    assert result["test_error_sweep"]["structure"] == {"column": 0.8}
    per_map = result["test_accuracy_maps_by_ber"]["0.05"]["4"]
    assert len(per_map) == 5 and len(set(per_map)) > 1  # chips differ
    assert result["test_accuracy_by_ber"]["0.05"]["4"] == pytest.approx(np.mean(per_map))
    assert result["test_accuracy_percentile_by_ber"]["0.05"]["4"] == pytest.approx(
        np.percentile(per_map, 25))
    assert result["test_accuracy_maps_by_ber"]["0.0"]["4"] == pytest.approx(
        [result["test_accuracy"]["4"]] * 5, abs=1e-6)


def test_a_search_worker_returns_mean_percentile_and_maps_for_both_splits(tmp_path,
                                                                          tiny_fmnist_dir):
    from codesign.engine.runner import train_network

    config = {**_tiny_model(tiny_fmnist_dir, tmp_path / "runs"),
              "weight_errors": {"eval_bers": [0.02], "maps": 4}}
    result = train_network({"train_config": config})
    for split in ("val", "test"):
        maps = result[f"{split}_accuracy_maps_by_ber"]["0.02"]["4"]
        assert result[f"{split}_accuracy_by_ber"]["0.02"]["4"] == pytest.approx(np.mean(maps))
        assert result[f"{split}_accuracy_percentile_by_ber"]["0.02"]["4"] == pytest.approx(
            np.percentile(maps, 10))
    assert result["accuracy_percentile"] == 10
