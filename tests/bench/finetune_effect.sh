#!/usr/bin/env bash
# Effect of fine-tuning, measured on real faces and reported honestly (issue 5, "Tests and figures").
#
#   tests/bench/finetune_effect.sh [OUT_DIR]          (default OUT_DIR: /tmp/facelab-effect)
#
# What it does, all through the facelab command line (QT_QPA_PLATFORM=offscreen):
#  1. Real faces: the demo project's identity folders (`facelab demo`; built on first use from the
#     six @vladmandic/face-api sample photos that packaging/fetch-models.sh installs). Each detected
#     face is one person with four 112x112 aligned views (crop, mirror, tighter crop, darker blurred
#     copy) under DEMO/faces/<Person>/view_N.png. Those are the only real faces in the fetched
#     packages (faceplugin-face-recognition-js ships no photos; face-api's other images are
#     screenshots), so: 22 people, 88 images.
#  2. A harder domain: tests/bench/degrade_faces.py writes COPIES seeded degraded copies of every view
#     (blur sigma 2-3, down to 20-28 px and back up, gamma 1.6-2.2 and gain 0.5-0.75, noise sigma
#     4-8). The copies stay 112x112 aligned crops, so the face stage takes them as pre-aligned (a
#     detector would miss most faces this degraded; degrading the aligned crops avoids that).
#  3. Degraded project: init, import --identities, pairs --generate PAIRS --identities 0 (all
#     people; the CLI's default is 10), faces, embed (fr_feature), then LABEL train/validation
#     pairs labelled one by one with `facelab label --pair ID --same|--different` from the
#     generated truth (a careful user who never errs), eval before, finetune, eval after.
#     The finetune JSON's "test" object is the held-out figure: test-split pairs (never trained on)
#     scored by parent and child, each at the threshold chosen on validation.
#  4. Clean domain: the child is exported (model --export), imported into a project built the same
#     way from the clean views (model --add --preprocessing frfeature), both versions embed it, and
#     `eval --truth imported` over all of its pairs gives AUC and 10-fold accuracy for each.
#     Also each version's clean accuracy at the threshold it got on degraded validation pairs, and
#     the clean score separation (mean same/different cosine, lowest same minus highest different).
#  5. A table on stdout; every JSON output under OUT_DIR (projects and images under OUT_DIR/work).
#
# Settings (environment): FACELAB_BIN (default build/app/facelab), EPOCHS (10), LR (1e-4), FLIP
# (0; 1 adds --flip), BATCH (32), PAIRS (600), LABEL (200), COPIES (2), SEED (1),
# SPLIT (pair-level | identity-disjoint), FINETUNE_ARGS (extra finetune options).
# Needs: the models and demo photos (packaging/fetch-models.sh), jq, and Debian's /usr/bin/python3
# with python3-opencv and python3-numpy. Deterministic on the CPU for the same settings.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-/tmp/facelab-effect}"
FACELAB_BIN="${FACELAB_BIN:-build/app/facelab}"
PY=/usr/bin/python3
EPOCHS="${EPOCHS:-10}"
LR="${LR:-1e-4}"
FLIP="${FLIP:-0}"
BATCH="${BATCH:-32}"
PAIRS="${PAIRS:-600}"
LABEL="${LABEL:-200}"
COPIES="${COPIES:-2}"
SEED="${SEED:-1}"
SPLIT="${SPLIT:-pair-level}"
FINETUNE_ARGS="${FINETUNE_ARGS:-}"
BENCH_NAME=finetune_effect
# shellcheck source=tests/bench/bench_cli.sh
source "$HERE/bench_cli.sh"

rm -rf "$OUT"
mkdir -p "$OUT/work"
WORK="$OUT/work"
START=$(date +%s)

