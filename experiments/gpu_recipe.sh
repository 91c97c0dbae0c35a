#!/usr/bin/env bash
# The CIFAR-10 recipe check of issue 24 on one GPU, in one device call of at most 10 minutes:
# BinaryNet's VGG with the recipe of examples/cifar10_vgg_recipe.yaml, trained three times at
# once (they share the GPU): conventional, SC-adapted Sobol (N = 16) and SC-adapted ideal SNG
# (its recipe's train_lengths), then the SC networks' batch norms re-estimated at N = 16.
# Results (small JSON and a log) go to $OUT; checkpoints stay on the machine.
#
# Before this call, on the same warm machine (docs/reproduction.md, section 4):
#   here:    bash ../shared/gpu/prepare.sh
#   call 1:  carry .gpu/whl .gpu/env.sh .gpu/unpack.sh .gpu/d1   . .gpu/env.sh && . .gpu/unpack.sh d1
#   call 2:  carry .gpu/d2                                     . .gpu/unpack.sh d2
#   call 3:  carry .gpu/d3                                     bash experiments/gpu_recipe.sh
#
# EPOCHS (default 75: three trainings sharing an H200 at ~2 s per epoch each alone fit in
# ~8 minutes) and NAMES (default "conventional sobol ideal") override; e.g. the preset's full
# run alone, one call: EPOCHS=250 NAMES=conventional bash experiments/gpu_recipe.sh
# (PRESET, DEVICE=cpu and CODESIGN_DATA_DIR let a tiny config check the script on a CPU.)
set -uo pipefail
OUT=${OUT:-runs/gpu_recipe}
EPOCHS=${EPOCHS:-75}
NAMES=${NAMES:-conventional sobol ideal}
PRESET=${PRESET:-examples/cifar10_vgg_recipe.yaml}
DEVICE=${DEVICE:-cuda}                     # of the batch-norm re-estimation
DATA=${CODESIGN_DATA_DIR:-/tmp/data}       # where .gpu/unpack.sh puts CIFAR-10
# the wall-clock guard of each training: its JSON comes back even if the GPU is slower
MAX_TIME_S=${MAX_TIME_S:-480}
mkdir -p "$OUT"
exec > >(tee "$OUT/log.txt") 2>&1

if [ -d .gpu/whl ] && [ ! -d /tmp/site/pydantic ]; then
    python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
        --target /tmp/site .gpu/whl/*.whl
fi
data=$DATA/cifar-10-batches-bin
for part in .gpu/d1 .gpu/d2 .gpu/d3; do
    [ -d "$part" ] || continue
    mkdir -p "$data"; cp "$part"/*.txt "$data"/ 2>/dev/null
    for f in "$part"/*.xz; do
        [ -s "$data/$(basename "$f" .xz)" ] || xz -dc "$f" > "$data/$(basename "$f" .xz)"
    done
done
for f in data_batch_1 data_batch_2 data_batch_3 data_batch_4 data_batch_5 test_batch; do
    [ -s "$data/$f.bin" ] || { echo "missing $data/$f.bin: unpack .gpu/d1..d3 first"; exit 2; }
done
export PYTHONPATH=/tmp/site:$PWD CODESIGN_DATA_DIR=$DATA PYTHONUNBUFFERED=1
nvidia-smi -L || true
python3 -c "import torch; print('torch', torch.__version__, torch.cuda.is_available())"

declare -A SETTINGS=(
    [conventional]="--set input.mode=fixed_point"
    [sobol]="--set input.mode=sc --set input.sng.kind=sobol"
    [ideal]="--set input.mode=sc --set input.sng.kind=ideal"
)
pids=()
for name in $NAMES; do
    # shellcheck disable=SC2086  # SETTINGS holds several words
    python3 -m codesign train "$PRESET" ${SETTINGS[$name]} --epochs "$EPOCHS" \
        --set optim.max_time_s="$MAX_TIME_S" --set name="$name" \
        --output-dir runs/gpu_recipe_checkpoints --json "$OUT/$name-seed0.json" \
        --no-progress > "/tmp/train-$name.log" 2>&1 &
    pids+=($!)
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
for name in $NAMES; do echo "== $name"; tail -n 12 "/tmp/train-$name.log"; done

sc=()
for name in sobol ideal; do [ -s "$OUT/$name-seed0.json" ] && sc+=("$name"); done
if [ ${#sc[@]} -gt 0 ]; then
    python3 experiments/bn_recalibration.py "$OUT" --name "${sc[@]}" --lengths 16 \
        --device "$DEVICE" || status=1
fi
python3 - "$OUT" <<'PY'
import json, sys
from pathlib import Path
for path in sorted(Path(sys.argv[1]).glob("*-seed0.json")):
    run = json.loads(path.read_text())
    per_epoch = run["train_time_s"] / max(1, run["epochs_run"])
    accuracy = {n: round(100 * a, 2) for n, a in run["test_accuracy"].items()}
    print(f"{path.stem}: test {accuracy} %, {run['epochs_run']} epochs, "
          f"{run['train_time_s']:.0f} s ({per_epoch:.2f} s/epoch), {run['device']}")
PY
exit $status
