#!/usr/bin/env bash
# Set up a fresh Debian machine with Python 3.11 for codesign, from the repository root:
#   - Fashion-MNIST from Debian's `dataset-fashion-mnist` package (where apt exists),
#   - Yosys from Debian's `yosys` package (where apt exists): synthesis of the rtl/ blocks,
#   - PyTorch 2.13.0 (on the project's machines this resolves to the CPU build on disk;
#     set TORCH_SPEC to choose another build),
#   - codesign itself, editable, with the development tools.
set -euo pipefail
cd "$(dirname "$0")"
PYTHON=${PYTHON:-python3}

if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  if [ ! -d /usr/share/datasets/fashion-mnist ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dataset-fashion-mnist
  fi
  if ! command -v yosys >/dev/null 2>&1; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq yosys
  fi
else
  echo "no apt-get: Fashion-MNIST will be downloaded on first use (or set CODESIGN_DATA_DIR)"
  echo "no apt-get: install Yosys yourself for the rtl synthesis tests (pytest -m rtl)"
fi

"$PYTHON" -m pip install --quiet --disable-pip-version-check "${TORCH_SPEC:-torch==2.13.0}"
"$PYTHON" -m pip install --quiet --disable-pip-version-check -e ".[dev]"
echo "codesign is set up: try 'python -m codesign --help'"
