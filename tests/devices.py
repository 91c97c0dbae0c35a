"""Device parameters: every device-dependent check runs on the CPU by default and again on a
CUDA GPU under `pytest -m gpu` (skipped, saying why, where there is none)."""

import pytest

DEVICES = [pytest.param("cpu", id="cpu"), pytest.param("cuda", id="cuda", marks=pytest.mark.gpu)]
CUDA_ONLY = [pytest.param("cuda", id="cuda", marks=pytest.mark.gpu)]
