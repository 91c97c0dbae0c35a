"""A network's design table (`write_design_table`) against a plain per-point reference: the
accuracies looked up once per (N, evaluated rate) pair give the same file, measured and
unmeasured cells alike."""

import csv
import gzip
import io

from codesign.engine.study import accuracies_over_maps, is_measured, write_design_table
from codesign.problem.compiled import compile_problem
from codesign.problem.compose import ber_key
from codesign.problem.objectives import hardware_objectives
from codesign.problem.space import SearchSpace


def _plain_table(problem, network, points, outcome) -> str:
    """Each point's row from its own lookups, as the table was first written."""
    budget = problem.recipe.budget
    names = sorted({name for point in points for name in point.params})
    costs = [o.attribute for o in hardware_objectives()]
    columns = [*network.params, *names, "weight_error_rate", "evaluated_error_rate",
               "val_accuracy", "test_accuracy", "val_accuracy_mean", "val_accuracy_low",
               "test_accuracy_mean", "test_accuracy_low", *costs]
    text = io.StringIO(newline="")
    writer = csv.writer(text)
    writer.writerow(columns)
    for point in points:
        searched = {}
        for split in ("val", "test"):
            searched[f"{split}_accuracy"] = ""
            if is_measured(outcome, point, split):
                n, rate = str(point.bitstream_length), point.evaluated_error_rate
                key = ("accuracy_by_ber" if budget.accuracy_over_maps == "mean"
                       else "accuracy_percentile_by_ber")
                searched[f"{split}_accuracy"] = (outcome[f"{split}_accuracy"][n] if rate == 0
                                                 else outcome[f"{split}_{key}"][ber_key(rate)][n])
        row = {**network.params, **point.params, "weight_error_rate": point.weight_error_rate,
               "evaluated_error_rate": point.evaluated_error_rate, **searched,
               **accuracies_over_maps(outcome, point),
               **{o.attribute: point.metric(o.metric) for o in hardware_objectives()}}
        writer.writerow([row.get(name, "") for name in columns])
    return text.getvalue()


def test_the_table_is_the_plain_per_point_table(tiny_space, tmp_path):
    space = SearchSpace.model_validate(tiny_space(hardware={
        "tiles": [1, 4], "mram_cells": ["1t1mtj", "2t2mtj"], "read_voltages_mv": [60, 100]}))
    problem = compile_problem(space)
    network = next(n for n in problem.design_space.networks() if n["input_mode"] == "sc")
    points = problem.hardware_points(network, problem.cost_technology())
    pairs = sorted({(p.bitstream_length, p.evaluated_error_rate) for p in points})
    rates = sorted({rate for _, rate in pairs if rate > 0})
    assert len(pairs) > 4 and len(rates) >= 2 and len(points) > 2 * len(pairs)
    lengths = sorted({str(n) for n, _ in pairs})

    def by_n(base: float) -> dict:
        return {n: base + int(n) / 1000 for n in lengths}

    outcome = {"val_accuracy": by_n(0.8), "test_accuracy": by_n(0.7),
               "val_accuracy_by_ber": {ber_key(r): by_n(0.6) for r in rates},
               "val_accuracy_percentile_by_ber": {ber_key(r): by_n(0.5) for r in rates},
               # the test split measured at the lowest rate only (a lazy evaluation's)
               "test_accuracy_by_ber": {ber_key(rates[0]): by_n(0.4)},
               "test_accuracy_percentile_by_ber": {ber_key(rates[0]): by_n(0.3)}}
    path = tmp_path / "network-0000.csv.gz"
    write_design_table(path, problem, network, points, outcome)
    with gzip.open(path, "rt", newline="") as handle:
        written = handle.read()
    assert written == _plain_table(problem, network, points, outcome)
    rows = list(csv.DictReader(io.StringIO(written)))
    assert {row["test_accuracy"] == "" for row in rows} == {True, False}  # both kinds of cell