# 1. Real faces.
log "demo project (built on first use)"
DEMO="$(fl demo | tail -n 1)"
FACES="$DEMO/faces"
[ -d "$FACES" ] || die "the demo project $DEMO has no faces/ folder"
NPEOPLE=$(find "$FACES" -mindepth 1 -maxdepth 1 -type d | wc -l)
NVIEWS=$(find "$FACES" -mindepth 2 -maxdepth 2 -type f -name '*.png' | wc -l)
log "clean faces: $NPEOPLE people, $NVIEWS images in $FACES"
# A copy, so the clean project does not depend on the demo project staying as it is.
cp -r "$FACES" "$WORK/clean"

# 2. The degraded domain.
"$PY" "$HERE/degrade_faces.py" "$WORK/clean" "$WORK/degraded" --copies "$COPIES" --seed "$SEED" --json >"$OUT/degrade.json"
log "degraded: $(jq -r '.images_written' "$OUT/degrade.json") images"

# init + import + pairs + faces + embed (the default model, fr_feature).
build_project() {  # NAME SRC
  local p="$WORK/proj-$1"
  fl init "$p" >/dev/null
  fl import "$p" --identities "$2" --json >"$OUT/$1-import.json"
  fl pairs "$p" --generate "$PAIRS" --identities 0 --seed "$SEED" --split "$SPLIT" --json >"$OUT/$1-pairs.json"
  fl faces "$p" --json >"$OUT/$1-faces.json"
  fl embed "$p" --json >"$OUT/$1-embed-parent.json"
  fl pairs "$p" --list --json >"$OUT/$1-pair-list.json"
  log "$1: $(jq -c '{same, different, train, validation, test}' "$OUT/$1-pairs.json" 2>/dev/null || cat "$OUT/$1-pairs.json")"
}

# 3. Degraded project, labelled through the CLI, fine-tuned.
log "degraded project"
build_project degraded "$WORK/degraded"
PD="$WORK/proj-degraded"
jq -r --argjson n "$LABEL" '[.[] | select((.split == "train" or .split == "validation") and .truth != null)]
        | sort_by(.id) | .[:$n] | .[] | "\(.id) \(.truth)"' "$OUT/degraded-pair-list.json" >"$WORK/to-label.txt"
log "labelling $(wc -l <"$WORK/to-label.txt") train/validation pairs with facelab label"
while read -r id truth; do
  case "$truth" in
    true|same) v=--same ;;
    false|different) v=--different ;;
    *) die "pair $id: unexpected truth '$truth' in pairs --list --json" ;;
  esac
  fl label "$PD" --pair "$id" "$v" >/dev/null
done <"$WORK/to-label.txt"
fl stats "$PD" --json >"$OUT/degraded-stats.json"
fl eval "$PD" --json >"$OUT/degraded-eval-before.json"
FT=(--epochs "$EPOCHS" --lr "$LR" --batch "$BATCH" --seed "$SEED")
[ "$FLIP" = 1 ] && FT+=(--flip)
# shellcheck disable=SC2206
[ -n "$FINETUNE_ARGS" ] && FT+=($FINETUNE_ARGS)
log "facelab finetune ${FT[*]}"
fl finetune "$PD" "${FT[@]}" --json >"$OUT/degraded-finetune.json"
PARENT=$(jq -r '.parent' "$OUT/degraded-finetune.json")
CHILD=$(jq -r '.model' "$OUT/degraded-finetune.json")
[ "$CHILD" != null ] || die "finetune made no version (see $OUT/degraded-finetune.json)"
fl eval "$PD" --model "$CHILD" --json >"$OUT/degraded-eval-after.json"

