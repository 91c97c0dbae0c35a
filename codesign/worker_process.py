"""A local worker process (`codesign.execution.ProcessExecutor`): one training, its result sent
back through a pipe.

    python -m codesign.worker_process RESULT_FD [GPU] < job.json

The driver starts it in a session of its own, so Ctrl-C and a closed terminal (SIGINT, SIGHUP)
reach the driver only, which decides when a worker stops (SIGTERM). The job comes as JSON on
stdin; ("done", result) or ("failed", error, shared cause) goes back as JSON on the file
descriptor RESULT_FD, which nothing else writes to (training code may print). A worker whose
driver died stops rather than train for no one.
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
    if gpu is not None:  # before PyTorch is imported
        os.environ["CUDA_VISIBLE_DEVICES"] = gpu
    from codesign.errors import describe_error
    from codesign.runner import is_shared_cause, train_network

    try:
        result = train_network({**job, "torch_threads": 1})
    except Exception as exc:  # a failed training is a result of the search
        return ["failed", describe_error(exc), is_shared_cause(exc)]
    return ["done", {**result, "gpu_ids": [] if gpu is None else [gpu]}]


def main(argv: list[str]) -> None:
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    results = int(argv[0])
    message = run_job(json.load(sys.stdin), argv[1] if len(argv) > 1 else None)
    with os.fdopen(results, "w") as channel:
        channel.write(json.dumps(message))


if __name__ == "__main__":
    main(sys.argv[1:])
