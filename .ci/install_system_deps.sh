#!/usr/bin/env bash
# System and extra packages for the hub and browser test steps (tests marked `hub` and `browser`).
# Called by .ci/run before `pytest -m hub` / `pytest -m browser`. Idempotent; needs root for apt
# (uses sudo when not root and sudo exists). Python packages go into the venv given by $PY.
#
#   .ci/install_system_deps.sh            # PY defaults to .venv/bin/python
#   PY=/path/to/python .ci/install_system_deps.sh
#
# What and why:
#   chromium                 Debian's build (about 25 s via apt); Playwright drives it through
#                            executable_path=/usr/bin/chromium, so no browser is downloaded.
#   configurable-http-proxy  JupyterHub's proxy (npm); needs nodejs >= 18 and npm.
#   jupyterhub, playwright, websocket-client, requests   pip, pinned with torch so that pip
#                            never swaps the CPU torch wheel for a CUDA one (STACK_NOTES).
set -euo pipefail

PY="${PY:-.venv/bin/python}"
TORCH="${TORCH:-torch==2.13.0}"
SUDO=""
if [[ "$(id -u)" != "0" ]] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

need_apt=()
[[ -x /usr/bin/chromium ]] || need_apt+=(chromium)
command -v npm >/dev/null 2>&1 || need_apt+=(nodejs npm)
if (( ${#need_apt[@]} )); then
  echo "apt: installing ${need_apt[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" fonts-dejavu-core
fi

if ! command -v configurable-http-proxy >/dev/null 2>&1; then
  echo "npm: installing configurable-http-proxy"
  $SUDO npm install -g --no-fund --no-audit configurable-http-proxy
fi

# The bounds are pyproject's `hub` extra.
"$PY" -m pip install -q "$TORCH" "jupyterhub>=5" "playwright>=1.45" "websocket-client>=1.7" "requests>=2.31"

echo "versions:"
/usr/bin/chromium --version 2>/dev/null || true  # (stderr: Debian's /etc/chromium.d/dev-shm check is noisy)
configurable-http-proxy --version || true
"$PY" -c "import jupyterhub, playwright; from importlib.metadata import version as v; \
print('jupyterhub', jupyterhub.__version__, '| playwright', v('playwright'))"
