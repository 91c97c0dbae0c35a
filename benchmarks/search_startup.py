"""How long a new search takes to start its first network, this code against another
revision, run alternately.

Before its first training a search checks its space (the preflight costs its extreme
networks), counts its design points and costs every one of them for the hypervolume's
scales. On the main job's space (5.2 million design points) that is most of two minutes
in the revisions before the costing by column.

    python benchmarks/search_startup.py --against REV [--space search_spaces/fmnist.yaml]
        [--rounds 1]

Each round launches `python -m codesign search` on a copy of the space (its own output
folder and storage) for each revision in turn, waits until its first network trial has
started (read from the storage), and stops it with Ctrl-C. Prints the seconds from launch
to that start, each round, and their ratio.
"""

from __future__ import annotations

import argparse
import datetime
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from benchmarks._timing import spread  # noqa: E402
from benchmarks.review_commands import checkout  # noqa: E402


def _first_network_started(database: Path, networks_study: str) -> str | None:
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
            return connection.execute(
                "SELECT min(datetime_start) FROM trials JOIN studies USING (study_id) "
                "WHERE study_name = ? AND state != 'WAITING'", (networks_study,)).fetchone()[0]
    except sqlite3.Error:  # not created yet, or being created
        return None


def seconds_to_first_network(code: Path, space: Path, folder: Path) -> float:
    """Launch the search of `space` with the codesign of `code`; seconds to its first start."""
    document = yaml.safe_load(space.read_text())
    document.update(name="startup", output_dir=str(folder), storage=f"sqlite:///{folder}/s.db")
    copy = folder / "space.yaml"
    folder.mkdir(parents=True)
    copy.write_text(yaml.safe_dump(document))
    launched = datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    process = subprocess.Popen(
        [sys.executable, "-m", "codesign", "search", str(copy), "--no-progress"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=code,
        env={**os.environ, "PYTHONPATH": str(code)})
    try:
        while (started := _first_network_started(folder / "s.db", "startup:networks")) is None:
            if process.poll() is not None:
                raise RuntimeError(f"the search of {code} ended before its first network")
            time.sleep(0.5)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=300)
    # Optuna stores naive UTC times
    return (datetime.datetime.fromisoformat(started) - launched).total_seconds()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", required=True, help="the revision to compare with")
    parser.add_argument("--space", type=Path, default=ROOT / "search_spaces" / "fmnist.yaml")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    seconds: dict[str, list[float]] = {"this": [], args.against: []}
    with checkout(args.against) as other, tempfile.TemporaryDirectory() as temporary:
        for round_ in range(args.rounds):
            for name, code in (("this", ROOT), (args.against, other)):
                folder = Path(temporary) / f"{name.replace('/', '_')}-{round_}"
                seconds[name].append(seconds_to_first_network(code, args.space.resolve(),
                                                              folder))
                print(f"round {round_ + 1}: {name}: {seconds[name][-1]:.1f} s to the first "
                      "network", flush=True)
    ratios = [old / new for old, new in zip(seconds[args.against], seconds["this"],
                                             strict=True)]
    print(f"{args.space.name}: this {spread(seconds['this'], 1)} s, {args.against} "
          f"{spread(seconds[args.against], 1)} s; speedup {spread(ratios)}")


if __name__ == "__main__":
    main()
