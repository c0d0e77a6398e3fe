#!/usr/bin/python3
"""The same fr_feature.onnx graph in Debian's python3-torch (eager) and python3-opencv, for
comparison with bench_embed (C++). Images per second at batch 1 and 32.
Usage: /usr/bin/python3 bench_embed.py [MODEL] [--seconds S]"""
import os
import sys
import time

import cv2
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frfeature_torch import FrFeature  # noqa: E402

model = next((a for a in sys.argv[1:] if a.endswith(".onnx")),
             os.path.expanduser("~/.local/share/FaceLab/models/fr_feature.onnx"))
seconds = float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 4.0
threads = os.cpu_count()
torch.set_num_threads(threads)
cv2.setNumThreads(threads)

graph = FrFeature(model)
run = graph.run


def weights(channels_last):
    return graph.weights(channels_last)


def rate(batch, fn):
    fn(); fn()
    calls, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        fn(); calls += 1
    return calls * batch / (time.perf_counter() - start)


net = cv2.dnn.readNetFromONNX(model)
nchw, nhwc = weights(False), weights(True)
print(f"torch {torch.__version__}, {threads} threads, OpenCV {cv2.__version__}")
print(f"{'images/s':<44}{'batch 1':>10}{'batch 32':>10}")
rows = {}
for b in (1, 32):
    x = torch.rand(b, 3, 112, 112) * 2 - 1
    xl = x.contiguous(memory_format=torch.channels_last)
    blob = x.numpy()
    with torch.inference_mode():
        rows.setdefault("PyTorch eager NCHW", []).append(rate(b, lambda: run(x, nchw)))
        rows.setdefault("PyTorch eager channels-last", []).append(rate(b, lambda: run(xl, nhwc)))
        rows.setdefault("PyTorch eager channels-last, chunks of 16", []).append(
            rate(b, lambda: [run(xl[i:i + 16], nhwc) for i in range(0, b, 16)]))
    rows.setdefault("OpenCV dnn (python)", []).append(rate(b, lambda: (net.setInput(blob), net.forward())))
for name, r in rows.items():
    print(f"{name:<44}{r[0]:>10.1f}{r[1]:>10.1f}")
