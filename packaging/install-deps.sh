#!/usr/bin/env bash
# Installs every Debian package FaceLab's build, app, tests, benchmarks and .deb need
# (librsvg2-bin renders the icons, dpkg-dev's dpkg-shlibdeps finds the .deb's dependencies,
# desktop-file-utils and appstream validate its desktop and metainfo files).
# Idempotent: packages already present are skipped by apt-get; safe to run repeatedly.
set -euo pipefail

PKGS=(
  build-essential cmake ninja-build lld pkg-config git ca-certificates
  qt6-base-dev qt6-base-dev-tools libqt6sql6-sqlite libqt6svg6 qt6-qpa-plugins
  libqcustomplot-dev libqcustomplot2.1-qt6
  libtorch-dev libopenblas0-openmp libgloo-dev
  libopencv-dev
  libonnx-dev libprotobuf-dev protobuf-compiler
  libfaiss-dev
  xvfb xauth imagemagick sqlite3 fonts-dejavu-core
  python3-torch python3-onnx python3-numpy python3-opencv
  librsvg2-bin dpkg-dev file desktop-file-utils appstream
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node and npm fetch the demo photos and the default model; use the machine's own if present.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)

if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "install-deps: all packages present"
