# Reference for bench_eval: ROC and AUC of the same scores with numpy (sort-based, ties grouped),
# plus a best-accuracy threshold sweep over the distinct scores. Prints AUC and the seconds taken.
import sys, time
import numpy as np

data = np.fromfile(sys.argv[1], dtype=np.float64).reshape(-1, 2)
scores, same = data[:, 0], data[:, 1].astype(bool)
t0 = time.perf_counter()
order = np.argsort(-scores, kind="mergesort")
s, y = scores[order], same[order]
last = np.r_[np.nonzero(np.diff(s))[0], len(s) - 1]      # last index of each tied group
tp = np.cumsum(y)[last]
fp = np.cumsum(~y)[last]
P, N = tp[-1], fp[-1]
tpr = np.r_[0, tp] / P
fpr = np.r_[0, fp] / N
auc = np.trapz(tpr, fpr)
correct = tp + (N - fp)
best = correct.max() / len(s)
secs = time.perf_counter() - t0
print(f"{auc:.12f} {best:.12f} {secs:.6f}")
