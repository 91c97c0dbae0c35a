"""Early stopping at epoch rungs from an optimistic accuracy (`trainer.fidelity`)."""

import csv

import pytest

from tests.trainer.test_training import _config, _datamodule
from trainer.fidelity import (
    EarlyStopRule,
    Halving,
    OptimisticAccuracy,
    StopAtDeadline,
    StopWhenHopeless,
    default_rungs,
)
from trainer.fit import fit
from trainer.run_folders import last_checkpoint


def test_optimistic_accuracy_is_best_plus_margin_plus_the_steeper_slope_per_epoch_left():
    optimism = OptimisticAccuracy(margin=0.02, gain_per_epoch=0.01)
    # 2 of 10 epochs, latest gain 0.05 > floor: 0.6 + 0.02 + 8 * 0.05
    assert optimism.bound([0.55, 0.6], 10) == pytest.approx(1.0)
    assert optimism.bound([0.55, 0.6], 4) == pytest.approx(0.6 + 0.02 + 2 * 0.05)
    # a dip: the best so far counts and the floor slope applies
    assert optimism.bound([0.7, 0.65], 5) == pytest.approx(0.7 + 0.02 + 3 * 0.01)
    # at the end only the margin is left; the bound shrinks as the epochs left do
    assert optimism.bound([0.5, 0.6], 2) == pytest.approx(0.62)
    bounds = [optimism.bound([0.5] * done, 10) for done in range(1, 11)]
    assert bounds == sorted(bounds, reverse=True)
    assert optimism.bound([], 10) == 1.0


def test_default_rungs_are_geometric_and_below_the_last_epoch():
    assert default_rungs(10) == [1, 3, 9]
    assert default_rungs(9) == [1, 3]
    assert default_rungs(1) == []
    assert EarlyStopRule(rungs=[2, 5, 8]).rungs_for(5) == [2]


def test_a_training_that_cannot_matter_is_stopped_at_the_first_rung_and_not_tested(tmp_path):
    asked = []

    def hopeless(accuracy):
        asked.append(accuracy)
        return False

    stop = StopWhenHopeless(hopeless, EarlyStopRule(rungs=[1, 2]))
    result = fit(_config(tmp_path, mode="fixed_point"), _datamodule(), early_stop=stop)
    assert result.stopped_at == 1 and result.epochs_run == 1
    assert len(stop.history) == 1 and asked == [stop.bounds[1]]
    assert stop.bounds[1] >= stop.history[0]  # optimistic
    assert result.test_accuracy == {} and result.val_accuracy_by_length == {}
    assert result.test_error_sweep is None


def test_a_training_that_could_matter_is_promoted_to_its_full_epochs(tmp_path):
    stop = StopWhenHopeless(lambda accuracy: True, EarlyStopRule(rungs=[1, 2]))
    config = _config(tmp_path, mode="fixed_point")
    result = fit(config, _datamodule(), early_stop=stop)
    assert result.stopped_at is None and result.epochs_run == config.optim.epochs
    assert sorted(stop.bounds) == [1, 2] and len(stop.history) == config.optim.epochs
    assert result.test_accuracy and max(result.test_accuracy.values()) > 0.7


def test_an_observed_excess_replaces_the_prior_bound_with_the_margin_as_its_floor():
    optimism = OptimisticAccuracy(margin=0.02, gain_per_epoch=0.01, safety=1.5)
    assert optimism.bound([0.5, 0.7], 10, observed_excess=0.1) == pytest.approx(0.85)
    assert optimism.bound([0.5, 0.7], 10, observed_excess=0.0) == pytest.approx(0.72)
    assert optimism.bound([0.9], 10, observed_excess=0.2) == 1.0


