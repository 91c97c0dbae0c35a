"""What optuna-dashboard shows of a search: read back through Optuna's API and through the
dashboard's own JSON API (its public `wsgi` app), never through a browser."""

import base64
import io
import json
from wsgiref.util import setup_testing_defaults

import numpy as np
import optuna
import pytest
from optuna.distributions import IntDistribution
from optuna.trial import TrialState
from optuna_dashboard import get_note, save_note, wsgi

from codesign.engine.dashboard_view import DASHBOARD_CONSTRAINTS, constraint_labels, constraint_list
from codesign.engine.search import run_search
from codesign.engine.storage import open_storage
from codesign.engine.study import (
    DESIGN_RECORDS,
    IDENTITY_ATTR,
    SPACE_ATTR,
    design_record,
    load_design_study,
    load_network_study,
    open_studies,
    space_of,
)
from codesign.problem.compiled import compile_problem, search_identity
from codesign.problem.space import SearchSpace

NUMERIC = ("bitstream_length", "tiles", "array_rows", "width_1")


@pytest.fixture(scope="module")
def searched(tmp_path_factory, tiny_fmnist_dir):
    """One tiny search with an accuracy floor no network reaches (so some design points are
    infeasible) and an area budget every network meets."""
    root = tmp_path_factory.mktemp("dash")
    space = SearchSpace.model_validate({
        "name": "tiny",
        "data": {"root": str(tiny_fmnist_dir), "download": False, "batch_size": 50},
        "model": {"family": "mlp", "hidden_layers": 1, "widths": [16, 32]},
        "input": {"modes": ["sc", "fixed_point"], "bitstream_lengths": {"min": 1, "max": 8},
                  "sngs": ["ideal"], "train_lengths": [4]},
        "hardware": {"tiles": [1, 4]},
        "constraints": {"min_accuracy": 0.999, "max_area_mm2": 100.0},
        "budget": {"trials": 2, "epochs": 1},
        "sampler": {"kind": "random", "seed": 0},
        "output_dir": str(root / "runs"),
        "storage": f"sqlite:///{root / 'runs' / 'tiny.db'}",
    })
    run_search(space)
    storage = open_storage(space.storage_url)
    return space, storage, load_design_study(storage, space.name), load_network_study(
        storage, space.name)


def _api(storage, path: str) -> dict:
    """GET a path of optuna-dashboard's JSON API, as its web page does."""
    environ: dict = {"PATH_INFO": path, "REQUEST_METHOD": "GET", "wsgi.input": io.BytesIO()}
    setup_testing_defaults(environ)
    status = []

    def start_response(code, headers, exc_info=None):
        status.append(code)

    body = b"".join(wsgi(storage)(environ, start_response))
    assert status[0].startswith("200"), (path, status)
    return json.loads(body)


def _study_id(storage, study) -> int:
    return storage.get_study_id_from_name(study.study_name)


def test_constraints_are_stored_named_and_where_the_dashboard_reads_them(searched):
    space, storage, designs, networks = searched
    points = designs.get_trials(states=(TrialState.COMPLETE,))
    assert points and any(not all(v <= 0 for v in p.constraints.values()) for p in points)
    for point in points:
        named = {k: v for k, v in point.constraints.items() if not k.isdigit()}
        assert sorted(named) == ["accuracy", "area_mm2", "peak_current_a",
                                 "peak_current_a_per_mm2", "power_density_mw_per_mm2"]
        # the last three: the default buildability limits
        assert point.system_attrs[DASHBOARD_CONSTRAINTS] == constraint_list(named)
        assert named["accuracy"] == pytest.approx(0.999 - point.user_attrs["val_accuracy"])
    trained = [t for t in networks.trials if t.state == TrialState.COMPLETE]
    assert all(t.system_attrs[DASHBOARD_CONSTRAINTS] for t in trained)
    labels = constraint_labels(compile_problem(space).goals)
    assert labels == ["accuracy >= 0.999", "area_mm2 <= 100 mm2", "peak_current_a <= 5 A",
                      "peak_current_a_per_mm2 <= 1 A/mm2",
                      "power_density_mw_per_mm2 <= 1000 mW/mm2"]

    detail = _api(storage, f"/api/studies/{_study_id(storage, designs)}")
    served = {t["number"]: t["constraints"] for t in detail["trials"]}
    assert served == {p.number: p.system_attrs[DASHBOARD_CONSTRAINTS] for p in points}
    assert any(any(c > 0 for c in values) for values in served.values())  # shown infeasible


