"""What a local worker process runs (`codesign.execution.ProcessExecutor`): one training, its
result sent back through a pipe.

It imports nothing heavy at module level: a spawned process imports this module to find its
target, and must set its GPU (`CUDA_VISIBLE_DEVICES`) before PyTorch is imported.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

PARENT_POLL_S = 2.0


def _exit_with_parent(parent: int) -> None:
    """A worker whose driver died (kill -9) stops rather than train for no one."""
    while True:
        time.sleep(PARENT_POLL_S)
        if os.getppid() != parent:
            os._exit(1)


def run_job(job: dict[str, Any], results: Connection, gpu: int | None) -> None:
    """Train `job` and send ("done", result) or ("failed", error, shared cause)."""
    for signum in (signal.SIGINT, signal.SIGHUP):  # the driver decides when a worker stops
        signal.signal(signum, signal.SIG_IGN)
    if gpu is not None:
        os.environ["CUDA_VISIBLE_DEVICES"] = str(gpu)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    from codesign.errors import describe_error
    from codesign.runner import is_shared_cause, train_network

    try:
        result = train_network({**job, "torch_threads": 1})
        result["gpu_ids"] = [] if gpu is None else [str(gpu)]
        message: tuple = ("done", result)
    except Exception as exc:  # a failed training is a result of the search
        message = ("failed", describe_error(exc), is_shared_cause(exc))
    results.send(message)
    results.close()
