#!/usr/bin/env bash
# Install the "KI-Werkbank" Jupyter kernel spec for the Python environment that runs this script.
#
#   deploy/kernel/install_kernel.sh                 # for the current user (~/.local/share/jupyter)
#   deploy/kernel/install_kernel.sh --sys-prefix    # into the environment (a shared conda env on a hub)
#   PYTHON=/opt/conda/envs/ki-werkbank/bin/python deploy/kernel/install_kernel.sh --sys-prefix
#
# The kernel runs offline by default (HF_HUB_OFFLINE=1: nothing is downloaded unless a user sets
# ModelArgs.allow_download) and keeps the workbench's models cache, audit log and adapter registry
# in WORKBENCH_HOME. On a hub, point WORKBENCH_HOME at persistent storage, e.g. the user's home
# volume (the default) or a shared project volume: WORKBENCH_HOME=/shared/ki-werkbank $0 --sys-prefix
set -euo pipefail

PYTHON="${PYTHON:-python}"
NAME="${KERNEL_NAME:-ki-werkbank}"
DISPLAY_NAME="${KERNEL_DISPLAY_NAME:-KI-Werkbank (Python 3)}"
SCOPE="--user"
if [[ "${1:-}" == "--sys-prefix" ]]; then SCOPE="--sys-prefix"; fi

"$PYTHON" - <<'PY'
import importlib.util, sys
missing = [m for m in ("ipykernel", "workbench", "torch") if importlib.util.find_spec(m) is None]
if missing:
    sys.exit(f"install_kernel: {sys.executable} lacks {missing}; install the workbench into this environment first "
             "(pip install -e . or conda env create -f environment.yml)")
PY

ENV_ARGS=(--env HF_HUB_OFFLINE 1 --env TOKENIZERS_PARALLELISM false)
if [[ -n "${WORKBENCH_HOME:-}" ]]; then ENV_ARGS+=(--env WORKBENCH_HOME "$WORKBENCH_HOME"); fi

"$PYTHON" -m ipykernel install "$SCOPE" --name "$NAME" --display-name "$DISPLAY_NAME" "${ENV_ARGS[@]}"
"$PYTHON" -m jupyter kernelspec list 2>/dev/null | grep -E "^\s*$NAME\s" || true
