"""Keep third-party chatter (Lightning's tips and device banners) off the user's terminal."""

from __future__ import annotations

import logging
import warnings


def quiet_libraries() -> None:
    for name in ("pytorch_lightning", "lightning_fabric", "lightning", "torch.distributed"):
        logging.getLogger(name).setLevel(logging.ERROR)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", message=r".*Heartbeat of storage is supposed.*")
    warnings.filterwarnings("ignore", module=r"pytorch_lightning\..*")
    warnings.filterwarnings("ignore", module=r"lightning_fabric\..*")
    warnings.filterwarnings("ignore", message=r".*LeafSpec.*")
