#!/usr/bin/env bash
# GPU checks in one go, for a machine with a CUDA GPU, within about 9 minutes:
#   1. the `gpu`-marked tests (bf16 training, compile, FSDP on one GPU, memory plan vs peak)
#   2. the 1.1B Llama benchmark at 2048 tokens: workbench vs HF Trainer + peft, eager, then compiled
#      (tokens/s, MFU, ratio; goals: eager MFU >= 55 %, compiled >= 60 %)
#   3. time-series pretraining on the GPU (maintenance pretrain_base, supply pretrained_base, forced
#      retraining, cold cache): seconds, windows/s, peak memory -> pretrain.json
#   4. the use-case notebooks in smoke mode (nbval-lax, WORKBENCH_SMOKE=1), then one notebook at full
#      size (WORKBENCH_SMOKE=0, the quickstart) if the budget still allows
#   5. optional: compiled benchmark at batch 16 (workbench side only) with what is left
# Each step has its own time limit, a failing step does not stop the next, and steps 4-5 are
# skipped when the budget (GPU_CHECKS_BUDGET_S, default 540 s) would be exceeded. Logs go to
# OUT_DIR (default gpu-results/); each benchmark log ends with its JSON line; timings.txt has one
# line per step (name, exit code, seconds).
#
#   bash benchmarks/gpu_checks.sh [OUT_DIR]          # python: $PYTHON, else python3
#
# It runs from the source tree (the package via PYTHONPATH), so a GPU image that has torch,
# transformers, peft and lightning needs no install of the workbench itself.
set -uo pipefail
cd "$(dirname "$0")/.."
OUT_DIR=${1:-gpu-results}
mkdir -p "$OUT_DIR"
PY=${PYTHON:-python3}
export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 HF_HUB_DISABLE_TELEMETRY=1
# Only the package goes on the path, not the repository root: the root's datasets/ folder would
# shadow Hugging Face's `datasets` where that is not installed (seen on a GPU image).
SRC=$(mktemp -d)
ln -s "$PWD/workbench" "$SRC/workbench"
export WORKBENCH_HOME=${WORKBENCH_HOME:-$(mktemp -d)} PYTHONPATH=$SRC${PYTHONPATH:+:$PYTHONPATH}
BUDGET=${GPU_CHECKS_BUDGET_S:-540}
: > "$OUT_DIR/timings.txt"

# step NAME LIMIT_S COMMAND...: run with a time limit, log to OUT_DIR/NAME.log, record rc and seconds.
step() {
  local name=$1 limit=$2; shift 2
  local left=$((BUDGET - SECONDS))
  if (( left < 20 )); then
    echo "== skipped $name ($left s of the budget left)" | tee -a "$OUT_DIR/timings.txt"
    return
  fi
  (( limit > left )) && limit=$left
  echo "== $name (limit $limit s)"
  local t0=$SECONDS
  timeout "$limit" "$@" 2>&1 | tee "$OUT_DIR/$name.log"
  local rc=${PIPESTATUS[0]}
  echo "$name rc=$rc seconds=$((SECONDS - t0))" | tee -a "$OUT_DIR/timings.txt"
}

{
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv
  $PY -c "import torch, transformers, peft, lightning; print('torch', torch.__version__, 'cuda', torch.version.cuda,
'| transformers', transformers.__version__, '| peft', peft.__version__, '| lightning', lightning.__version__)"
} 2>&1 | tee "$OUT_DIR/gpu.txt"

step tests 120 $PY -m pytest -m "not slow and not browser and not hub" tests/test_gpu.py tests/test_training.py -q -s \
  -p no:cacheprovider
step bench_eager_b8 120 $PY benchmarks/bench_gpu_llama.py --batch-size 8 --steps 15 --warmup 3
step bench_compile_b8 180 $PY benchmarks/bench_gpu_llama.py --batch-size 8 --steps 15 --warmup 3 --compile
step pretrain 90 $PY - "$OUT_DIR/pretrain.json" <<'EOF'
import json, sys, time
import torch
from workbench.usecases.maintenance.config import MaintenanceTaskArgs
from workbench.usecases.maintenance.model import pretrain_base
from workbench.usecases.supply_chain.config import SupplyTaskArgs
from workbench.usecases.supply_chain.pretrain import pretrained_base
out = {"device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu"}
t0 = time.perf_counter()
res = pretrain_base(MaintenanceTaskArgs(), force=True)
out["maintenance_pretrain_base"] = {"wall_s": round(time.perf_counter() - t0, 2),
                                    **{k: v for k, v in res.info.items() if not isinstance(v, (list, dict))}}
t0 = time.perf_counter()
_, info = pretrained_base(SupplyTaskArgs(), force=True)
out["supply_pretrained_base"] = {"wall_s": round(time.perf_counter() - t0, 2),
                                 **{k: v for k, v in info.items() if not isinstance(v, (list, dict))}}
print(json.dumps(out, default=str))
open(sys.argv[1], "w").write(json.dumps(out, default=str, indent=1))
EOF
if $PY -c "import nbval" 2>/dev/null; then
  WORKBENCH_SMOKE=1 step notebooks_smoke 150 $PY -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider -q notebooks
  WORKBENCH_SMOKE=0 step notebook_full_quickstart 120 $PY -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider -q \
    notebooks/01_quickstart.ipynb
else
  echo "== skipped notebooks (nbval not installed: pip install nbval)" | tee -a "$OUT_DIR/timings.txt"
fi
left=$((BUDGET - SECONDS))
if (( left > 90 )); then
  step bench_compile_b16 "$left" $PY benchmarks/bench_gpu_llama.py --batch-size 16 --steps 10 --warmup 3 --compile \
    --skip-baseline
else
  echo "== skipped batch 16 ($left s left)" | tee -a "$OUT_DIR/timings.txt"
fi
echo "== done in $SECONDS s"
