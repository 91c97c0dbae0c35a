"""Screenshots of optuna-dashboard on a real search, taken and checked in headless Chromium.

Serves a search's studies with `codesign dashboard` and, for each page (the design study with
the project's Pareto figure, that figure alone, the study note, the knee design point, its
training run), loads it once in headless Chromium driven through the DevTools protocol, waits
until the rendered page says what the study stores (its notes, the link between the two
studies, readable attributes, the figure), and writes a screenshot (256 colours, resized to
`--width`). A page that never shows what it should is reported and the exit status is 1.

    apt-get install -y chromium          # Debian; not needed by the tests or CI
    PYTHONPATH=. python experiments/dashboard_screenshots.py \\
        --study runs/fmnist.log --name fmnist --out docs/dashboard

`--study` names a study file, a journal (`.log`, the default storage) or SQLite (`.db`; `--db`
is the older spelling); it is copied to a temporary folder first, because `codesign
dashboard` redraws the Pareto figure into the study it serves (the original is never
written). Without `--study`, the script runs (or resumes) `search_spaces/quick.yaml` renamed
`dashboard_demo` with the budgets `min_accuracy: 0.83` and `max_area_mm2: 1.0`, a few minutes
on 2 cores, so that the dashboard has infeasible design points to show.

Chromium talks DevTools over a pipe (`--remote-debugging-pipe`: the standard library suffices,
no websocket client or browser download), with a fresh profile, no sandbox and no background
networking (without those flags it cannot start on a closed network). Waiting for text rather
than for a fixed time matters: a 1,000-trial study page takes minutes on a busy machine.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import shutil
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
from codesign.problem.space import default_storage_url

ROOT = Path(__file__).resolve().parents[1]
BUDGETS = {"min_accuracy": 0.83, "max_area_mm2": 1.0}
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--remote-debugging-pipe",
]
FIGURE_ELEMENT = "user-defined-plot:pareto-front"  # optuna-dashboard's id for the figure's div


@dataclass(frozen=True)
class Page:
    name: str  # the screenshot's file name, without .png
    path: str  # below /dashboard
    height: int  # of the viewport and the shot, CSS pixels (0: keep the page open before)
    must_show: tuple[str, ...]  # strings the rendered page's HTML must contain
    element: str | None = None  # shoot only the card holding this element id, sharper


def run_search(space_file: Path, work: Path, name: str) -> str:
    """The storage URL of a small search with budgets, run (or resumed) in `work`."""
    space = yaml.safe_load(space_file.read_text())
    url = default_storage_url(name, work)
    space.update(name=name, output_dir=str(work), storage=url, constraints=BUDGETS)
    work.mkdir(parents=True, exist_ok=True)
    path = work / "space.yaml"
    path.write_text(yaml.safe_dump(space, sort_keys=False))
    subprocess.run([sys.executable, "-m", "codesign", "search", str(path)], check=True)
    return url


def pages(url: str, name: str) -> list[Page]:
    """The pages to show: the design study and its figure, its note, the knee design point,
    the training run of that point."""
    storage = open_storage(url)
    designs, networks = load_design_study(storage, name), load_network_study(storage, name)
    knee = knee_point(pareto_front(designs), problem_of(designs, storage).goals.searched)
    run = knee.user_attrs["network_trial"]
    design_id = storage.get_study_id_from_name(designs.study_name)
    network_id = storage.get_study_id_from_name(networks.study_name)
    figure = ("feasible designs and the Pareto front", FIGURE_ELEMENT)
    return [
        Page("designs", f"studies/{design_id}", 2350,
             ("Study User Attributes", "objectives", "accuracy (maximize", *figure)),
        Page("pareto_figure", f"studies/{design_id}", 0, figure, element=FIGURE_ELEMENT),
        Page("study_note", f"studies/{design_id}/note", 600,
             ("Co-design search", f"{name}:networks")),
        Page("design_point", f"studies/{design_id}/trials?numbers={knee.number}", 800,
             (f"Trial {knee.number} (trial_id=", "network_trial", "val_accuracy")),
        Page("training_run", f"studies/{network_id}/trials?numbers={run}", 800,
             ("design points in", f'href="/dashboard/studies/{design_id}/trials?numbers=')),
    ]


def _onto_fds_3_and_4(read_end: int, write_end: int) -> None:
    """In the child: the pipe ends on fds 3 and 4, whatever numbers they had (copied out of
    the way first, so that neither overwrites the other)."""
    read_copy, write_copy = os.dup(read_end), os.dup(write_end)
    os.dup2(read_copy, 3)
    os.dup2(write_copy, 4)


class Browser:
    """Headless Chromium, one tab, spoken to in DevTools JSON over the pipe on fds 3 and 4."""

    def __init__(self, chromium_path: str, width: int, height: int) -> None:
        self._profile = tempfile.mkdtemp(prefix="chromium-profile-")
        to_browser, self._write = os.pipe()
        self._read, from_browser = os.pipe()
        # the child reads commands on fd 3 and writes replies on fd 4
        self._process = subprocess.Popen(
            [chromium_path, *CHROMIUM_FLAGS, f"--user-data-dir={self._profile}",
             f"--window-size={width},{height}", "about:blank"],
            pass_fds=(3, 4), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=lambda: _onto_fds_3_and_4(to_browser, from_browser))
        os.close(to_browser)
        os.close(from_browser)
        self._buffer, self._next_id = b"", 0
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        self._session = self.call("Target.attachToTarget", targetId=target,
                                  flatten=True)["sessionId"]
        self.resize(width, height)

    def resize(self, width: int, height: int) -> None:
        """The viewport, in CSS pixels: the dashboard lays its pages out to fill it, and
        plotly leaves a plot outside it undrawn."""
        self.call("Emulation.setDeviceMetricsOverride", session=True, width=width,
                  height=height, deviceScaleFactor=1, mobile=False)

    def call(self, method: str, session: bool = False, **params) -> dict:
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self._session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        while True:  # events arrive between replies: skip them
            while b"\0" not in self._buffer:
                chunk = os.read(self._read, 1 << 20)
                if not chunk:
                    raise RuntimeError(f"chromium closed the pipe during {method}")
                self._buffer += chunk
            raw, self._buffer = self._buffer.split(b"\0", 1)
            reply = json.loads(raw)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply["result"]

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", session=True, expression=expression,
                           returnByValue=True)
        return result["result"].get("value")

    def open(self, address: str, must_show: tuple[str, ...], timeout_s: float) -> list[str]:
        """Loads `address` (unless it is open already) and waits for every text of
        `must_show`; returns those missing."""
        if self.evaluate("location.href") != address:
            self.call("Page.navigate", session=True, url=address)
        check = f"{json.dumps(list(must_show))}.filter(t => " \
                "!document.documentElement.outerHTML.includes(t))"
        deadline = time.monotonic() + timeout_s
        time.sleep(1.0)
        while (missing := self.evaluate(check)) and time.monotonic() < deadline:
            time.sleep(2.0)
        self.settle(deadline)
        return missing or []

    def settle(self, deadline: float, quiet_s: float = 8.0) -> None:
        """Waits until the page stops changing for `quiet_s` (plotly draws each plot after
        its data arrive)."""
        size, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            now = self.evaluate("document.documentElement.outerHTML.length")
            if now != size:
                size, since = now, time.monotonic()
            elif time.monotonic() - since >= quiet_s:
                return
            time.sleep(2.0)

    def card(self, element: str) -> dict:
        """The page rectangle of the card holding the element with id `element`."""
        return self.evaluate(
            f"(() => {{ const e = document.getElementById({json.dumps(element)});"
            " const c = e.closest('.MuiCard-root') || e; const r = c.getBoundingClientRect();"
            " return {x: r.x + scrollX, y: r.y + scrollY, width: r.width,"
            " height: r.height}; })()")

    def shoot(self, clip: dict, scale: float) -> Image.Image:
        data = self.call("Page.captureScreenshot", session=True, format="png",
                         captureBeyondViewport=True, clip={**clip, "scale": scale})["data"]
        return Image.open(io.BytesIO(base64.b64decode(data)))

    def close(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=30)
        os.close(self._write)
        os.close(self._read)
        shutil.rmtree(self._profile, ignore_errors=True)


def save(image: Image.Image, path: Path, width: int) -> None:
    """Resized to `width` pixels and 256 colours: a third of the bytes, the same text."""
    if image.width > width:
        image = image.resize((width, round(image.height * width / image.width)),
                             Image.Resampling.LANCZOS)
    image.convert("RGB").quantize(256).save(path, optimize=True)


def wait_for(url: str, timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                json.load(response)
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)


STUDY_FILES = {".log": "journal:{}", ".db": "sqlite:///{}"}  # suffix: storage URL


def study_url(args: argparse.Namespace, scratch: Path) -> str:
    if args.study is None:
        return run_search(args.space, args.work, args.name)
    copy = scratch / args.study.name
    shutil.copyfile(args.study, copy)
    return STUDY_FILES[args.study.suffix].format(copy)


def take(browser: Browser, base: str, page: Page, args: argparse.Namespace) -> list[str]:
    """Shoots one page into args.out; returns what it lacks."""
    address = f"{base}/dashboard/{page.path}"
    if page.height:  # else a part of the page open before
        browser.resize(args.window, page.height)
    lacking = browser.open(address, page.must_show, args.page_timeout_s)
    print(f"{page.name}: {address} " + ("ok" if not lacking else f"lacks {lacking}"))
    if page.element:
        image = browser.shoot(browser.card(page.element), scale=2)
    else:
        image = browser.shoot({"x": 0, "y": 0, "width": args.window, "height": page.height}, 1)
    shot = args.out / f"{page.name}.png"
    save(image, shot, args.width)
    print(f"wrote {shot} ({shot.stat().st_size / 1e3:.0f} kB)")
    return [f"{page.name}: {text!r}" for text in lacking]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", "--db", type=Path, help="a study file: a journal (.log) or "
                        "SQLite (.db); copied, never written")
    parser.add_argument("--name", default="dashboard_demo", help="the search's name")
    parser.add_argument("--space", type=Path, default=ROOT / "search_spaces" / "quick.yaml")
    parser.add_argument("--work", type=Path, default=Path("runs/dashboard_demo"))
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "dashboard")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--window", type=int, default=1400, help="browser width, CSS pixels")
    parser.add_argument("--width", type=int, default=1100, help="screenshot width, pixels")
    parser.add_argument("--page-timeout-s", type=float, default=600.0)
    args = parser.parse_args()
    if args.study is not None and not args.study.is_file():
        parser.error(f"--study {args.study}: no such file")  # one line, exit status 2
    if args.study is not None and args.study.suffix not in STUDY_FILES:
        parser.error(f"--study {args.study}: neither a journal (.log) nor SQLite (.db) file")

    with tempfile.TemporaryDirectory(prefix="dashboard-shots-") as scratch:
        url = study_url(args, Path(scratch))
        base = f"http://127.0.0.1:{args.port}"
        server = subprocess.Popen([sys.executable, "-m", "codesign", "dashboard",
                                   "--storage", url, "--port", str(args.port)])
        missing: list[str] = []
        try:
            wait_for(f"{base}/api/meta")
            args.out.mkdir(parents=True, exist_ok=True)
            browser = Browser(args.chromium, args.window, 1000)
            try:
                for page in pages(url, args.name):
                    missing += take(browser, base, page, args)
            finally:
                browser.close()
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # busy sending a page: it ends only when killed
                server.kill()
                server.wait()
    for line in missing:
        print(f"missing {line}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
