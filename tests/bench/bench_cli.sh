# Sourced by the command-line benchmarks (finetune_benchmark.sh, finetune_effect.sh,
# active_learning_benchmark.sh): checks what they need and gives them die, fl and log.
# Set before sourcing: BENCH_NAME (for messages), FACELAB_BIN, PY; FACES when the script takes it.
export QT_QPA_PLATFORM=offscreen

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
[ -x "$FACELAB_BIN" ] || die "no facelab binary at $FACELAB_BIN (build it, or set FACELAB_BIN)"
FACELAB_BIN="$(cd "$(dirname "$FACELAB_BIN")" && pwd)/$(basename "$FACELAB_BIN")"
if [ -n "${FACES+x}" ]; then
  [ -d "$FACES" ] || die "no face folders at $FACES (set FACES)"
fi
command -v jq >/dev/null || die "jq is missing (apt-get install jq)"
"$PY" -c 'import cv2, numpy' 2>/dev/null || die "$PY lacks cv2/numpy (apt-get install python3-opencv python3-numpy)"

fl() { "$FACELAB_BIN" "$@"; }
log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
