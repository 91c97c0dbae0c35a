"""Where trainings run: in this process (`local`) or as Ray tasks (`ray`).

Both expose the same small interface to the search driver: `submit` a job under a key,
`wait` for finished ones, `cancel` what is in flight. A failed training comes back as an
error string, never as an exception that would stop the search.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from codesign.errors import describe_error
from codesign.runner import ProgressFn, train_network
from trainer.device import AcceleratorUnavailable


@dataclass(frozen=True)
class Finished:
    key: int
    result: dict[str, Any] | None
    error: str | None
    shared_cause: bool = False  # the error would stop any training (see `is_shared_cause`)


class Executor(Protocol):
    capacity: int

    def submit(self, key: int, job: dict[str, Any]) -> None: ...

    def wait(self, timeout_s: float) -> list[Finished]: ...

    def cancel(self) -> None: ...

    def shutdown(self) -> None: ...


def is_shared_cause(exc: BaseException) -> bool:
    """Errors that say nothing about the network: the data (missing, corrupt), the
    configuration every training gets, the machine (a file that cannot be written, a package
    that cannot be imported, a missing GPU). Every other network would fail the same way."""
    import pydantic

    from trainer.data import DatasetError

    shared = (DatasetError, OSError, ImportError, pydantic.ValidationError,
              AcceleratorUnavailable)
    return isinstance(exc, shared)


def failed(key: int, exc: BaseException) -> Finished:
    return Finished(key, None, describe_error(exc), is_shared_cause(exc))


class LocalExecutor:
    """One training at a time, in the driver's process (progress reported per batch)."""

    capacity = 1

    def __init__(self, report: Callable[[int], ProgressFn] | None = None):
        self._pending: list[tuple[int, dict[str, Any]]] = []
        self._report = report

    def submit(self, key: int, job: dict[str, Any]) -> None:
        self._pending.append((key, job))

    def wait(self, timeout_s: float) -> list[Finished]:
        if not self._pending:
            return []
        key, job = self._pending.pop(0)
        report = self._report(key) if self._report else None
        handler = signal.getsignal(signal.SIGINT)  # the search's (codesign.interrupts)
        try:
            return [Finished(key, train_network(job, report), None)]
        except SystemExit:
            # Lightning answers Ctrl-C with sys.exit(1) after ignoring SIGINT: restore the
            # handler and let the driver see the interruption it was
            if threading.current_thread() is threading.main_thread():
                signal.signal(signal.SIGINT, handler)
            raise KeyboardInterrupt from None
        except Exception as exc:  # a failed training is a result of the search
            return [failed(key, exc)]

    def cancel(self) -> None:
        self._pending.clear()

    def shutdown(self) -> None:
        pass


class RayExecutor:
    """`workers` trainings in flight as Ray tasks of one CPU (and `gpus_per_training` GPUs)
    each.

    Starts a local Ray on demand, or joins the cluster at `address`. Tasks are not retried:
    a worker killed mid-training is a failed trial (its error names the cause). With a GPU
    share, Ray places each training on a GPU and shows it only that one
    (CUDA_VISIBLE_DEVICES), so a cluster of G GPUs runs G / share trainings at once.
    """

    def __init__(self, workers: int, address: str | None = None, accelerator: str = "cpu",
                 gpus_per_training: float = 1.0):
        import ray

        self._ray = ray
        self._started_here = not ray.is_initialized()
        if self._started_here:
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
            if address is None:
                options["num_cpus"] = workers
            ray.init(address=address, **options)
        self.capacity = workers
        self.gpus_per_training = self._gpu_share(accelerator, gpus_per_training)
        self._remote = ray.remote(
            num_cpus=1, num_gpus=self.gpus_per_training, max_retries=0
        )(train_network)
        self._refs: dict[Any, int] = {}

    def _gpu_share(self, accelerator: str, share: float) -> float:
        """The GPUs each task asks for: none on CPU, the share when the cluster has them.

        A task asking for GPUs the cluster lacks would wait forever: that is an error now.
        """
        if accelerator == "cpu":
            return 0.0
        available = self._ray.cluster_resources().get("GPU", 0.0)
        if available >= share:
            return share
        if accelerator == "auto":
            return 0.0
        self.shutdown()
        raise AcceleratorUnavailable(
            f"accelerator gpu: the Ray cluster has {available:g} GPUs, each training asks "
            f"for {share:g} (execution.gpus_per_training)"
        )

    def submit(self, key: int, job: dict[str, Any]) -> None:
        self._refs[self._remote.remote({**job, "torch_threads": 1})] = key

    def wait(self, timeout_s: float) -> list[Finished]:
        if not self._refs:
            return []
        ready, _ = self._ray.wait(list(self._refs), num_returns=1, timeout=timeout_s)
        finished = []
        for ref in ready:
            key = self._refs.pop(ref)
            try:
                finished.append(Finished(key, self._ray.get(ref), None))
            except self._ray.exceptions.RayTaskError as exc:
                finished.append(failed(key, exc.cause or exc))
            except self._ray.exceptions.RayError as exc:  # worker died, node lost, ...
                finished.append(failed(key, exc))
        return finished

    def cancel(self) -> None:
        for ref in list(self._refs):
            self._ray.cancel(ref, force=True)
        self._refs.clear()

    def shutdown(self) -> None:
        if self._started_here and self._ray.is_initialized():
            self._ray.shutdown()