# 4. Clean domain: the child exported, imported into a clean project, both versions evaluated.
fl model "$PD" --export "$CHILD" --out "$WORK/$CHILD.onnx" >/dev/null
log "clean project"
build_project clean "$WORK/clean"
PC="$WORK/proj-clean"
fl model "$PC" --add "$WORK/$CHILD.onnx" --name "$CHILD" --preprocessing frfeature --json >"$OUT/clean-model-add.json"
fl embed "$PC" --model "$CHILD" --json >"$OUT/clean-embed-child.json"
fl eval "$PC" --model "$PARENT" --truth imported --scores-out "$OUT/clean-scores-parent.csv" --json >"$OUT/clean-eval-parent.json"
fl eval "$PC" --model "$CHILD" --truth imported --scores-out "$OUT/clean-scores-child.csv" --json >"$OUT/clean-eval-child.json"
# Also at the threshold each version got on the degraded validation pairs: what a user who
# calibrated on the new domain would see on clean faces.
if [ "$(jq -r '.test.available' "$OUT/degraded-finetune.json")" = true ]; then
  fl eval "$PC" --model "$PARENT" --truth imported --threshold "$(jq -r '.test.parent.threshold' "$OUT/degraded-finetune.json")" \
    --json >"$OUT/clean-eval-parent-at-degraded-threshold.json"
  fl eval "$PC" --model "$CHILD" --truth imported --threshold "$(jq -r '.test.child.threshold' "$OUT/degraded-finetune.json")" \
    --json >"$OUT/clean-eval-child-at-degraded-threshold.json"
else
  echo '{}' >"$OUT/clean-eval-parent-at-degraded-threshold.json"
  echo '{}' >"$OUT/clean-eval-child-at-degraded-threshold.json"
fi
# Score separation on clean pairs (CSV path1,path2,truth,score): mean same / different cosine
# and the gap between the lowest same and the highest different score.
separation() {
  awk -F, 'NR > 1 { if ($3 == "1") { s += $4; ns++; if (ns == 1 || $4 < mins) mins = $4 }
                    else { d += $4; nd++; if (nd == 1 || $4 > maxd) maxd = $4 } }
           END { printf "{\"same_mean\": %.4f, \"different_mean\": %.4f, \"min_same\": %.4f, \"max_different\": %.4f, \"gap\": %.4f}\n",
                 s / ns, d / nd, mins, maxd, mins - maxd }' "$1"
}
separation "$OUT/clean-scores-parent.csv" >"$OUT/clean-separation-parent.json"
separation "$OUT/clean-scores-child.csv" >"$OUT/clean-separation-child.json"

# 5. The table.
jq -n --slurpfile ft "$OUT/degraded-finetune.json" --slurpfile cp "$OUT/clean-eval-parent.json" \
      --slurpfile cc "$OUT/clean-eval-child.json" --slurpfile st "$OUT/degraded-stats.json" \
      --slurpfile tp "$OUT/clean-eval-parent-at-degraded-threshold.json" \
      --slurpfile tc "$OUT/clean-eval-child-at-degraded-threshold.json" \
      --slurpfile sp "$OUT/clean-separation-parent.json" --slurpfile sc "$OUT/clean-separation-child.json" \
      --arg settings "epochs $EPOCHS, lr $LR, batch $BATCH, flip $FLIP, seed $SEED, $PAIRS pairs, split $SPLIT, $COPIES degraded copies/view" \
  '$ft[0] as $f | $cp[0] as $p | $cc[0] as $c |
   {settings: $settings, parent: $f.parent, child: $f.model, labelled: $st[0].labelled,
    train_pairs: $f.train_pairs, val_pairs: $f.val_pairs, best_epoch: $f.best_epoch, epochs_run: $f.epochs_run,
    val_accuracy: [$f.val_accuracy_before, $f.val_accuracy_after], seconds: $f.seconds, device: $f.device,
    degraded_test: (if $f.test.available then
       {pairs: $f.test.child.pairs, accuracy: [$f.test.parent.accuracy, $f.test.child.accuracy],
        auc: [$f.test.parent.auc, $f.test.child.auc], fp: [$f.test.parent.fp, $f.test.child.fp],
        fn: [$f.test.parent.fn, $f.test.child.fn],
        threshold: [$f.test.parent.threshold, $f.test.child.threshold]} else {note: $f.test.note} end),
    clean_all: {pairs: $c.pairs, kfold_accuracy: [$p.kfold_accuracy_mean, $c.kfold_accuracy_mean],
        best_accuracy: [$p.best_accuracy, $c.best_accuracy], auc: [$p.auc, $c.auc],
        eer: [$p.eer, $c.eer],
        accuracy_at_degraded_threshold: [$tp[0].accuracy, $tc[0].accuracy],
        fp_at_degraded_threshold: [$tp[0].fp, $tc[0].fp], fn_at_degraded_threshold: [$tp[0].fn, $tc[0].fn],
        separation: [$sp[0], $sc[0]]}}' >"$OUT/summary.json"

