#!/usr/bin/env bash
# Configures and builds FaceLab into build/ (Ninja, RelWithDebInfo) with every core.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR="${FACELAB_BUILD_DIR:-build}"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
