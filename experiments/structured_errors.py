"""Accuracy under clustered weight errors against independent ones at equal mean rates, and the
spread between chips (issue 19): the Fashion-MNIST MLP under structured error maps.

A sense amplifier's offset is fixed per chip and serves every row of its array column; a
`1t1mtj` bit is also compared with a reference shared by its row. The trainer's structured
maps (`trainer/error_structure.py`) keep these parts of the read noise shared; each weight
still reads wrong with the requested rate. The share of each cause is taken from the hardware
model's preset (`hwmodel/presets/stt_mram_28nm.yaml`, `device_errors`): for each cell and each
rate, the read voltage at which the cell's decision error equals the rate, and at it the
variances of docs/hwmodel.md section 12 (two states averaged): the amplifier offset
sigma_sa^2 (column), the reference's sigma_r^2 (I_P^2 + I_AP^2) / 4 (`1t1mtj`, per row), the
cell's own sigma_r^2 (I_P^2 + I_AP^2) / 2 (`1t1mtj`) or sigma_r^2 (I_P^2 + I_AP^2) (`2t2mtj`).
Arrays of 256 x 256, the hardware model's default.

For each seed this trains the SC-adapted MLP 784-1024-1024-10 (ideal SNG, first-layer merge,
N = 16, 10 epochs; as ber_tolerance.py) and tests its kept checkpoint under `--maps` seeded
maps per (case, rate), every case on one draw of the test set's stochastic streams (the clean
accuracy of that draw equals the training's test accuracy; checked). Cases: `iid` (independent
flips), `2t2mtj` (column offsets), `1t1mtj` (column offsets and row references) and
`1t1mtj_reference` (row references alone). One JSON per seed under --out, with the checkpoint;
a case already in it is skipped, so the script resumes and can add cases. On a machine others
load, one OpenMP thread ran the training ten times faster than two (docs/reproduction.md, 6).

    OMP_NUM_THREADS=1 nice python experiments/structured_errors.py --seeds 0 1 2
    python experiments/plot_structured_errors.py runs/experiments/structured \
        docs/structured_errors.png
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from accuracy_vs_n import base_config
from ber_tolerance import DEPLOYED_N, NETWORKS
from scipy.optimize import brentq

from codesign.engine.quiet import quiet_libraries
from hwmodel import load_technology
from hwmodel.components.mram_cell import MramCell, read_currents_ua
from trainer.bit_errors import ErrorSweepAccumulator, weights_read_with
from trainer.config import SharedCause
from trainer.error_structure import INDEPENDENT, ErrorStructure
from trainer.fit import datamodule_for, fit
from trainer.inference import encoded_input, scores_of_encoded
from trainer.module import SCBNNModule

BERS = [1e-4, 3e-4, 1e-3, 3e-3, 1e-2]
ARRAY_ROWS = ARRAY_COLS = 256  # the hardware model's default array
CASES = {  # name -> (cell, the causes kept shared); None: independent flips
    "iid": None,
    "2t2mtj": ("2t2mtj", (SharedCause.COLUMN,)),
    "1t1mtj": ("1t1mtj", (SharedCause.COLUMN, SharedCause.REFERENCE)),
    "1t1mtj_reference": ("1t1mtj", (SharedCause.REFERENCE,)),
}


def read_voltage_for(cell: str, spec, ber: float) -> float:
    """The read voltage (mV, below the TMR roll-off) at which the cell decides wrong at `ber`."""
    kind = MramCell.get(cell)
    return float(brentq(lambda v: np.log(kind.decision_error_rate(spec, v)) - np.log(ber),
                        5.0, 290.0))


def noise_shares(cell: str, spec, read_voltage_mv: float) -> dict[SharedCause, float]:
    """Shares of the read-noise variance (docs/hwmodel.md section 12, states averaged) of the
    amplifier offset (a column's) and of the reference (a row's, 1t1mtj)."""
    parallel, antiparallel = read_currents_ua(spec, read_voltage_mv)
    spread = spec.resistance_sigma**2 * (parallel**2 + antiparallel**2)
    own, reference = (spread / 2, spread / 4) if cell == "1t1mtj" else (spread, 0.0)
    offset = spec.sense_offset_ua**2
    total = own + reference + offset
    return {SharedCause.COLUMN: float(offset / total),
            SharedCause.REFERENCE: float(reference / total)}


def case_structures(case: str, spec) -> list[tuple[ErrorStructure, float | None]]:
    """(structure, read voltage) per rate of BERS."""
    if CASES[case] is None:
        return [(INDEPENDENT, None)] * len(BERS)
    cell, causes = CASES[case]
    out = []
    for ber in BERS:
        voltage = read_voltage_for(cell, spec, ber)
        shares = noise_shares(cell, spec, voltage)
        out.append((ErrorStructure({c: shares[c] for c in causes}, ARRAY_ROWS, ARRAY_COLS),
                    voltage))
    return out


def encoded_test_set(module: SCBNNModule, config) -> list[tuple]:
    """(encoded input, labels, clean scores) per test batch, drawn as the test loop draws
    them (the run's seed, the same batches)."""
    data = datamodule_for(config)
    data.setup("test")
    generator = torch.Generator().manual_seed(config.seed)
    batches = []
    with torch.no_grad():
        for pixels, labels in data.test_dataloader():
            encoded = encoded_input(module.deploy_encoding, pixels, module.eval_lengths,
                                    generator)
            clean = scores_of_encoded(module.network, module.deploy_encoding, encoded,
                                      module.eval_lengths)
            batches.append((encoded, labels, clean))
    return batches


def sweep_case(module, batches, structures, maps: int, seed: int) -> dict:
    """Correct decisions (rates, maps) of every rate's maps, on the cached draw."""
    def under(error_map, encoded):
        with weights_read_with(module.network, error_map):
            return scores_of_encoded(module.network, module.deploy_encoding, encoded,
                                     module.eval_lengths)

    correct, flipped = [], []
    for ber, (structure, _) in zip(BERS, structures, strict=True):
        sweep = ErrorSweepAccumulator(module.network, [ber], module.eval_lengths, maps, seed,
                                      structure)
        with torch.no_grad():
            for encoded, labels, clean in batches:
                sweep.add(lambda error_map, _, encoded=encoded: under(error_map, encoded),
                          clean, labels)
        result = sweep.result()
        correct.append(result.correct[0, :, -1].astype(int).tolist())
        flipped.append(result.flipped[0].astype(int).tolist())
    return {"correct": correct, "flipped": flipped,
            "structure": [s.to_json() for s, _ in structures],
            "read_voltage_mv": [v for _, v in structures]}


def trained(args, seed: int, path: Path):
    """The seed's kept checkpoint (trained now unless the JSON names one) and its record."""
    record = json.loads(path.read_text()) if path.exists() else {}
    config = base_config(args, "sc_adapted", seed, NETWORKS["sc_adapted"])
    if record.get("checkpoint") and Path(record["checkpoint"]).exists():
        return SCBNNModule.from_checkpoint(record["checkpoint"]).eval(), config, record
    result = fit(config)
    record = {"config": config.model_dump(mode="json"), "checkpoint": str(
        result.checkpoint_path), "test_accuracy": result.test_accuracy[DEPLOYED_N],
        "train_time_s": result.train_time_s, "epochs_run": result.epochs_run, "cases": {}}
    path.write_text(json.dumps(record, indent=2))
    return result.module.eval(), config, record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--maps", type=int, default=20, help="error maps per (case, rate)")
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), default=list(CASES))
    parser.add_argument("--subset", type=float, default=1.0, help="class-balanced fraction")
    parser.add_argument("--out", type=Path, default=Path("runs/experiments/structured"))
    args = parser.parse_args()
    args.dataset, args.accelerator = "fashion_mnist", "cpu"
    args.precision, args.max_time_s = "32-true", None  # what base_config reads
    quiet_libraries()
    args.out.mkdir(parents=True, exist_ok=True)
    spec = load_technology("stt_mram_28nm").device_errors
    for seed in args.seeds:
        path = args.out / f"sc_adapted-seed{seed}.json"
        module, config, record = trained(args, seed, path)
        todo = [case for case in args.cases if case not in record["cases"]]
        if not todo:
            continue
        batches = encoded_test_set(module, config)
        total = sum(len(labels) for _, labels, _ in batches)
        clean = sum(int((s[-1].argmax(-1) == y).sum()) for _, y, s in batches)
        if clean != round(record["test_accuracy"] * total):  # the test loop's is float32
            raise SystemExit(f"{path}: the cached draw gets {clean} right, the test loop "
                             f"{record['test_accuracy'] * total:.1f}")
        for case in todo:
            started = time.perf_counter()
            record["cases"][case] = {**sweep_case(module, batches, case_structures(case, spec),
                                                  args.maps, seed),
                                     "bers": BERS, "maps": args.maps, "total": total,
                                     "sweep_time_s": time.perf_counter() - started}
            path.write_text(json.dumps(record, indent=2))
            print(f"seed {seed} {case}: {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
