"""A local worker process (`codesign.engine.execution.ProcessExecutor`): trainings, one after
another, each result sent back through a pipe.

    python -m codesign.engine.worker_process RESULT_FD [GPU]

The driver starts it in a session of its own, so Ctrl-C and a closed terminal (SIGINT, SIGHUP)
reach the driver only, which decides when a worker stops (SIGTERM). Jobs come as JSON lines on
stdin; for each, ["done", result] or ["failed", error, shared cause] goes back as a JSON line
on the file descriptor RESULT_FD, which nothing else writes to (training code may print). It
ends when stdin does, and a worker whose driver died stops rather than train for no one. A
worker trains many networks, so PyTorch is imported once, not per training.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time

PARENT_POLL_S = 2.0


def _exit_with_parent(parent: int) -> None:
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != parent:
            os._exit(1)


def run_job(job: dict, gpu: str | None) -> list:
    """Train `job`: ["done", result] or ["failed", error, shared cause]."""
    from codesign.engine.runner import is_shared_cause, train_network
    from codesign.errors import describe_error

    try:
        result = train_network({**job, "torch_threads": 1})
    except Exception as exc:  # a failed training is a result of the search
        return ["failed", describe_error(exc), is_shared_cause(exc)]
    return ["done", {**result, "gpu_ids": [] if gpu is None else [gpu]}]


def main(argv: list[str]) -> None:
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    gpu = argv[1] if len(argv) > 1 else None
    if gpu is not None:  # before PyTorch is imported
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu
    with os.fdopen(int(argv[0]), "w") as results:
        for line in sys.stdin:
            results.write(json.dumps(run_job(json.loads(line), gpu)) + "\n")
            results.flush()


if __name__ == "__main__":
    main(sys.argv[1:])
