#!/usr/bin/env bash
# One node, several GPUs, without SLURM (a workstation or an interactive GPU session):
#   deploy/slurm/train_single_node_torchrun.sh 4 configs/legal_de/default.yaml
# torchrun starts one process per GPU; Lightning picks up RANK/WORLD_SIZE from its environment.
set -euo pipefail
NGPU="${1:-$(python -c 'import torch; print(max(1, torch.cuda.device_count()))')}"
CONFIG="${2:-configs/legal_de/default.yaml}"
export HF_HUB_OFFLINE=1
exec torchrun --standalone --nproc-per-node="$NGPU" -m workbench train --config "$CONFIG" \
  --set "train.devices=$NGPU" --set "train.strategy=${STRATEGY:-ddp}"
