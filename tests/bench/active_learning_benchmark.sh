#!/usr/bin/env bash
# Is a verdict from FaceLab's queue worth more than a random one? (issue 15, active learning)
#
#   tests/bench/active_learning_benchmark.sh [OUT_DIR]     (default OUT_DIR: /tmp/facelab-albench)
#
# All through the facelab command line (QT_QPA_PLATFORM=offscreen), one degraded domain, the same
# seed, the same validation verdicts and the same test pairs for every run; only the training
# verdicts differ, chosen the way a user working down the queue would choose them:
#  1. FACES (default ../shared/data/faces112: aligned 112x112 crops, a folder per person) degraded
#     with tests/bench/degrade_faces.py --side SIDE (default 24 px), a project with PAIRS pairs
#     split identity-disjoint (people divided between train / validation / test), faces made and the
#     parent (the default model) embedded: the queue's scores are the parent's.
#  2. For each STRATEGY (uncertainty, hard-negatives, hard-positives, diversity, mix: the queue's
#     strategies, `facelab queue --strategy S --limit 0`; random: the training pairs shuffled with
#     SEED) and each BUDGET (default 100 200 400): a copy of the project gets the first BUDGET
#     training-split pairs of that order labelled from the known truth, plus the first LABEL_VAL
#     validation pairs (id order, the same for every run), in one `facelab label --from`; then
#     `facelab finetune --epochs EPOCHS --seed SEED --truth imported [--flip] EXTRA_ARGS`.
#     (The queue also lists test-split pairs; a verdict there trains nothing, so the budget is
#     spent on training pairs only, as if the user skipped the others.)
#  3. A table (stdout and OUT_DIR/summary.tsv) of the child's change on people never trained on
#     (test AUC and accuracy, each version at its own validation FAR threshold, with the paired
#     bootstrap 95% interval) per strategy and budget, and the mean AUC gain of each strategy over
#     the budgets against random. OUT_DIR/active_learning.json holds the same figures; it is also
#     copied into the benchmark project as reports/active_learning.json, where the Training view
#     plots it (Training view > Queue strategies; any such file opens there with "Open report...").
#
# Measured here: see the comment at the end of this file (kept up to date by hand).
#
# Settings (environment): FACELAB_BIN (build/app/facelab), FACES, SIDE (24), PAIRS (3000),
# BUDGETS ("100 200 400"), STRATEGIES ("random uncertainty hard-negatives hard-positives diversity
# mix"), LABEL_VAL (120), EPOCHS (3), SEED (1), FLIP (1), EXTRA_ARGS, RESUME (1: keep OUT_DIR's
# project and the runs already finished there, e.g. after an interruption). Needs jq and Debian's
# /usr/bin/python3 with python3-opencv and numpy. Deterministic on the CPU for the same settings.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
OUT="${1:-/tmp/facelab-albench}"
FACELAB_BIN="${FACELAB_BIN:-build/app/facelab}"
FACES="${FACES:-$HERE/../../../shared/data/faces112}"
SIDE="${SIDE:-24}"
PAIRS="${PAIRS:-3000}"
BUDGETS="${BUDGETS:-100 200 400}"
STRATEGIES="${STRATEGIES:-random uncertainty hard-negatives hard-positives diversity mix}"
LABEL_VAL="${LABEL_VAL:-120}"
EPOCHS="${EPOCHS:-3}"
SEED="${SEED:-1}"
FLIP="${FLIP:-1}"
EXTRA_ARGS="${EXTRA_ARGS:-}"
PY=/usr/bin/python3
BENCH_NAME=active_learning_benchmark
# shellcheck source=tests/bench/bench_cli.sh
source "$HERE/bench_cli.sh"

WORK="$OUT/work"
P="$WORK/proj"
START=$(date +%s)
if [ "${RESUME:-0}" = 1 ] && [ -f "$OUT/pair-list.json" ] && [ -d "$P" ]; then
  log "resuming in $OUT"
else
rm -rf "$OUT"
mkdir -p "$OUT/work" "$OUT/runs"

# 1. The domain, split by people, with the parent's scores.
"$PY" "$HERE/degrade_faces.py" "$FACES" "$WORK/deg" --copies 1 --side "$SIDE" --seed "$SEED" --json >"$OUT/degrade.json"
fl init "$P" >/dev/null
fl import "$P" --identities "$WORK/deg" --json >"$OUT/import.json" 2>/dev/null
fl pairs "$P" --generate "$PAIRS" --identities 0 --seed "$SEED" --split identity-disjoint --json >"$OUT/pairs.json"
fl faces "$P" --json >"$OUT/faces.json"
fl embed "$P" --json >"$OUT/embed.json"
fl eval "$P" --truth imported --json >"$OUT/eval-parent.json"
fl pairs "$P" --list --json >"$OUT/pair-list.json"
fi
log "$SIDE px: parent AUC $(jq '.auc*1000|round/1000' "$OUT/eval-parent.json") on all pairs"

