"""Named training recipes: presets of `OptimConfig` fields, each with its source.

`optim: {recipe: binarynet}` in MODEL.yaml takes the recipe's fields; any field given next
to it wins (`optim: {recipe: binarynet, epochs: 300}`). The resolved config keeps every field
and the recipe's name, so a saved config rebuilds the same run. A recipe is a row of this
table, not code: `trainer.optimizers` builds whatever the fields say.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict


class Recipe(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    summary: str
    source: str
    fields: dict[str, Any]


RECIPES: dict[str, Recipe] = {
    "adam": Recipe(
        summary="one Adam rate for every parameter, cosine schedule",
        source="this project's default since its first release (docs/training-results.md)",
        fields={"optimizer": "adam", "lr_scaling": "none", "lr": 1e-2, "schedule": "cosine",
                "warmup_epochs": 0},
    ),
    "binarynet": Recipe(
        summary="BinaryNet as published: Glorot-scaled Adam, exponential decay, 500 epochs",
        source="Courbariaux, Hubara et al., NeurIPS 2016 (arXiv:1602.02830), their "
               "Train-time/cifar10.py: LR_start 1e-3, LR_fin 3e-7, W_LR_scale Glorot, H 1",
        fields={"optimizer": "adam", "lr_scaling": "glorot", "lr": 1e-3,
                "schedule": "exponential", "final_lr_ratio": 3e-4, "epochs": 500,
                "warmup_epochs": 0},
    ),
    "binarynet_cosine": Recipe(
        summary="BinaryNet's Glorot-scaled Adam with the project's cosine schedule",
        source="the scaling of BinaryNet (above); lr from the CPU check of issue 24 "
               "(docs/training-results.md)",
        fields={"optimizer": "adam", "lr_scaling": "glorot", "lr": 1e-3, "schedule": "cosine",
                "warmup_epochs": 0},
    ),
    "bop": Recipe(
        summary="Bop for the binary weights, Adam 0.01 for batch norm, x0.1 every 100 epochs",
        source="Helwegen et al., NeurIPS 2019 (arXiv:1906.02107), section 5.2 and the "
               "authors' hparams bop_sec52: tau 1e-8, gamma 1e-4, 500 epochs",
        fields={"optimizer": "bop", "bop_threshold": 1e-8, "bop_gamma": 1e-4, "lr": 1e-2,
                "schedule": "step", "step_epochs": 100, "epochs": 500, "warmup_epochs": 0},
    ),
}

RecipeName = Literal[tuple(RECIPES)]  # type: ignore[valid-type]


def with_recipe(data: Any) -> Any:
    """Raw `optim` data with its recipe's fields filled in under the fields given.

    An unknown recipe name is left for the field's own validation, which names the choices.
    """
    if not isinstance(data, dict) or not isinstance(data.get("recipe"), str):
        return data
    recipe = RECIPES.get(data["recipe"])
    return data if recipe is None else {**recipe.fields, **data}