def test_objectives_are_named_and_numbers_are_numeric(searched):
    space, storage, designs, networks = searched
    for study in (designs, networks):
        names = ["validation accuracy (fraction)", "energy (pJ)", "area (mm2)"]  # units
        assert study.metric_names == names
        detail = _api(storage, f"/api/studies/{_study_id(storage, study)}")
        assert detail["objective_names"] == names
    for point in designs.trials:
        for name in NUMERIC:
            if name in point.params:
                assert isinstance(point.distributions[name], IntDistribution), name


def test_design_points_last_as_long_as_their_training_run(searched):
    _, _, designs, networks = searched
    for point in designs.trials:
        run = networks.trials[point.user_attrs["network_trial"]]
        assert point.datetime_start == run.datetime_start
        assert point.duration.total_seconds() > 0
        assert point.datetime_complete <= run.datetime_complete


def test_study_attributes_are_lines_of_text_not_json(searched):
    space, storage, designs, networks = searched
    for study in (designs, networks):
        attrs = study.user_attrs
        assert IDENTITY_ATTR not in attrs and SPACE_ATTR not in attrs
        assert all(isinstance(v, str) and not v.startswith(("{", "[")) for v in attrs.values())
        assert attrs["constraints"].startswith("accuracy >= 0.999; area_mm2 <= 100 mm2")
        assert attrs["sampler"] == "random, seed 0"
    assert designs.user_attrs["choices: bitstream_length"].startswith("1, 2, 4, 8")
    assert "choices: tiles" not in networks.user_attrs  # the networks study: network choices
    assert space_of(designs, storage) == space  # the space itself: a system attribute


def test_notes_explain_the_studies_and_link_each_training_run_to_its_design_points(searched):
    space, storage, designs, networks = searched
    designs_id, networks_id = _study_id(storage, designs), _study_id(storage, networks)
    assert f"](/dashboard/studies/{networks_id})" in get_note(designs)
    assert f"](/dashboard/studies/{designs_id})" in get_note(networks)
    served = _api(storage, f"/api/studies/{designs_id}")
    assert "tiny:networks" in served["note"]["body"]
    # design points carry no note (the dashboard scans every note for each trial it sends):
    # a point names its run in `network_trial`, and the run's note links its points
    assert all(t["note"]["body"] == "" for t in served["trials"])
    assert "`network_trial` attribute is its training run" in served["note"]["body"]
    served_runs = _api(storage, f"/api/studies/{networks_id}")["trials"]
    for run in served_runs:
        if run["state"] != "Complete":
            continue
        numbers = sorted(p.number for p in designs.trials
                         if p.user_attrs["network_trial"] == run["number"])
        link = f"/dashboard/studies/{designs_id}/trials?numbers={','.join(map(str, numbers))}"
        assert f"design points in [`tiny`]({link})" in run["note"]["body"]


def test_resuming_keeps_an_edited_study_note(searched):
    space, storage, designs, _ = searched
    original = get_note(designs)
    save_note(designs, "my own note")
    open_studies(compile_problem(space), storage)
    assert get_note(designs) == "my own note"
    save_note(designs, original)


def test_studies_written_before_keep_resuming(tmp_path):
    """Older studies kept the identity and the space as user attributes."""
    space = SearchSpace.model_validate({"name": "old", "output_dir": str(tmp_path)})
    storage = open_storage(f"sqlite:///{tmp_path / 'old.db'}")
    old = optuna.create_study(storage=storage, study_name="old",
                              directions=["maximize", "minimize", "minimize"])
    old.set_user_attr(IDENTITY_ATTR, search_identity(space))
    old.set_user_attr(SPACE_ATTR, space.model_dump_json())
    assert space_of(old, storage) == space
    designs, _ = open_studies(compile_problem(space), storage)  # the same space: resumed
    assert get_note(designs).startswith("# Co-design search `old`")


