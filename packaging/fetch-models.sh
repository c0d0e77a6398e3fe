#!/usr/bin/env bash
# Fetches FaceLab's default face models and the demo photos from the npm registry, checks the
# sha256 of every file it places, and puts them in the per-user data folder FaceLab searches:
#   $FACELAB_DATA_DIR (default ${XDG_DATA_HOME:-$HOME/.local/share}/FaceLab)/models  and  /samples
# Idempotent: files already present with the right hash are not fetched again.
# The .deb installs this script as /usr/bin/facelab-fetch-models.
set -euo pipefail

DATA_DIR="${FACELAB_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/FaceLab}"
MODELS="$DATA_DIR/models"
SAMPLES="$DATA_DIR/samples/face-api"

# package@version | path inside the tarball | destination | sha256
FILES=(
  "faceplugin-face-recognition-js@0.0.1|package/model/fr_feature.onnx|$MODELS/fr_feature.onnx|87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581"
  "faceplugin-face-recognition-js@0.0.1|package/model/fr_detect.onnx|$MODELS/fr_detect.onnx|6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854"
  "faceplugin-face-recognition-js@0.0.1|package/model/fr_landmark.onnx|$MODELS/fr_landmark.onnx|f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258"
  "@vladmandic/face-api@1.7.15|package/demo/sample1.jpg|$SAMPLES/sample1.jpg|8ecae4b267b2d3169e06e00c7dee97097aa2a94635d45216f7732a5f4943cb51"
  "@vladmandic/face-api@1.7.15|package/demo/sample2.jpg|$SAMPLES/sample2.jpg|7d2b60ae6f13bf30f422e04df87451081a02c83de469056f25afb44b7000c691"
  "@vladmandic/face-api@1.7.15|package/demo/sample3.jpg|$SAMPLES/sample3.jpg|8eb081c9efb14370fa94d9feab9e5fbeafd19a627491853a80c2bf67f7ffa936"
  "@vladmandic/face-api@1.7.15|package/demo/sample4.jpg|$SAMPLES/sample4.jpg|729efa5923061d40eb4ed5f267a18cc7b8ba6f852bb2757b16d8b7e4937476fc"
  "@vladmandic/face-api@1.7.15|package/demo/sample5.jpg|$SAMPLES/sample5.jpg|6d45095ebb182d8f975c0790e0e4eefd86fbb40609cf4b271776d92e12662938"
  "@vladmandic/face-api@1.7.15|package/demo/sample6.jpg|$SAMPLES/sample6.jpg|9baad80f9d5e306fb9b8c0913d44445f1e95848df317530efb03d0934c57ba87"
)

have() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

need_pkgs=()
for row in "${FILES[@]}"; do
  IFS='|' read -r pkg inner dest sum <<<"$row"
  have "$dest" "$sum" || need_pkgs+=("$pkg")
done
if [ ${#need_pkgs[@]} -eq 0 ]; then
  echo "fetch-models: models and demo photos present in $DATA_DIR"; exit 0
fi
command -v npm >/dev/null || { echo "fetch-models: npm is missing (Debian: apt install npm; in a checkout: packaging/install-deps.sh)" >&2; exit 1; }

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$MODELS" "$SAMPLES"
for pkg in $(printf '%s\n' "${need_pkgs[@]}" | sort -u); do
  echo "fetch-models: npm pack $pkg"
  tgz=$(cd "$tmp" && npm pack --silent "$pkg" 2>/dev/null | tail -n 1)
  [ -f "$tmp/$tgz" ] || { echo "fetch-models: npm pack $pkg failed" >&2; exit 1; }
  mkdir -p "$tmp/x"
  for row in "${FILES[@]}"; do
    IFS='|' read -r p inner dest sum <<<"$row"
    [ "$p" = "$pkg" ] || continue
    tar xzf "$tmp/$tgz" -C "$tmp/x" "$inner"
    got=$(sha256sum "$tmp/x/$inner" | cut -d' ' -f1)
    if [ "$got" != "$sum" ]; then
      echo "fetch-models: $pkg:$inner has sha256 $got, expected $sum; not installed" >&2; exit 1
    fi
    # Write beside the destination, then rename: a killed fetch never leaves half a model.
    cp "$tmp/x/$inner" "$dest.part" && mv -f "$dest.part" "$dest"
  done
done
echo "fetch-models: installed into $DATA_DIR"
