#!/usr/bin/env bash
# Put the notebooks and the workshop into the user's home; run by the hub when a server starts
# (deploy/jupyterhub/z2jh-values.yaml: singleuser.lifecycleHooks.postStart).
#
# Offline: copies from the image (WORKBENCH_IMAGE_CONTENT, /opt/ki-werkbank), no network needed.
# Never overwrites: a file the user has edited stays as it is; a file the user deleted comes
# back at the next start (delete ~/ki-werkbank/<file> and restart the server to get a fresh copy).
# Also seeds the workbench home with the base models pretrained at image build time, so the
# maintenance and supply-chain notebooks do not pretrain on first use.
#
#   start-ki-werkbank.sh [TARGET]      # TARGET defaults to ~/ki-werkbank
set -euo pipefail

SRC="${WORKBENCH_IMAGE_CONTENT:-/opt/ki-werkbank}"
TARGET="${1:-$HOME/ki-werkbank}"
WB_HOME="${WORKBENCH_HOME:-$HOME/.ki-werkbank}"

mkdir -p "$TARGET"
for part in notebooks workshop; do
    if [[ -d "$SRC/$part" ]]; then
        mkdir -p "$TARGET/$part"
        # -n: no clobber (keep the user's edits); -R: folders; no -p, so the user owns the copies.
        cp -Rn "$SRC/$part/." "$TARGET/$part/"
    fi
done
if [[ -d "$SRC/home/models" ]]; then
    mkdir -p "$WB_HOME/models"
    cp -Rn "$SRC/home/models/." "$WB_HOME/models/"
fi
echo "start-ki-werkbank: notebooks in $TARGET, workbench home $WB_HOME"
