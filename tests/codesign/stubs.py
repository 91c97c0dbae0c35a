"""Searches without training: the driver, the storage and the CLI around them are real, the
trainings are numbers (tests of interrupts and of malformed inputs need studies, not models)."""

from __future__ import annotations

import codesign.search as search_module
from codesign.execution import Finished
from codesign.space import SearchSpace


class StubExecutor:
    """Trains nothing: a network's accuracy is a number derived from its trial."""

    capacity = 1

    def __init__(self, lengths: list[int]):
        self.lengths, self.pending = lengths, []

    def submit(self, key, job):
        self.pending.append(key)

    def wait(self, timeout_s):
        if not self.pending:
            return []
        key = self.pending.pop(0)
        accuracy = {str(n): 0.5 + 0.01 * ((key * 7 + n) % 40) for n in self.lengths}
        return [Finished(key, {
            "val_accuracy": accuracy, "test_accuracy": accuracy, "checkpoint": f"ck{key}.ckpt",
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
                        lambda space, address, on_event: StubExecutor(lengths))