truth_line() { jq -r '.[] | "\(.id),\(if .truth then "same" else "different" end)"'; }
jq '[.[] | select(.split == "validation" and .truth != null)] | sort_by(.id) | .[:'"$LABEL_VAL"']' \
  "$OUT/pair-list.json" | truth_line >"$WORK/validation.csv"
jq '[.[] | select(.split == "train" and .truth != null)]' "$OUT/pair-list.json" >"$WORK/train-pairs.json"

# Each strategy's order of the training pairs (random: a seeded shuffle).
for S in $STRATEGIES; do
  if [ "$S" = random ]; then
    jq -c '.[]' "$WORK/train-pairs.json" |
      "$PY" -c 'import sys, random, json
rows = [json.loads(l) for l in sys.stdin]
rows.sort(key=lambda r: r["id"])
random.Random(int(sys.argv[1])).shuffle(rows)
print(json.dumps(rows))' "$SEED" >"$WORK/order-$S.json"
  else
    fl queue "$P" --strategy "$S" --limit 0 --json >"$OUT/queue-$S.json"
    jq '[.pairs[] | select(.split == "train" and .truth != null)]' "$OUT/queue-$S.json" >"$WORK/order-$S.json"
  fi
done

printf 'strategy\tbudget\tsame\tdifferent\ttest_pairs\tauc_parent\tauc_child\tdelta_auc\tdelta_auc_ci95\tacc_parent\tacc_child\tdelta_acc\tdelta_acc_ci95\tverdict\tbest_epoch\tseconds\n' >"$OUT/summary.tsv"

# 2. Every strategy at every budget, on its own copy.
for B in $BUDGETS; do
  for S in $STRATEGIES; do
    SAME=$(jq ".[:$B] | map(select(.truth)) | length" "$WORK/order-$S.json")
    ROW="$OUT/runs/$S-$B-row.tsv"
    if [ -s "$ROW" ]; then
      cat "$ROW" >>"$OUT/summary.tsv"
      continue
    fi
    Q="$WORK/run-$S-$B"
    rm -rf "$Q"
    cp -r "$P" "$Q"
    { jq ".[:$B]" "$WORK/order-$S.json" | truth_line; cat "$WORK/validation.csv"; } >"$OUT/runs/$S-$B-verdicts.csv"
    fl label "$Q" --from "$OUT/runs/$S-$B-verdicts.csv" --json >"$OUT/runs/$S-$B-label.json"
    FT=(--epochs "$EPOCHS" --seed "$SEED" --truth imported)
    [ "$FLIP" = 1 ] && FT+=(--flip)
    # shellcheck disable=SC2206
    FT+=($EXTRA_ARGS)
    log "$S, $B verdicts: facelab finetune ${FT[*]}"
    if ! fl finetune "$Q" "${FT[@]}" --json >"$OUT/runs/$S-$B-finetune.json" 2>"$OUT/runs/$S-$B-finetune.err"; then
      # A strategy can spend a whole budget on one kind of verdict (hard negatives: all
      # "different"); nothing can be trained then, and that is a result, not a crash.
      WHY=$(tail -1 "$OUT/runs/$S-$B-finetune.err" | tr '\t' ' ')
      log "$S, $B: no training: $WHY"
      printf '%s\t%s\t%s\t%s\t\t\t\t\t\t\t\t\t\tno training: %s\t\t\n' "$S" "$B" "$SAME" "$((B - SAME))" "$WHY" | tee "$ROW" >>"$OUT/summary.tsv"
      rm -rf "$Q"
      continue
    fi
    jq -r --arg s "$S" --arg b "$B" --arg same "$SAME" '
      def r: (. * 1000 | round / 1000);
      def ci: "[\(.[0]|r), \(.[1]|r)]";
      .test.paired as $p |
      [$s, $b, $same, (($b|tonumber) - ($same|tonumber)), $p.pairs, ($p.parent.auc|r), ($p.child.auc|r),
       (($p.child.auc - $p.parent.auc)|r), ($p.delta_auc_ci95|ci),
       ($p.parent.accuracy|r), ($p.child.accuracy|r), (($p.child.accuracy - $p.parent.accuracy)|r),
       ($p.delta_accuracy_ci95|ci), .verdict, .best_epoch, (.seconds|round)] | @tsv' \
      "$OUT/runs/$S-$B-finetune.json" | tee "$ROW" >>"$OUT/summary.tsv"
    log "$S, $B: $(jq -r '.verdict_summary' "$OUT/runs/$S-$B-finetune.json")"
    rm -rf "$Q"   # the figures are in the JSON; a copy per run would fill the disk
  done
