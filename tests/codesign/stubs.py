"""Searches without training: the driver, the storage and the CLI around them are real, the
trainings are numbers (tests of interrupts and of malformed inputs need studies, not models)."""

from __future__ import annotations

import codesign.engine.search as search_module
from codesign.engine.execution import Finished
from codesign.problem.compose import ber_key
from codesign.problem.space import SearchSpace

# what a worker reports about itself; a stub trains nowhere and takes no time
STUB_WORKER = {"train_time_s": 0.0, "evaluate_time_s": 0.0, "device": "stub", "host": "stub",
               "pid": 0, "node_id": None, "gpu_ids": []}


class QueueStub:
    """An executor that runs its jobs one at a time, in order, when waited on; a subclass says
    what a job gives (`result`)."""

    capacity = 1

    def __init__(self, lengths: list[int]):
        self.lengths, self.pending, self.jobs = lengths, [], {}

    def submit(self, key, job):
        self.pending.append(key)
        self.jobs[key] = job

    def wait(self, timeout_s):
        if not self.pending:
            return []
        key = self.pending.pop(0)
        return [Finished(key, self.result(key, self.jobs[key]), None)]

    def result(self, key, job) -> dict:
        raise NotImplementedError

    def cancel(self):
        self.pending.clear()

    def shutdown(self):
        pass


def stopped_result(key, epochs_run: int, fidelity: float, **reported) -> dict:
    """A training stopped early: no accuracy at any N."""
    return {**STUB_WORKER, "checkpoint": f"ck{key}.ckpt", "val_accuracy": {},
            "test_accuracy": {}, "epochs_run": epochs_run, "fidelity": fidelity,
            "stopped_at": epochs_run, **reported}


def full_result(key, job, accuracy: float, lengths: list[int], epochs_run: int,
                **reported) -> dict:
    """A training run in full: `accuracy` at every N, clean and at every rate of the job."""
    by_n = {str(n): accuracy for n in lengths}
    bers = job["train_config"]["weight_errors"]["eval_bers"] or []
    by_ber = {ber_key(ber): by_n for ber in bers}
    return {**STUB_WORKER, "checkpoint": f"ck{key}.ckpt", "val_accuracy": by_n,
            "test_accuracy": by_n, "val_accuracy_by_ber": by_ber,
            "test_accuracy_by_ber": by_ber, "epochs_run": epochs_run, "fidelity": 1.0,
            "stopped_at": None, **reported}


class StubExecutor:
    """Trains nothing: a network's accuracy is a number derived from its trial (and, at a
    bit-error rate, that number less the rate)."""

    capacity = 1

    def __init__(self, lengths: list[int]):
        self.lengths, self.pending = lengths, []

    def submit(self, key, job):
        bers = (job["train_config"].get("weight_errors") or {}).get("eval_bers") or []
        self.pending.append((key, bers))

    def wait(self, timeout_s):
        if not self.pending:
            return []
        key, bers = self.pending.pop(0)
        accuracy = {str(n): 0.5 + 0.01 * ((key * 7 + n) % 40) for n in self.lengths}
        by_ber = {ber_key(ber): {n: a - ber for n, a in accuracy.items()} for ber in bers}
        return [Finished(key, {
            "val_accuracy": accuracy, "test_accuracy": accuracy,
            "val_accuracy_by_ber": by_ber, "test_accuracy_by_ber": by_ber,
            "checkpoint": f"ck{key}.ckpt", "epochs_run": 1, **STUB_WORKER}, None)]

    def cancel(self):
        self.pending.clear()

    def shutdown(self):
        pass


def stub_trainings(monkeypatch, space: SearchSpace) -> None:
    """Searches in this test train nothing (see `StubExecutor`)."""
    lengths = sorted({1, *space.input.bitstream_lengths})
    monkeypatch.setattr(search_module, "make_executor",
                        lambda execution, address, on_event: StubExecutor(lengths))
