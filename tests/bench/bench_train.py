#!/usr/bin/python3
"""The contrastive fine-tuning loop of core/train written in PyTorch (Debian's python3-torch) on the
same fr_feature.onnx graph, for comparison with bench_train (C++). Prints training pairs/s.
Usage: /usr/bin/python3 bench_train.py MODEL --pairs N --batch B --epochs E [--channels-last] [--profile TRACE.json]"""
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frfeature_torch import FrFeature  # noqa: E402


def arg(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


model = next(a for a in sys.argv[1:] if a.endswith(".onnx"))
pairs, batch, epochs = arg("--pairs", 256), arg("--batch", 32), arg("--epochs", 2)
channels_last = "--channels-last" in sys.argv
profile = arg("--profile", "")
torch.set_num_threads(os.cpu_count())
torch.manual_seed(1)
rng = np.random.default_rng(1)

graph = FrFeature(model)
w = graph.weights(channels_last, requires_grad=True)
params = [t for t in w.values() if t.requires_grad]
opt = torch.optim.Adam(params, lr=1e-4)
faces = rng.integers(0, 256, size=(pairs, 112, 112, 3), dtype=np.uint8)   # BGR, as cv::imread gives
a_idx = rng.integers(0, pairs, size=pairs)
b_idx = rng.integers(0, pairs, size=pairs)
same = torch.from_numpy((rng.random(pairs) < 0.5).astype(np.float32))


def to_input(bgr):
    # fr_feature: RGB, (x - 127) / 128, NCHW
    x = torch.from_numpy(np.ascontiguousarray(bgr[..., ::-1])).permute(0, 3, 1, 2).float()
    x = (x - 127.0) / 128.0
    return x.contiguous(memory_format=torch.channels_last) if channels_last else x.contiguous()


def loss_fn(e1, e2, y, margin=1.0):
    e1 = torch.nn.functional.normalize(e1, dim=1)
    e2 = torch.nn.functional.normalize(e2, dim=1)
    d2 = (e1 - e2).pow(2).sum(1)
    d = (d2 + 1e-12).sqrt()
    return (y * d2 + (1 - y) * torch.clamp_min(margin - d, 0).pow(2)).mean()


trained, seconds = 0, 0.0
prof = None
for epoch in range(epochs):
    order = rng.permutation(pairs)
    if profile and epoch == 1:   # per-operator trace of the timed epochs (chrome://tracing JSON)
        prof = torch.autograd.profiler.profile()
        prof.__enter__()
    start = time.perf_counter()
    for s in range(0, pairs, batch):
        idx = order[s:s + batch]
        b = len(idx)
        x = to_input(np.concatenate([faces[a_idx[idx]], faces[b_idx[idx]]]))
        emb = graph.run(x, w).reshape(2 * b, -1)
        loss = loss_fn(emb[:b], emb[b:], same[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        trained += b
    if epoch > 0 or epochs == 1:   # epoch 0 warms the allocator and oneDNN's kernels
        seconds += time.perf_counter() - start
    else:
        trained = 0
if prof is not None:
    prof.__exit__(None, None, None)
    prof.export_chrome_trace(profile)
print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
      f"{'channels-last' if channels_last else 'NCHW'}: {trained / seconds:.2f} pairs/s")
