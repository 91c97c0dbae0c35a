"""This code against another revision, run alternately on a kept main job's networks: the
loop `testing_revisions.py` and `recording_revisions.py` share.

Each run is a process of its own with one revision's codesign (a git worktree for the
other), so that neither revision's imports or caches help the other; runs alternate so that
machine drift cancels.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks._timing import spread
from benchmarks.review_commands import checkout

ROOT = Path(__file__).resolve().parent.parent


def run_script(script: str, code: Path, *args: str) -> dict:
    """`script` (Python source printing one JSON line last) run with the codesign of
    `code`."""
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=code,
                          env={**os.environ, "PYTHONPATH": str(code)},
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def alternate(script: str, folder: Path, name: str, against: str, networks: Sequence[int],
              rounds: int, compared: Sequence[str], agreement: str, speedup: str) -> None:
    """For each network, `script` (args: the kept main job's folder, its study name, the
    network's trial number; it prints `seconds` and what `compared` names) with this code
    and with revision `against`'s, alternately, `rounds` times. It stops where the two
    disagree on `compared`, and prints each round's seconds and, per network, their spread
    and `speedup`: the seconds of `against` over this code's."""
    with checkout(against) as other:
        for network in networks:
            seconds: dict[str, list[float]] = {"this": [], against: []}
            for round_ in range(rounds):
                runs = {label: run_script(script, code, str(folder), name, str(network))
                        for label, code in (("this", ROOT), (against, other))}
                if any(runs["this"][key] != runs[against][key] for key in compared):
                    raise SystemExit(f"network {network}: the revisions differ ({agreement} "
                                     "expected)")
                for label, run in runs.items():
                    seconds[label].append(run["seconds"])
                print(f"network {network}, round {round_ + 1}: this "
                      f"{seconds['this'][-1]:.2f} s, {against} {seconds[against][-1]:.2f} s; "
                      f"{agreement}", flush=True)
            ratios = [old / new for old, new in zip(seconds[against], seconds["this"],
                                                     strict=True)]
            print(f"network {network}: this {spread(seconds['this'], 2)} s, {against} "
                  f"{spread(seconds[against], 2)} s; {speedup} {spread(ratios)}", flush=True)


def alternate_from_command_line(doc: str, script: str, networks: Sequence[int],
                                compared: Sequence[str], agreement: str, speedup: str) -> None:
    """`alternate` with the options both scripts take (`--folder`, `--name`, `--against`,
    `--network`, defaulting to `networks`, and `--rounds`)."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--folder", type=Path, required=True)
    parser.add_argument("--name", default="fmnist")
    parser.add_argument("--against", required=True, help="the revision to compare with")
    parser.add_argument("--network", type=int, nargs="+", default=list(networks),
                        help="network trial numbers (trained ones)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    alternate(script, args.folder.resolve(), args.name, args.against, args.network,
              args.rounds, compared, agreement, speedup)
