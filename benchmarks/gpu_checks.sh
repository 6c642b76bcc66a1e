#!/usr/bin/env bash
# GPU checks in one go, for a machine with a CUDA GPU: the `gpu`-marked tests, then the GPU
# benchmark (LoRA on a ~1.1B Llama at 2048 tokens, workbench vs HF Trainer + peft) eager and
# with the product's `train.compile` switch. Each step has a time limit, and a failing step does
# not stop the next. Logs go to OUT_DIR (default gpu-results/); each benchmark log ends with
# its JSON line.
#
#   bash benchmarks/gpu_checks.sh [OUT_DIR]          # python: $PYTHON, else python3
#
# It runs from the source tree (the package via PYTHONPATH), so a GPU image that has torch, transformers, peft
# and lightning needs no install of the workbench itself.
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
BUDGET=${GPU_CHECKS_BUDGET_S:-450}   # skip the optional last step when less than this is left

{
  nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.max.sm --format=csv
  $PY -c "import torch, transformers, peft, lightning; print('torch', torch.__version__, 'cuda', torch.version.cuda,
'| transformers', transformers.__version__, '| peft', peft.__version__, '| lightning', lightning.__version__)"
} 2>&1 | tee "$OUT_DIR/gpu.txt"

echo "== gpu tests"
timeout 150 $PY -m pytest -m "not slow and not browser and not hub" tests/test_gpu.py tests/test_training.py -q -s -p no:cacheprovider 2>&1 | tee "$OUT_DIR/tests.log"
echo "== benchmark, eager, batch 8"
timeout 150 $PY benchmarks/bench_gpu_llama.py --batch-size 8 --steps 15 --warmup 3 2>&1 | tee "$OUT_DIR/bench_eager_b8.log"
echo "== benchmark, compiled decoder layers, batch 8"
timeout 240 $PY benchmarks/bench_gpu_llama.py --batch-size 8 --steps 15 --warmup 3 --compile 2>&1 \
  | tee "$OUT_DIR/bench_compile_b8.log"
left=$((BUDGET - SECONDS))
if (( left > 90 )); then
  echo "== benchmark, compiled, batch 16, workbench side only ($left s left)"
  timeout "$left" $PY benchmarks/bench_gpu_llama.py --batch-size 16 --steps 10 --warmup 3 --compile --skip-baseline \
    2>&1 | tee "$OUT_DIR/bench_compile_b16.log"
else
  echo "== skipped batch 16 ($left s left)"
fi
echo "== done in $SECONDS s"
