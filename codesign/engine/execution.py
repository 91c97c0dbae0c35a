"""Where trainings run: in this process, in worker processes of this machine, or as Ray tasks.

- `LocalExecutor`: one training at a time in the driver (`mode: local`, one worker);
- `ProcessExecutor`: `workers` trainings at once in worker processes (`mode: local` with
  `workers` > 1); they talk to the driver through pipes, so nothing listens on the network;
- `RayExecutor`: Ray tasks, on a cluster (`ray_address`) or a local Ray (whose servers
  listen on every interface: docs/safety.md).

All expose the same small interface to the search driver: `submit` a job under a key,
`wait` for finished ones, `cancel` what is in flight. A failed training comes back as an
error string, never as an exception that would stop the search.
"""

from __future__ import annotations

import contextlib
import json
import logging
import multiprocessing.connection
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from codesign.engine.runner import ProgressFn, is_shared_cause, train_network
from codesign.errors import describe_error
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
        handler = signal.getsignal(signal.SIGINT)  # the search's (codesign.engine.interrupts)
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


@dataclass
class _Worker:
    process: subprocess.Popen
    results: Any  # the read end of its result pipe (a text file)
    slot: int  # which of the `workers` it is (with GPUs: slot k on GPU k mod their count)


class ProcessExecutor:
    """`workers` trainings at once in worker processes of this machine
    (`codesign.engine.worker_process`: one PyTorch thread each; with GPUs, worker slot k trains on
    GPU k mod their count). Jobs go in on a worker's stdin and results come back through a pipe
    of its own, so nothing listens on the network. A worker trains one network after another
    (PyTorch imported once). Workers run in sessions of their own: Ctrl-C and a closed
    terminal reach the driver, which stops them (`cancel`). A worker that dies (kill -9, out of
    memory) fails its own training and is replaced; one whose driver died stops."""

    def __init__(self, workers: int, accelerator: str = "cpu"):
        self.capacity = workers
        self._gpus = self._gpu_count(accelerator)
        self._idle: list[_Worker] = []
        self._busy: dict[int, _Worker] = {}  # training key -> its worker

    @staticmethod
    def _gpu_count(accelerator: str) -> int:
        if accelerator == "cpu":
            return 0
        import torch

        return torch.cuda.device_count()

    def _start(self) -> _Worker:
        taken = {worker.slot for worker in [*self._idle, *self._busy.values()]}
        slot = min(set(range(self.capacity)) - taken)
        gpu = [str(slot % self._gpus)] if self._gpus else []
        readable, writable = os.pipe()
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, sys.path))}
        process = subprocess.Popen(
            [sys.executable, "-m", "codesign.engine.worker_process", str(writable), *gpu],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            pass_fds=(writable,), start_new_session=True, env=environment, text=True)
        os.close(writable)  # the worker holds the only writer: its death is an end of file
        return _Worker(process, os.fdopen(readable), slot)

    def submit(self, key: int, job: dict[str, Any]) -> None:
        while self._idle and self._idle[-1].process.poll() is not None:
            self._discard(self._idle.pop())  # died while idle (the OOM killer, say)
        worker = self._idle.pop() if self._idle else self._start()
        self._busy[key] = worker
        assert worker.process.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # a worker dead now: `wait` says so
            worker.process.stdin.write(json.dumps(job) + "\n")
            worker.process.stdin.flush()

    def wait(self, timeout_s: float) -> list[Finished]:
        keys = {worker.results: key for key, worker in self._busy.items()}
        finished = []
        for results in multiprocessing.connection.wait(list(keys), timeout=timeout_s):
            key = keys[results]
            worker = self._busy.pop(key)
            line = results.readline()
            try:
                message = json.loads(line)
                self._idle.append(worker)
            except ValueError:  # no line: the worker died
                self._discard(worker)
                message = ["failed", "WorkerDied: the training process ended without a result "
                           f"(exit code {worker.process.returncode})", False]
            finished.append(Finished(key, message[1], None) if message[0] == "done"
                            else Finished(key, None, message[1], message[2]))
        return finished

    @staticmethod
    def _discard(worker: _Worker) -> None:
        worker.process.terminate()
        try:
            worker.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            worker.process.kill()
            worker.process.wait()
        worker.results.close()
        if worker.process.stdin is not None:
            with contextlib.suppress(OSError):
                worker.process.stdin.close()

    def cancel(self) -> None:
        for worker in self._busy.values():
            self._discard(worker)
        self._busy.clear()

    def shutdown(self) -> None:
        self.cancel()
        for worker in self._idle:
            self._discard(worker)
        self._idle.clear()


class ClusterUnreachable(Exception):
    """The Ray cluster at the address does not answer (within `RAY_CONNECT_LIMITS`)."""


# Ray waits for a cluster that does not answer for a quarter of an hour by default (20 tries
# of up to 45 s); these bound it to ~20 s (measured: a closed port, and one that accepts and
# never answers). Set unless the environment already sets them.
RAY_CONNECT_LIMITS = {"RAY_gcs_server_port_wait_time_s": "1",
                      "RAY_py_gcs_connect_timeout_s": "10",
                      "RAY_gcs_rpc_server_connect_timeout_s": "5"}


@contextlib.contextmanager
def _stderr_silenced() -> Iterator[None]:
    """Ray's C++ client logs each failed try to connect on the process's stderr (fd 2), which
    Python's logging cannot silence: a cluster that does not answer is then our one line."""
    try:
        saved = os.dup(2)
    except OSError:  # no stderr to silence
        yield
        return
    with open(os.devnull, "w") as null:
        os.dup2(null.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)


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
        if address is not None:  # not for a local Ray: its own start may take longer
            for name, value in RAY_CONNECT_LIMITS.items():  # read when Ray first connects
                os.environ.setdefault(name, value)
        import ray

        self._ray = ray
        self._started_here = not ray.is_initialized()
        if self._started_here:
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                       "logging_level": logging.ERROR}
            if address is None:
                options["num_cpus"] = workers
            try:
                with _stderr_silenced() if address else contextlib.nullcontext():
                    ray.init(address=address, **options)
            except (ConnectionError, RuntimeError, ValueError) as exc:
                raise ClusterUnreachable(f"Ray cluster {address}: cannot connect "
                                         f"({describe_error(exc)})") from None
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
