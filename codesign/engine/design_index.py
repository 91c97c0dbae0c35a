"""A compact copy of a study's design trials, for the review commands to read in one go.

Reading a design study through Optuna's storage builds every trial from its rows (a row per
parameter, per user attribute, per system attribute: about 60 a design trial), which is most of
what `status`, `pareto` and `export` cost on a study of a thousand design points (2-4 s on the
project's 2-core machine). So when the search records a network's design trials
(`add_design_trials`) it also writes what the review commands read of them (number, values,
parameters, user attributes, constraints and architecture) as study system attributes of a few
tens of rows each (`codesign:index:<first trial number>`, each under `CHUNK_CHARS`: a database's
TEXT column may be 64 KB), which optuna-dashboard does not show.

The storage stays the single source of truth: `indexed_design_trials` returns the copy only
where it covers the study's trials exactly (numbers 0..n-1, no trial n, and trial n-1's values
those indexed), and None otherwise (a study recorded before the index, or a search that crashed
between adding its trials and indexing them, or another program that added trials), where the
caller reads the trials from the storage (`read_design_trials`). The trials it returns carry no
distributions and no times: what the review commands need (an export reads its design trial
from the storage again).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import optuna
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

INDEX_PREFIX = "codesign:index:"
CHUNK_CHARS = 60_000
# the trial system attributes the review commands read: Optuna's constraints (a list, and one
# key each) and the design's architecture (its cost bands)
INDEXED_SYSTEM_ATTRS = ("constraints", "codesign:architecture")


def _row(number: int, trial_id: int, trial: FrozenTrial) -> dict[str, Any]:
    return {"number": number, "trial_id": trial_id, "values": trial.values,
            "params": trial.params, "user_attrs": trial.user_attrs,
            "system_attrs": {name: value for name, value in trial.system_attrs.items()
                             if name in INDEXED_SYSTEM_ATTRS
                             or name.startswith(INDEXED_SYSTEM_ATTRS[0] + ":")}}


def _chunks(rows: Sequence[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Consecutive rows in groups whose JSON stays under CHUNK_CHARS (a row alone may not)."""
    chunks: list[list[dict[str, Any]]] = []
    size = 0
    for row in rows:
        length = len(json.dumps(row)) + 2
        if not chunks or size + length > CHUNK_CHARS:
            chunks.append([])
            size = 0
        chunks[-1].append(row)
        size += length
    return chunks


def add_design_trials(storage: BaseStorage, study: optuna.Study,
                      trials: Sequence[FrozenTrial]) -> None:
    """Add completed design trials to `study` (as `Study.add_trials` does) and index them."""
    study_id = storage.get_study_id_from_name(study.study_name)
    rows = []
    for trial in trials:
        trial_id = storage.create_new_trial(study_id, template_trial=trial)
        rows.append(_row(storage.get_trial_number_from_id(trial_id), trial_id, trial))
    _write(storage, study_id, rows)


def index_study(storage: BaseStorage, study: optuna.Study) -> None:
    """Index every trial a study holds now (a study recorded before the index, say: what
    `benchmarks/review_commands.py --index` does to its copy of one)."""
    study_id = storage.get_study_id_from_name(study.study_name)
    for key in storage.get_study_system_attrs(study_id):  # an index before: emptied (an
        if key.startswith(INDEX_PREFIX):                   # attribute cannot be deleted)
            storage.set_study_system_attr(study_id, key, [])
    _write(storage, study_id, [
        _row(t.number, storage.get_trial_id_from_study_id_trial_number(study_id, t.number), t)
        for t in study.get_trials(deepcopy=False)])


def _write(storage: BaseStorage, study_id: int, rows: Sequence[dict[str, Any]]) -> None:
    for chunk in _chunks(rows):
        storage.set_study_system_attr(study_id, f"{INDEX_PREFIX}{chunk[0]['number']}", chunk)


def _trial(row: dict[str, Any]) -> FrozenTrial:
    return FrozenTrial(
        number=row["number"], state=TrialState.COMPLETE, value=None, values=row["values"],
        datetime_start=None, datetime_complete=None, params=row["params"], distributions={},
        user_attrs=row["user_attrs"], system_attrs=row["system_attrs"],
        intermediate_values={}, trial_id=row["trial_id"])


def indexed_design_trials(storage: BaseStorage, study: optuna.Study
                          ) -> list[FrozenTrial] | None:
    """The study's design trials from its index, or None where the index does not cover
    exactly the trials the storage holds."""
    study_id = storage.get_study_id_from_name(study.study_name)
    rows = sorted((row for key, chunk in storage.get_study_system_attrs(study_id).items()
                   if key.startswith(INDEX_PREFIX) for row in chunk),
                  key=lambda row: row["number"])
    if not rows or [row["number"] for row in rows] != list(range(len(rows))):
        return None
    try:
        last_id = storage.get_trial_id_from_study_id_trial_number(study_id, len(rows) - 1)
    except KeyError:
        return None
    try:
        storage.get_trial_id_from_study_id_trial_number(study_id, len(rows))
        return None  # a trial the index does not hold
    except KeyError:
        pass
    last = storage.get_trial(last_id)
    if (last_id != rows[-1]["trial_id"] or last.state != TrialState.COMPLETE
            or last.values != rows[-1]["values"]):
        return None
    return [_trial(row) for row in rows]


def read_design_trials(storage: BaseStorage, study: optuna.Study) -> list[FrozenTrial]:
    """Every design trial: from the index where it is whole, else from the storage."""
    indexed = indexed_design_trials(storage, study)
    return indexed if indexed is not None else study.get_trials(deepcopy=False)


def design_trial(storage: BaseStorage, study: optuna.Study, number: int) -> FrozenTrial:
    """One design trial as the storage holds it (KeyError: no trial with that number)."""
    study_id = storage.get_study_id_from_name(study.study_name)
    return storage.get_trial(storage.get_trial_id_from_study_id_trial_number(study_id, number))
