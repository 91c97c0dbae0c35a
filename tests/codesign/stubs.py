"""Searches without training: the driver, the storage and the CLI around them are real, the
trainings are numbers (tests of interrupts and of malformed inputs need studies, not models)."""

from __future__ import annotations

import codesign.engine.search as search_module
from codesign.engine.execution import Finished
from codesign.problem.compose import ber_key
from codesign.problem.space import SearchSpace


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
            "checkpoint": f"ck{key}.ckpt",
            "train_time_s": 0.0, "epochs_run": 1, "device": "stub", "host": "stub", "pid": 0,
            "node_id": None, "gpu_ids": []}, None)]

    def cancel(self):
        self.pending.clear()

    def shutdown(self):
        pass


def stub_trainings(monkeypatch, space: SearchSpace) -> None:
    """Searches in this test train nothing (see `StubExecutor`)."""
    lengths = sorted({1, *space.input.bitstream_lengths})
    monkeypatch.setattr(search_module, "make_executor",
                        lambda execution, address, on_event: StubExecutor(lengths))
