#!/usr/bin/python3
"""The inversion loop of core/inversion written in PyTorch (Debian's python3-torch) on the same
fr_feature.onnx graph, for comparison with bench_inversion (C++): Adam on the pixels (lr 0.2,
betas 0.5/0.9, cosine decay), a random roll and flip each step, ArcFace loss (s 64, m 0.5) towards
one of 24 random centres, the measured statistics prior on every convolution's output (statistics
of random faces stand in for real ones: the speed does not depend on them), TV and L2, pixels
clamped. Prints "RESULT <steps/s>".
  bench_inversion.py MODEL.onnx --steps N --batch B [--channels-last] [--no-prior] [--prior-layers L]
      fr_feature (BatchNorm folded): the measured prior on L convolution outputs spread evenly.
  bench_inversion.py write-r50 DIR
      A random-weight iResNet50 in ArcFace-torch layout, DIR/r50.pth (tests/nn/make_family_checkpoints.py).
  bench_inversion.py DIR/r50.pth --steps N --batch B [--channels-last] [--prior-layers L]
      iResNet50: the BatchNorm prior on L of its BatchNorm layers' inputs, spread evenly.
torch.set_num_threads(2) (the benchmark machine has 2 cores)."""
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from frfeature_torch import FrFeature  # noqa: E402


def arg(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


torch.set_num_threads(2)
if sys.argv[1] == "write-r50":
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn"))
    import make_family_checkpoints as ref_module  # noqa: E402
    torch.manual_seed(20240612)
    net = ref_module.build("iresnet50", "arcface")
    calib = ref_module.preprocess(np.random.RandomState(11).normal(128, 60, size=(8, 112, 112, 3)).clip(0, 255).astype(np.uint8), "arcface")
    ref_module.randomise(net, torch.Generator().manual_seed(20240612), calib)
    torch.save(net.state_dict(), sys.argv[2] + "/r50.pth")
    sys.exit(0)

model = sys.argv[1]
steps, batch, prior_layers = arg("--steps", 20), arg("--batch", 8), arg("--prior-layers", 12)
channels_last = "--channels-last" in sys.argv
use_prior = "--no-prior" not in sys.argv
torch.manual_seed(1)
fmt = torch.channels_last if channels_last else torch.contiguous_format


def spread(total, keep):
    """The layers core/inversion's StatisticsPrior keeps: `keep` spread evenly, the first included."""
    if keep <= 0 or total <= keep:
        return set(range(total))
    return {0 if keep == 1 else k * (total - 1) // (keep - 1) for k in range(keep)}


if model.endswith(".onnx"):   # fr_feature: statistics of convolution outputs (measured on random faces here)
    graph = FrFeature(model)
    w = graph.weights(channels_last)
    with torch.no_grad():
        outs = []
        graph.run(torch.randn(32, 3, 112, 112).contiguous(memory_format=fmt), w, outs)
        ref = [(o.mean((0, 2, 3)), o.var((0, 2, 3), unbiased=False)) for o in outs]
    keep = spread(len(ref), prior_layers)

    def forward(x):
        outs = [] if use_prior else None
        e = graph.run(x, w, outs)
        return e, ([(o, ref[k]) for k, o in enumerate(outs) if k in keep] if use_prior else [])
else:   # iResNet50: BatchNorm inputs against the running statistics
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn"))
    import make_family_checkpoints as ref_module  # noqa: E402
    net = ref_module.build("iresnet50", "arcface")
    net.load_state_dict(torch.load(model), strict=True)
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    if channels_last:
        net = net.to(memory_format=torch.channels_last)
    bns = [m for m in net.modules() if isinstance(m, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d))]
    keep = spread(len(bns), prior_layers)
    seen = []
    for k, bn in enumerate(bns):
        if k in keep and isinstance(bn, torch.nn.BatchNorm2d):
            bn.register_forward_pre_hook(lambda mod, inp: seen.append((inp[0], (mod.running_mean, mod.running_var))))

    def forward(x):
        seen.clear()
        e = net(x)
        return e, list(seen) if use_prior else []
centres = F.normalize(torch.randn(24, 512), dim=1)
cls = 3
s, m = 64.0, 0.5
low, high = ((0 - 127) / 128, (255 - 127) / 128) if model.endswith(".onnx") else (-1.0, 1.0)

x = torch.randn(batch, 3, 112, 112).clamp(low, high).contiguous(memory_format=fmt).requires_grad_(True)
opt = torch.optim.Adam([x], lr=0.2, betas=(0.5, 0.9))


def tv(t):
    return ((t[:, :, :, :-1] - t[:, :, :, 1:]).norm() + (t[:, :, :-1, :] - t[:, :, 1:, :]).norm() +
            (t[:, :, 1:, :-1] - t[:, :, :-1, 1:]).norm() + (t[:, :, :-1, :-1] - t[:, :, 1:, 1:]).norm())


def step(i, total):
    for g in opt.param_groups:
        g["lr"] = 0.5 * 0.2 * (1 + math.cos(math.pi * i / total))
    dy, dx = [int(v) for v in torch.randint(-14, 15, (2,))]
    xi = torch.roll(x, (dy, dx), (2, 3))
    if torch.rand(1).item() < 0.5:
        xi = torch.flip(xi, (3,))
    raw, taps = forward(xi)
    e = F.normalize(raw, dim=1)
    cos = (e @ centres.t()).clamp(-1 + 1e-7, 1 - 1e-7)
    t = cos[:, cls]
    phi = torch.where(t > math.cos(math.pi - m), t * math.cos(m) - torch.sqrt(1 - t * t) * math.sin(m),
                      t - math.sin(math.pi - m) * m)
    logits = s * (cos + F.one_hot(torch.tensor([cls] * batch), 24) * (phi - t).unsqueeze(1))
    loss = F.cross_entropy(logits, torch.tensor([cls] * batch))
    if taps:
        prior = 0
        for k, (o, (rm, rv)) in enumerate(taps):
            v, mu = torch.var_mean(o, (0, 2, 3), unbiased=False)
            term = (mu - rm).norm() + (v - rv).norm()
            prior = prior + (10 * term if k == 0 else term)
        loss = loss + 0.01 * prior
    loss = loss + 1e-4 * tv(x) + 1e-5 * x.reshape(batch, -1).norm(dim=1).mean()
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        x.clamp_(low, high)


for i in range(2):   # warm-up: allocator and oneDNN kernels
    step(i, steps + 2)
start = time.perf_counter()
for i in range(steps):
    step(i + 2, steps + 2)
seconds = time.perf_counter() - start
print(f"RESULT {steps / seconds:.4f}  (pytorch {torch.__version__} {'channels-last' if channels_last else 'NCHW'}, "
      f"{len(keep) if use_prior else 0} prior layers)")