S="$OUT/summary.json"
f() { jq -r "$1" "$S"; }
echo
echo "fine-tune $(f .parent) -> $(f .child): $(f .settings)"
echo "  $(f .labelled) verdicts through facelab label -> $(f .train_pairs) training, $(f .val_pairs) validation pairs;" \
     "best epoch $(f .best_epoch) of $(f .epochs_run); validation accuracy $(f '.val_accuracy[0]*1000|round/1000') -> $(f '.val_accuracy[1]*1000|round/1000');" \
     "$(f '.seconds|round') s on $(f .device)"
printf '%-34s %6s  %-17s %-17s %s\n' "domain (pairs evaluated)" pairs "accuracy" "AUC" "FP / FN"
if [ "$(f '.degraded_test.pairs // empty')" != "" ]; then
  printf '%-34s %6s  %-17s %-17s %s\n' "degraded, held-out test split" "$(f .degraded_test.pairs)" \
    "$(f '.degraded_test.accuracy|map(.*1000|round/1000)|"\(.[0]) -> \(.[1])"')" \
    "$(f '.degraded_test.auc|map(.*1000|round/1000)|"\(.[0]) -> \(.[1])"')" \
    "$(f '"\(.degraded_test.fp[0])/\(.degraded_test.fn[0]) -> \(.degraded_test.fp[1])/\(.degraded_test.fn[1])"')"
else
  echo "degraded test split: $(f .degraded_test.note)"
fi
printf '%-34s %6s  %-17s %-17s %s\n' "clean, all pairs (10-fold acc.)" "$(f .clean_all.pairs)" \
  "$(f '.clean_all.kfold_accuracy|map(.*1000|round/1000)|"\(.[0]) -> \(.[1])"')" \
  "$(f '.clean_all.auc|map(.*1000|round/1000)|"\(.[0]) -> \(.[1])"')" "-"
if [ "$(f '.clean_all.accuracy_at_degraded_threshold[0] // empty')" != "" ]; then
  printf '%-34s %6s  %-17s %-17s %s\n' "clean, at degraded-val threshold" "$(f .clean_all.pairs)" \
    "$(f '.clean_all.accuracy_at_degraded_threshold|map(.*1000|round/1000)|"\(.[0]) -> \(.[1])"')" "" \
    "$(f '"\(.clean_all.fp_at_degraded_threshold[0])/\(.clean_all.fn_at_degraded_threshold[0]) -> \(.clean_all.fp_at_degraded_threshold[1])/\(.clean_all.fn_at_degraded_threshold[1])"')"
fi
echo "  clean cosine, same / different mean: $(f '.clean_all.separation|map("\(.same_mean*1000|round/1000) / \(.different_mean*1000|round/1000)")|"\(.[0]) -> \(.[1])"');" \
     "gap min(same) - max(different): $(f '.clean_all.separation|map(.gap*1000|round/1000)|"\(.[0]) -> \(.[1])"')"
echo "  degraded test accuracy: each version at the threshold chosen on validation; clean: 10-fold accuracy"
echo "  (threshold chosen on 9 folds, tested on the 10th); JSON in $OUT ($(( $(date +%s) - START )) s)"