def test_the_study_page_carries_the_projects_pareto_figure(searched):
    """The figure `codesign pareto` draws, on the design study's page: accuracy in percent,
    every cost on a log axis, the front's trials named in the hover text."""
    space, storage, designs, _ = searched
    detail = _api(storage, f"/api/studies/{_study_id(storage, designs)}")
    figures = {g["id"]: json.loads(g["graph_object"]) for g in detail["plotly_graph_objects"]}
    assert list(figures) == ["pareto-front"]
    figure = figures["pareto-front"]
    axes = [figure["layout"][name] for name in sorted(figure["layout"])
            if name.startswith("xaxis")]
    assert [axis["type"] for axis in axes] == ["log"] * 3  # energy, area, latency (drawn)
    assert [axis["title"]["text"].split(" (")[0] for axis in axes] == ["energy", "area",
                                                                       "latency"]
    feasible = [t for t in designs.trials if all(v <= 0 for v in t.constraints.values())]
    grey = next(trace for trace in figure["data"] if trace["name"] == "feasible design points")
    assert sorted(_array(grey["customdata"])) == sorted(t.number for t in feasible)
    by_number = {t.number: t for t in designs.trials}
    for trace in (t for t in figure["data"] if "customdata" in t):  # the paper's: none
        for number, accuracy in zip(_array(trace["customdata"]), _array(trace["y"]),
                                    strict=True):
            assert accuracy == pytest.approx(100 * by_number[int(number)].user_attrs[
                "val_accuracy"], rel=1e-6)  # percent, not a fraction


def _array(encoded) -> list:
    """A plotly array as plotly.js reads it: a list, or typed binary ({dtype, bdata})."""
    if isinstance(encoded, dict):
        return np.frombuffer(base64.b64decode(encoded["bdata"]), dtype=encoded["dtype"]).tolist()
    return list(encoded)


def test_trial_attributes_are_numbers_and_short_text(searched):
    """The dashboard sends every user attribute of every trial with the study page: the
    design points' dictionaries (architecture, cost breakdowns) are system attributes,
    which it does not send, and `export` reads them there."""
    _, storage, designs, _ = searched
    for point in designs.trials:
        assert not [k for k, v in point.user_attrs.items() if isinstance(v, dict | list)]
        for name in DESIGN_RECORDS:
            assert design_record(point, name) == point.system_attrs["codesign:" + name]
    detail = _api(storage, f"/api/studies/{_study_id(storage, designs)}")
    served = {attr["key"] for t in detail["trials"] for attr in t["user_attrs"]}
    assert served and not served & set(DESIGN_RECORDS)


def test_a_design_recorded_before_is_read_from_its_user_attributes():
    """Studies recorded before kept the dictionaries as user attributes."""
    old = optuna.trial.create_trial(value=1.0, user_attrs={"architecture": {"tiles": 4}})
    assert design_record(old, "architecture") == {"tiles": 4}


def test_the_dashboard_command_draws_the_figure_of_a_study_recorded_without_it(searched):
    """A study recorded before the figure existed gets it when `codesign dashboard` opens it
    (studies of others, without a stored space, are left alone)."""
    from codesign.commands.dashboard import _draw_pareto_figures

    space, _, _, _ = searched
    storage = optuna.storages.InMemoryStorage()
    designs, _ = open_studies(compile_problem(space), storage)
    foreign = optuna.create_study(storage=storage, study_name="someone-else")
    _draw_pareto_figures(storage, None)
    for study, expected in ((designs, ["pareto-front"]), (foreign, [])):
        detail = _api(storage, f"/api/studies/{_study_id(storage, study)}")
        assert [g["id"] for g in detail["plotly_graph_objects"]] == expected
