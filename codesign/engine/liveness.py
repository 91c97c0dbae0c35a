"""Whose is a RUNNING trial, and is its driver still alive?

A trial of the networks study is RUNNING while the driver that asked it trains it. A driver
killed with `kill -9` (or whose machine lost power) leaves it RUNNING. Waiting for its
heartbeat to go stale (`GRACE_PERIOD_S`) is the only test across machines, but on the
driver's own machine there is an exact one: each trial records its holder (`holder_record`:
host name, boot id, process id and that process's start time), and a holder on this host whose
process is gone (or whose pid now belongs to another process, or who ran before the last
boot) is dead *now*. So a rerun on the same machine fails and retries the trial at once;
trials held on other machines still wait for their heartbeat to go stale.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path
from typing import Any

HOLDER_ATTR = "driver"  # user attribute of a RUNNING trial: `holder_record()` of its driver
HEARTBEAT_ATTR = "heartbeat_at"  # wall-clock time of a trial's last beat (every storage)
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")


def _boot_id() -> str | None:
    try:
        return BOOT_ID.read_text().strip()
    except OSError:  # not Linux: the pid test below still holds within one boot
        return None


def process_start(pid: int) -> str | None:
    """When process `pid` started (clock ticks since boot, /proc/PID/stat field 22), or None
    if there is no such process (or no /proc to say)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()[19]


def holder_record() -> dict[str, Any]:
    """This driver, as a trial records its holder."""
    return {"host": socket.gethostname(), "boot_id": _boot_id(), "pid": os.getpid(),
            "started": process_start(os.getpid())}


def _process_alive(pid: int, started: str | None) -> bool:
    if Path("/proc").is_dir():
        return started is not None and process_start(pid) == started
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def holder_gone(holder: Any) -> bool:
    """True when `holder` (a `holder_record`) is certainly dead: it ran on this host, and its
    process is gone, or was restarted, or belonged to an earlier boot. False when it is alive
    or cannot be known from here (another host, a record from an older version)."""
    if not isinstance(holder, dict) or holder.get("host") != socket.gethostname():
        return False
    boot = _boot_id()
    if boot is not None and holder.get("boot_id") not in (None, boot):
        return True
    pid = holder.get("pid")
    return isinstance(pid, int) and not _process_alive(pid, holder.get("started"))


def is_stale(user_attrs: dict[str, Any], started_at: float, grace_period_s: float,
             now: float | None = None) -> bool:
    """A RUNNING trial whose driver is gone: dead by `holder_gone`, or silent (no heartbeat,
    counted from `started_at`) for longer than the grace period."""
    if holder_gone(user_attrs.get(HOLDER_ATTR)):
        return True
    last = user_attrs.get(HEARTBEAT_ATTR, started_at)
    return (time.time() if now is None else now) - last > grace_period_s