def test_halving_keeps_the_top_third_of_a_rung_as_a_plain_ranking_does():
    """ASHA's rule against a plain reference: sort the rung's worths, keep the first
    ceil(n / eta) (a tie with a kept worth is kept)."""
    import random

    rng = random.Random(0)
    for _ in range(500):
        eta = rng.choice([2, 3, 4])
        halving = Halving(eta=eta, min_peers=1)
        peers = [rng.choice([0.0, 0.1, 0.2, 0.3, 0.5]) for _ in range(rng.randint(1, 9))]
        worth = rng.choice([0.0, 0.1, 0.2, 0.3, 0.5])
        ranked = sorted([*peers, worth], reverse=True)
        kept = ranked[: -(-len(ranked) // eta)]
        assert halving.goes_on(worth, peers) == (worth >= kept[-1])
    assert Halving(min_peers=3).goes_on(0.0, [1.0, 1.0])  # too few peers: it goes on


@pytest.mark.parametrize(("least", "stopped"), [(1.0, True), (0.0, False)])
def test_halving_stops_a_training_below_the_accuracy_that_ranks_at_a_rung(tmp_path, least,
                                                                          stopped):
    rule = EarlyStopRule(rungs=[1], halving=Halving(eta=3, min_peers=2))
    stop = StopWhenHopeless(lambda accuracy: True, rule, goes_on_at={1: least})
    result = fit(_config(tmp_path, mode="fixed_point"), _datamodule(), early_stop=stop)
    assert 0.0 < max(stop.history[:1]) < 1.0  # shown by rung 1, between the two limits
    assert (result.stopped_at == 1) == stopped
    assert stop.stopped_by == ("halving" if stopped else None)


def test_a_training_running_past_its_deadline_stops_after_that_epoch_and_is_not_tested(
        tmp_path, monkeypatch):
    """The clock passes the deadline during epoch 2: the training stops after it, says why,
    and nothing is tested; one passed only as the last epoch ends leaves a full training."""
    from trainer import fidelity

    epochs_seen = []

    class Clock:
        def monotonic(self):  # the deadline is 2.0: passed once epoch 2 has ended
            return float(len(epochs_seen))

    class Count(StopAtDeadline):
        def on_validation_end(self, trainer, pl_module):
            epochs_seen.append(trainer.current_epoch + 1)
            super().on_validation_end(trainer, pl_module)

    monkeypatch.setattr(fidelity, "time", Clock())
    config = _config(tmp_path, mode="fixed_point")
    assert config.optim.epochs > 2
    result = fit(config, _datamodule(), deadline=Count(2.0))
    assert (result.stopped_at, result.stopped_by, result.epochs_run) == (2, "wall_time", 2)
    assert result.test_accuracy == {} and result.val_accuracy_by_length == {}
    epochs_seen.clear()  # passed only as the last epoch ends: nothing left to save
    full = fit(config.model_copy(update={"output_dir": str(tmp_path / "full")}),
               _datamodule(), deadline=Count(float(config.optim.epochs)))
    assert full.stopped_at is None and full.epochs_run == config.optim.epochs
    assert full.test_accuracy


def test_an_epoch_early_stopping_ends_keeps_its_reason_past_the_deadline(tmp_path):
    stop = StopWhenHopeless(lambda accuracy: False, EarlyStopRule(rungs=[1]))
    deadline = StopAtDeadline(0.0)  # long past
    result = fit(_config(tmp_path, mode="fixed_point"), _datamodule(), early_stop=stop,
                 deadline=deadline)
    assert (result.stopped_at, result.stopped_by) == (1, "hopeless")
    assert deadline.stopped_at is None


def test_a_training_the_deadline_cut_goes_on_from_its_last_checkpoint(tmp_path, monkeypatch):
    """Cut after epoch 2 of 4, then resumed: it trains the 2 epochs left, not 4, in the same
    run folder; the early-stopping curve goes on from the 2 epochs before the cut; the kept
    checkpoint is the best of all 4 epochs; and it is tested as a full training is."""
    from pytorch_lightning.callbacks import Callback

    from trainer import fidelity

    epochs_ended = []

    class Clock:
        def monotonic(self):  # the deadline is 2.0: passed once epoch 2 has ended
            return float(len(epochs_ended))

    class CountEpochs(Callback):  # before the deadline's callback
        def on_validation_end(self, trainer, pl_module):
            epochs_ended.append(trainer.current_epoch + 1)

    monkeypatch.setattr(fidelity, "time", Clock())
    config = _config(tmp_path, mode="fixed_point")
    assert config.optim.epochs == 4
    before = StopWhenHopeless(lambda accuracy: True, EarlyStopRule(rungs=[1, 3]))
    cut = fit(config, _datamodule(), callbacks=[CountEpochs()], early_stop=before,
              deadline=StopAtDeadline(2.0))
    assert (cut.stopped_by, cut.epochs_run) == ("wall_time", 2)
    assert cut.last_checkpoint_path is not None and cut.last_checkpoint_path.is_file()
    metrics = cut.log_dir / "metrics.csv"
    with metrics.open() as file:
        before_rows = list(csv.DictReader(file))
    with metrics.open("a", newline="") as file:  # as a run killed in epoch 3 leaves it
        csv.DictWriter(file, fieldnames=list(before_rows[0])).writerow(
            {**{name: "" for name in before_rows[0]}, "epoch": "2", "step": "17",
             "train/loss": "9.9"})
    epochs_ended.clear()
    after = StopWhenHopeless(lambda accuracy: True, EarlyStopRule(rungs=[1, 3]))
    resumed = fit(config, _datamodule(), callbacks=[CountEpochs()], early_stop=after,
                  resume_from=cut.last_checkpoint_path)
    assert epochs_ended == [3, 4]  # the epochs left only
    assert resumed.stopped_at is None and resumed.epochs_run == 4
    assert resumed.log_dir == cut.log_dir  # no second run folder
    assert len(list(tmp_path.glob("tiny/version_*"))) == 1
    assert after.history[:2] == before.history and len(after.history) == 4
    assert sorted(after.bounds) == [1, 3] and after.bounds[1] == before.bounds[1]
    best_epoch = max(range(4), key=lambda epoch: after.history[epoch])
    assert resumed.checkpoint_path.name == f"best-epoch={best_epoch}.ckpt"
    assert resumed.val_accuracy == pytest.approx(max(after.history))
    assert resumed.test_accuracy
    with (resumed.log_dir / "metrics.csv").open() as file:  # the epochs before the cut kept
        logged = [row for row in csv.DictReader(file) if row.get("val/acc")]
    assert [int(row["epoch"]) for row in logged] == [0, 1, 2, 3]
    assert [float(row["val/acc"]) for row in logged] == pytest.approx(after.history)
    with (resumed.log_dir / "metrics.csv").open() as file:  # the killed epoch's rows: once
        rows = list(csv.DictReader(file))
    assert "9.9" not in [row["train/loss"] for row in rows]
    assert rows[:len(before_rows)] == before_rows


def test_a_run_killed_after_its_last_epoch_is_only_tested_when_resumed(tmp_path):
    """A run killed while testing left the `last.ckpt` of its last epoch, which
    `last_checkpoint` finds from its config; resumed from it, no epoch is trained again, and
    the kept checkpoint and its accuracies are the run's."""
    from pytorch_lightning.callbacks import Callback

    epochs_ended = []

    class CountEpochs(Callback):
        def on_validation_end(self, trainer, pl_module):
            epochs_ended.append(trainer.current_epoch + 1)

    config = _config(tmp_path, mode="fixed_point")
    assert last_checkpoint(config.output_dir, config.name) is None  # no run yet
    whole = fit(config, _datamodule(), callbacks=[CountEpochs()])
    left = last_checkpoint(config.output_dir, config.name)
    assert left is not None and left == whole.last_checkpoint_path
    assert epochs_ended == [1, 2, 3, 4]
    epochs_ended.clear()
    resumed = fit(config, _datamodule(), callbacks=[CountEpochs()], resume_from=left)
    assert epochs_ended == [] and resumed.epochs_run == config.optim.epochs
    assert resumed.log_dir == whole.log_dir
    assert resumed.checkpoint_path == whole.checkpoint_path
    assert resumed.val_accuracy_by_length == whole.val_accuracy_by_length
    assert resumed.test_accuracy == whole.test_accuracy
