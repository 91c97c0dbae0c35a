"""What a process and its children listen on: `ss -ltnp` read for a process tree (tests of
issue 21: nothing listens beyond loopback unless asked)."""

from __future__ import annotations

import ipaddress
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Listener:
    address: str  # as ss prints it: 127.0.0.1, 0.0.0.0, *, [::1], 192.0.2.2
    port: int
    command: str
    pid: int

    @property
    def loopback(self) -> bool:
        host = self.address.strip("[]").split("%")[0]
        if host in ("*", ""):
            return False
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False


def ss_available() -> bool:
    return shutil.which("ss") is not None


def _parent(pid: int) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def process_tree(root: int) -> set[int]:
    """`root` and every process descended from it, now."""
    parents = {int(p): _parent(int(p)) for p in os.listdir("/proc") if p.isdigit()}
    tree, grew = {root}, True
    while grew:
        before = len(tree)
        tree |= {pid for pid, parent in parents.items() if parent in tree}
        grew = len(tree) > before
    return tree


def tcp_listeners(root: int) -> list[Listener]:
    """Every listening TCP socket of `root`'s process tree (needs `ss` and, for other users'
    processes, root)."""
    tree = process_tree(root)
    output = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=True).stdout
    found = []
    for line in output.splitlines():
        fields = line.split()
        if len(fields) < 4:
            continue
        address, _, port = fields[3].rpartition(":")
        for command, pid in re.findall(r'\("([^"]*)",pid=(\d+)', line):
            if int(pid) in tree:
                found.append(Listener(address, int(port), command, int(pid)))
    return found