done

# 3. The report: JSON for the Training view, and the table.
"$PY" - "$OUT" "$SIDE" "$EPOCHS" "$SEED" "$PAIRS" "$LABEL_VAL" <<'EOF'
import csv, json, os, sys
out, side, epochs, seed, pairs, label_val = sys.argv[1:7]
rows = list(csv.DictReader(open(os.path.join(out, "summary.tsv")), delimiter="\t"))
def ci(s):
    a, b = s.strip("[]").split(",")
    return [float(a), float(b)]
untrained = [{"strategy": r["strategy"], "budget": int(r["budget"]), "same": int(r["same"]),
              "different": int(r["different"]), "why": r["verdict"]} for r in rows if not r["auc_child"]]
rows = [r for r in rows if r["auc_child"]]
runs = [{"strategy": r["strategy"], "budget": int(r["budget"]), "same": int(r["same"]),
         "different": int(r["different"]), "test_pairs": int(r["test_pairs"]),
         "auc_parent": float(r["auc_parent"]), "auc_child": float(r["auc_child"]),
         "delta_auc": float(r["delta_auc"]), "delta_auc_ci95": ci(r["delta_auc_ci95"]),
         "accuracy_parent": float(r["acc_parent"]), "accuracy_child": float(r["acc_child"]),
         "delta_accuracy": float(r["delta_acc"]), "delta_accuracy_ci95": ci(r["delta_acc_ci95"]),
         "verdict": r["verdict"]} for r in rows]
strategies = sorted({r["strategy"] for r in runs})
mean = {s: sum(r["delta_auc"] for r in runs if r["strategy"] == s) / max(1, sum(1 for r in runs if r["strategy"] == s))
        for s in strategies}
report = {"kind": "facelab-active-learning-benchmark", "side_px": int(side), "epochs": int(epochs),
          "seed": int(seed), "pairs": int(pairs), "validation_verdicts": int(label_val),
          "measure": "test split (people never trained on): child minus parent",
          "runs": runs, "untrained": untrained, "mean_delta_auc": mean,
          "best_strategy": max(mean, key=mean.get) if mean else None}
json.dump(report, open(os.path.join(out, "active_learning.json"), "w"), indent=1)
print("\nmean AUC change over the budgets (test split, people never trained on):")
for s in sorted(mean, key=mean.get, reverse=True):
    diff = mean[s] - mean.get("random", float("nan"))
    print(f"  {s:15s} {mean[s]:+.4f}   vs random {diff:+.4f}")
for u in untrained:
    print(f"  {u['strategy']} at {u['budget']}: {u['why']}")
EOF
mkdir -p "$P/reports"
cp "$OUT/active_learning.json" "$P/reports/active_learning.json"
echo
echo "active-learning benchmark: $SIDE px, $EPOCHS epochs, seed $SEED, flip $FLIP, $PAIRS pairs, $LABEL_VAL validation verdicts, ${EXTRA_ARGS:-(default training)}"
column -t -s $'\t' "$OUT/summary.tsv"
echo "JSON in $OUT; the report is also in $P/reports/active_learning.json ($(( $(date +%s) - START )) s)"

# Measured here (2 shared CPU cores, fr_feature.onnx, defaults above; 1110 s of the resumed run,
# about an hour in all under load; the same table is in README.md and resources/reports/):
#   AUC change on the test split's 450 pairs (3 people never trained on), child - parent 0.673,
#   paired-bootstrap 95% interval:
#   budget  random                   uncertainty              diversity                mix
#   100     +0.018 (+0.000..+0.035)  +0.009 (-0.007..+0.024)  +0.014 (-0.005..+0.033)  +0.002 (-0.015..+0.019)
#   200     +0.007 (-0.007..+0.022)  +0.004 (-0.009..+0.015)  +0.005 (-0.009..+0.019)  +0.032 (+0.001..+0.061)
#   400     +0.011 (-0.006..+0.027)  +0.030 (+0.017..+0.043)  +0.025 (+0.012..+0.040)  +0.026 (-0.002..+0.054)
#   mean    +0.012                   +0.014                   +0.015                   +0.020
#   hard-negatives / hard-positives: every budget all "different" / all "same": nothing to train.
