"""The peers' own Python environment: hwcomponents with its NeuroSim and CACTI plug-ins.

hwcomponents needs Python >= 3.12, the project runs on 3.11, so the peers live in a virtual
environment of their own (never a project dependency), by default ~/.cache/codesign/peers
(`CODESIGN_PEERS_DIR`), made from the first Python >= 3.12 found (`CODESIGN_PEERS_PYTHON`,
else pyenv's or PATH's python3.12 / python3.13). The wheels ship NeuroSim's and CACTI's C++
sources with binaries built on a newer C library; where a binary does not start here it is
rebuilt from those sources (g++ and make), in place inside the environment. The project's
side talks to the plug-ins only through `peer_probe.py`, JSON in and out.
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PINS = ("hwcomponents==1.0.114", "hwcomponents-neurosim==1.0.43", "hwcomponents-cacti==1.0.40")
PROBE = Path(__file__).resolve().parent / "peer_probe.py"
LOADER_ERRORS = ("version `GLIBC", "error while loading shared libraries")


class PeerUnavailable(RuntimeError):
    """A peer that cannot be installed or run here; its message is one line."""


def peers_dir() -> Path:
    return Path(os.environ.get("CODESIGN_PEERS_DIR", "~/.cache/codesign/peers")).expanduser()


def base_python() -> str:
    """A Python >= 3.12 to make the environment from."""
    named = os.environ.get("CODESIGN_PEERS_PYTHON")
    candidates = [named] if named else [
        *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.1[2-9]*/bin/python"))),
        *(shutil.which(name) for name in ("python3.12", "python3.13", "python3.14"))]
    for candidate in filter(None, candidates):
        try:
            check = subprocess.run([candidate, "-c", "import sys; print(sys.version_info >= "
                                    "(3, 12))"], capture_output=True, text=True)
        except OSError:
            continue
        if check.stdout.strip() == "True":
            return candidate
    raise PeerUnavailable("no Python >= 3.12 found (set CODESIGN_PEERS_PYTHON)")


def _run(command: list[str], what: str, cwd: Path | None = None) -> str:
    done = subprocess.run(command, capture_output=True, text=True, cwd=cwd)
    if done.returncode != 0:
        last = (done.stderr.strip() or done.stdout.strip() or "no output").splitlines()[-1]
        raise PeerUnavailable(f"{what} failed: {last[:200]}")
    return done.stdout


def environment_python(log=print) -> Path:
    """The environment's interpreter, creating the environment and installing the pins first
    where they are missing, and the plug-ins' binaries rebuilt where they do not start."""
    root = peers_dir()
    python = root / "venv" / "bin" / "python"
    wanted = [pin.split("==")[0] for pin in PINS]
    if not python.exists():
        base = base_python()
        log(f"peers: new venv {root / 'venv'} ({base})")
        _run([base, "-m", "venv", str(root / "venv")], "creating the peers' venv")
    have = _run([str(python), "-m", "pip", "list", "--format=json"], "pip list")
    installed = {item["name"].lower().replace("_", "-"): item["version"]
                 for item in json.loads(have)}
    if any(installed.get(name) != pin.split("==")[1] for name, pin in zip(wanted, PINS,
                                                                          strict=True)):
        log("peers: installing hwcomponents, hwcomponents-neurosim, hwcomponents-cacti (pinned)")
        _run([str(python), "-m", "pip", "install", "-q", *PINS], "pip install of the peers")
    for package, binary, rebuild in (("hwcomponents_neurosim", "NeuroSim/main", _neurosim),
                                     ("hwcomponents_cacti", "cacti/cacti", _cacti)):
        name = binary.split("/")[0]
        home = Path(_run([str(python), "-c", "import importlib.util as u; print(u.find_spec("
                          f"'{package}').submodule_search_locations[0])"], package).strip())
        if not _starts(home / binary):
            log(f"peers: rebuilding {name} from the sources in its wheel")
            rebuild(home, root / "build")
            if not _starts(home / binary):
                raise PeerUnavailable(f"the rebuilt {name} does not start")
    return python


def _starts(binary: Path) -> bool:
    """Whether a binary loads (its own usage message or error is fine; the loader's is not)."""
    if not binary.exists():
        return False
    with tempfile.TemporaryDirectory() as empty:
        try:
            done = subprocess.run([str(binary)], capture_output=True, text=True, cwd=empty,
                                  timeout=60, stdin=subprocess.DEVNULL)
        except (OSError, subprocess.TimeoutExpired):
            return False
    return not any(error in done.stderr for error in LOADER_ERRORS)


def _need_compiler() -> None:
    if not (shutil.which("g++") and shutil.which("make")):
        raise PeerUnavailable("g++ and make are needed to rebuild the plug-in's binary")


def _neurosim(home: Path, build: Path) -> None:
    """NeuroSim V1.3 with the plug-in's drop-in files (its own makefile)."""
    _need_compiler()
    work = build / "neurosim"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(home / "DNN_NeuroSim_V1.3" / "Inference_pytorch" / "NeuroSIM", work)
    for source in (home / "drop_in").iterdir():
        shutil.copy(source, work / source.name)
    _run(["make", f"-j{os.cpu_count() or 1}"], "building NeuroSim", cwd=work)
    shutil.copy(work / "main", home / "NeuroSim" / "main")


def _cacti(home: Path, build: Path) -> None:
    """CACTI as shipped in the plug-in (its own makefile, optimised target)."""
    _need_compiler()
    work = build / "cacti"
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(home / "cacti", work, ignore=shutil.ignore_patterns("obj_*", "cacti"))
    _run(["make", "opt"], "building CACTI", cwd=work)
    shutil.copy(work / "cacti", home / "cacti" / "cacti")


def probe(python: Path, queries: list[dict]) -> list[dict]:
    """Price `queries` with the plug-ins (see peer_probe.py) in the peers' environment."""
    done = subprocess.run([str(python), str(PROBE)], input=json.dumps(queries),
                          capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        last = (done.stderr.strip() or "no output").splitlines()[-1]
        raise PeerUnavailable(f"the peers' probe failed: {last[:200]}")
    return json.loads(done.stdout)


if __name__ == "__main__":  # set the environment up alone: python experiments/peer_env.py
    try:
        print(environment_python())
    except PeerUnavailable as exc:
        print(f"peers: not available ({exc})")
        sys.exit(1)
