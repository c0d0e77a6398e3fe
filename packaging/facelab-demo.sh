#!/usr/bin/env bash
# Sets up everything (Debian packages, models and demo photos from npm), builds FaceLab and opens
# it on its built-in demo project.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
bash packaging/fetch-models.sh
bash packaging/build.sh
BUILD_DIR="${FACELAB_BUILD_DIR:-build}"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "facelab-demo: no display found; running under xvfb-run (invisible). Run it from a desktop session to see it." >&2
  exec xvfb-run -a -s "-screen 0 1400x900x24" "$BUILD_DIR/app/facelab" --demo
fi
exec "$BUILD_DIR/app/facelab" --demo
