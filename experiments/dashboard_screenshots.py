"""Screenshots of optuna-dashboard on a real search, taken and checked in headless Chromium.

Runs (or resumes) a small search with budgets, so that the dashboard has infeasible design
points to show, serves it with `codesign dashboard`, then for each page: loads it in headless
Chromium, checks that the rendered page says what the study stores (its notes, its link
between the two studies, readable attributes), and writes a screenshot.

    apt-get install -y chromium          # Debian; not needed by the tests or CI
    PYTHONPATH=. python experiments/dashboard_screenshots.py --out docs/dashboard

The search is `search_spaces/quick.yaml` renamed `dashboard_demo`, with the budgets
`min_accuracy: 0.83` and `max_area_mm2: 1.0` (a few minutes on 2 cores; a second run
resumes the finished study and only takes the screenshots). Chromium runs with a fresh
profile, no sandbox, and no background networking (without those flags it cannot connect on
a closed network). Exit status 1 if a page lacks what it should show.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import yaml
from PIL import Image

from codesign.engine.pareto import knee_point, pareto_front
from codesign.engine.storage import open_storage
from codesign.engine.study import load_design_study, load_network_study, problem_of

ROOT = Path(__file__).resolve().parents[1]
BUDGETS = {"min_accuracy": 0.83, "max_area_mm2": 1.0}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--virtual-time-budget=20000",
]


@dataclass(frozen=True)
class Page:
    name: str  # the screenshot's file name, without .png
    path: str  # below /dashboard
    height: int
    must_show: tuple[str, ...]  # strings the rendered page must contain


def run_search(space_file: Path, work: Path, name: str) -> Path:
    space = yaml.safe_load(space_file.read_text())
    space.update(name=name, output_dir=str(work), storage=f"sqlite:///{work / name}.db",
                 constraints=BUDGETS)
    work.mkdir(parents=True, exist_ok=True)
    path = work / "space.yaml"
    path.write_text(yaml.safe_dump(space, sort_keys=False))
    subprocess.run([sys.executable, "-m", "codesign", "search", str(path)], check=True)
    return path


def pages(url: str, name: str) -> list[Page]:
    """The pages to show: the design study, its note, the knee design point, its training."""
    storage = open_storage(url)
    designs, networks = load_design_study(storage, name), load_network_study(storage, name)
    knee = knee_point(pareto_front(designs), problem_of(designs, storage).goals.searched)
    run = knee.user_attrs["network_trial"]
    design_id = storage.get_study_id_from_name(designs.study_name)
    network_id = storage.get_study_id_from_name(networks.study_name)
    return [
        Page("designs", f"studies/{design_id}", 2500,
             ("Study User Attributes", "objectives", "accuracy (maximize")),
        Page("study_note", f"studies/{design_id}/note", 900,
             ("Co-design search", f"{name}:networks")),
        Page("design_point", f"studies/{design_id}/trials?numbers={knee.number}", 1100,
             ("network_trial", "val_accuracy", "validation accuracy (fraction)")),
        Page("training_run", f"studies/{network_id}/trials?numbers={run}", 1100,
             ("design points in", f'href="/dashboard/studies/{design_id}/trials?numbers=')),
    ]


def chromium(chromium_path: str, url: str, *args: str) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium_path, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                               *args, url], capture_output=True, text=True, timeout=180)


def wait_for(url: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                json.load(response)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", type=Path, default=ROOT / "search_spaces" / "quick.yaml")
    parser.add_argument("--name", default="dashboard_demo")
    parser.add_argument("--work", type=Path, default=Path("runs/dashboard_demo"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboard")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--width", type=int, default=1280)
    args = parser.parse_args()

    run_search(args.space, args.work, args.name)
    url = f"sqlite:///{args.work / args.name}.db"
    base = f"http://127.0.0.1:{args.port}"
    server = subprocess.Popen([sys.executable, "-m", "codesign", "dashboard", "--storage", url,
                               "--port", str(args.port)])
    missing = []
    try:
        wait_for(f"{base}/api/meta")
        args.out.mkdir(parents=True, exist_ok=True)
        for page in pages(url, args.name):
            address = f"{base}/dashboard/{page.path}"
            dom = chromium(args.chromium, address, "--dump-dom").stdout
            lacking = [text for text in page.must_show if text not in dom]
            missing += [f"{page.name}: {text!r}" for text in lacking]
            print(f"{page.name}: {address} " + ("ok" if not lacking else f"lacks {lacking}"))
            shot = args.out / f"{page.name}.png"
            chromium(args.chromium, address, f"--window-size={args.width},{page.height}",
                     f"--screenshot={shot}")
            with Image.open(shot) as image:  # 256 colours: a third of the bytes, same text
                image.convert("RGB").quantize(256).save(shot, optimize=True)
            print(f"wrote {shot}")
    finally:
        server.terminate()
        server.wait(timeout=30)
    for line in missing:
        print(f"missing {line}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
