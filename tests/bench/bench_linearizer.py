#!/usr/bin/python3
"""The PyTorch side of bench_linearizer (C++): the Linearizer surrogate f(x) = g_y^-1(A g_x(x)) of
core/linearizer written again in Debian's python3-torch 1.13, module for module, with the same
parameter names (so the C++ initial state_dict loads strictly), trained with the same loop as
LinearizerTrainer (streamed PNG crops, cached teacher targets, Adam, no augmentation).

  bench_linearizer.py DIR --threads N [--batch B] [--epochs E] [--warmup W] [--max-steps S]
                      [--max-seconds T] [--lean]

DIR is written by bench_linearizer:
  init.pth      the C++ model's initial state (torch.save file {"linearizer": state_dict, "config"})
  paths.txt     one image path per line (index order)
  targets.f32   count x D float32, the teacher's L2-normalised embeddings (row i = image i)
  train.txt     training indices (space separated); heldout.txt the held-out ones
  orders.txt    per epoch, the training order the C++ trainer's shuffle gives (one line per epoch)
  ref_f.f32     optional: C++'s f on the first held-out batch after ActNorm's data initialisation
The loop mirrors LinearizerTrainer::train: ActNorm initialised from the first max(B, 64) training
images (g_x on the faces, g_y on their targets), a held-out pass (not timed), then per batch: read
the PNGs (cv2.imread, BGR), RGB, (x - 127) / 128, forward, loss, loss.item(), zero_grad, backward,
Adam step. A step's time runs from the end of the previous step (or of the held-out pass) to the end
of its optimiser step, so reading the images is included, as in C++. The first W steps are not timed.
--max-steps stops after S steps, --max-seconds once T s have passed since the ActNorm pass began
(as the C++ child's limit counts from train()): the peak-memory run. --lean drops the log-determinants that
the C++ forward computes and throws away (InvertibleBlock::forward = forwardWithLogDet(x).first:
slogdet of each 1x1 mixing matrix, sums of the coupling scales) to show what they cost.

Prints "torch ...", "AGREE <max abs diff> <max abs C++>", "LOSS <first step> <epoch-1 mean>",
"RESULT <images/s> <images timed> <seconds timed> <batch / median full-batch step> <steps>",
"RSS <after imports kB> <after kB>" (ru_maxrss)."""
import math
import os
import resource
import sys
import time

import cv2
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

cv2.setNumThreads(0)   # imread does not use threads; keep OpenCV's pool out of the way


def arg(name, default):
    return type(default)(sys.argv[sys.argv.index(name) + 1]) if name in sys.argv else default


def max_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


LEAN = "--lean" in sys.argv


# --- core/linearizer, module for module ---------------------------------------------------------

class ActNorm(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.log_scale = nn.Parameter(torch.zeros(features))
        self.bias = nn.Parameter(torch.zeros(features))
        self.register_buffer("initialised", torch.zeros((), dtype=torch.uint8))

    def initialise_from(self, x):
        with torch.no_grad():
            xd = x.detach().to(self.bias.dtype)
            self.bias.copy_(-xd.mean(0))
            self.log_scale.copy_(-torch.log(xd.std(0, unbiased=False) + 1e-6))
            self.initialised.fill_(1)

    def forward(self, x):
        if self.training and x.shape[0] >= 2 and self.initialised.item() == 0:
            self.initialise_from(x)
        return (x + self.bias) * torch.exp(self.log_scale)

    def inverse(self, y):
        return y * torch.exp(-self.log_scale) - self.bias

    def log_det(self, x):
        return self.log_scale.sum().expand(x.shape[0])


class CouplingMlp(nn.Module):
    def __init__(self, i, o, hidden, layers):
        super().__init__()
        self.layers = nn.ModuleList(
            [nn.Linear(i if k == 0 else hidden, o if k == layers - 1 else hidden) for k in range(layers)])
        with torch.no_grad():
            self.layers[-1].weight.zero_()
            self.layers[-1].bias.zero_()

    def forward(self, x):
        n = len(self.layers)
        for k, layer in enumerate(self.layers):
            x = layer(x)
            if k + 1 < n:
                x = torch.relu(x)
        return x


class AffineCoupling(nn.Module):
    def __init__(self, features, hidden, layers=3, clamp=5.0):
        super().__init__()
        self.features, self.first, self.clamp = features, features // 2, clamp
        second = features - self.first
        self.s1 = CouplingMlp(second, self.first, hidden, layers)
        self.t1 = CouplingMlp(second, self.first, hidden, layers)
        self.s2 = CouplingMlp(self.first, second, hidden, layers)
        self.t2 = CouplingMlp(self.first, second, hidden, layers)

    def clamp_scale(self, s):
        return torch.clamp(s, -self.clamp, self.clamp)

    def forward_with_log_det(self, x):
        x1 = x.narrow(1, 0, self.first)
        x2 = x.narrow(1, self.first, self.features - self.first)
        sa = self.clamp_scale(self.s1(x2))
        y1 = (x1 + self.t1(x2)) * torch.exp(sa)
        sb = self.clamp_scale(self.s2(y1))
        y2 = (x2 + self.t2(y1)) * torch.exp(sb)
        return torch.cat([y1, y2], 1), (None if LEAN else sa.sum(1) + sb.sum(1))

    def inverse(self, y):
        y1 = y.narrow(1, 0, self.first)
        y2 = y.narrow(1, self.first, self.features - self.first)
        x2 = y2 * torch.exp(-self.clamp_scale(self.s2(y1))) - self.t2(y1)
        x1 = y1 * torch.exp(-self.clamp_scale(self.s1(x2))) - self.t1(x2)
        return torch.cat([x1, x2], 1)


class InvertibleLinear(nn.Module):
    def __init__(self, features):
        super().__init__()
        self.weight = nn.Parameter(torch.eye(features))   # the C++ seeded orthogonal start is loaded

    def forward(self, x):
        return torch.matmul(x, self.weight.t())

    def inverse(self, y):
        # solved in double, as InvertibleLinearImpl::inverse
        wide = torch.float64 if y.dtype == torch.float32 else y.dtype
        return torch.linalg.solve(self.weight.to(wide), y.t().to(wide)).t().to(y.dtype)

    def log_abs_det(self):
        return torch.linalg.slogdet(self.weight)[1]


class InvertibleBlock(nn.Module):
    def __init__(self, features, hidden, layers, clamp):
        super().__init__()
        self.act_norm = ActNorm(features)
        self.coupling = AffineCoupling(features, hidden, layers, clamp)
        self.mixing = InvertibleLinear(features)

    def forward_with_log_det(self, x):
        h = self.act_norm(x)
        if LEAN:
            return self.mixing(self.coupling.forward_with_log_det(h)[0]), None
        log_det = self.act_norm.log_det(x)
        c, cl = self.coupling.forward_with_log_det(h)
        y = self.mixing(c)
        return y, log_det + cl + self.mixing.log_abs_det()

    def forward(self, x):
        return self.forward_with_log_det(x)[0]

    def inverse(self, y):
        return self.act_norm.inverse(self.coupling.inverse(self.mixing.inverse(y)))


class InvertibleNet(nn.Module):
    def __init__(self, features, blocks, hidden, layers, clamp):
        super().__init__()
        self.blocks = nn.ModuleList([InvertibleBlock(features, hidden, layers, clamp) for _ in range(blocks)])

    def forward(self, x):
        for b in self.blocks:
            x = b(x)
        return x

    def inverse(self, y):
        for b in reversed(self.blocks):
            y = b.inverse(y)
        return y


class ImageEncoder(nn.Module):
    def __init__(self, in_channels, channels, latent):
        super().__init__()
        layers, c_in = [], in_channels
        for i, c_out in enumerate(channels):
            k = 7 if i == 0 else 3
            layers += [nn.Conv2d(c_in, c_out, k, stride=2, padding=k // 2, bias=False),
                       nn.GroupNorm(math.gcd(c_out, 8), c_out), nn.ReLU()]
            c_in = c_out
        self.features = nn.Sequential(*layers)
        self.head = nn.Linear(c_in, latent)

    def forward(self, x):
        return self.head(self.features(x).mean((2, 3)))


class LinearOperator(nn.Module):   # full rank: A = weight (D x L), starting at the identity
    def __init__(self, latent, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.eye(dim, latent))

    def forward(self, z):
        return torch.matmul(z, self.weight.t())


class Linearizer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        L, D = int(cfg["latent"]), int(cfg["embedding"])
        blocks, hidden, layers, clamp = int(cfg["blocks"]), int(cfg["hidden"]), int(cfg["layers"]), float(cfg["clamp"])
        c, h, w = (int(v) for v in cfg["input"].split("x"))
        if int(cfg["rank"]) != 0:
            raise SystemExit("bench_linearizer.py: only a full-rank A is written here")
        self.encoder = ImageEncoder(c, [int(v) for v in cfg["encoder"].split(",")], L)
        self.g_x = InvertibleNet(L, blocks, hidden, layers, clamp)
        self.a = LinearOperator(L, D)
        self.g_y = InvertibleNet(D, blocks, hidden, layers, clamp)

    def gx(self, x):
        return self.g_x(self.encoder(x))

    def forward(self, x):
        return self.g_y.inverse(self.a(self.gx(x)))


# --- the training loop of LinearizerTrainer ------------------------------------------------------

def main():
    rss_before = max_rss_kb()
    d = sys.argv[1]
    threads = arg("--threads", 2)
    batch, epochs, warmup = arg("--batch", 32), arg("--epochs", 1), arg("--warmup", 3)
    max_steps, max_seconds = arg("--max-steps", 0), arg("--max-seconds", 0.0)
    torch.set_num_threads(threads)
    try:
        torch.set_num_interop_threads(1)   # as nn::initEngine
    except RuntimeError:
        pass
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{'lean (no unused log-dets)' if LEAN else 'as the C++ forward'}", flush=True)

    saved = torch.load(os.path.join(d, "init.pth"))
    cfg = dict(kv.split("=", 1) for kv in saved["config"].split())
    model = Linearizer(cfg)
    model.load_state_dict(saved["linearizer"], strict=True)
    del saved
    dim = int(cfg["embedding"])
    with open(os.path.join(d, "paths.txt")) as f:
        paths = [line.rstrip("\n") for line in f if line.strip()]
    targets = np.fromfile(os.path.join(d, "targets.f32"), dtype=np.float32).reshape(len(paths), dim)

    def ints(name):
        with open(os.path.join(d, name)) as f:
            return [[int(v) for v in line.split()] for line in f if line.strip()]

    train, held_out, orders = ints("train.txt")[0], ints("heldout.txt")[0], ints("orders.txt")

    def load(idx):
        faces = []
        for i in idx:
            f = cv2.imread(paths[i], cv2.IMREAD_COLOR)
            if f is None:
                raise SystemExit(f"cannot read {paths[i]}")
            faces.append(f)
        x = np.stack(faces)[..., ::-1].transpose(0, 3, 1, 2).astype(np.float32)   # BGR -> RGB, NCHW
        return torch.from_numpy((x - 127.0) / 128.0)

    def target(idx):
        return torch.from_numpy(targets[idx])

    def loss_of(f, t, mse_weight=1.0, cosine_weight=1.0):
        sq = (f - t).pow(2).sum(1)
        cos = F.cosine_similarity(f, t, dim=1, eps=1e-8)
        return mse_weight * sq.mean() + cosine_weight * (1 - cos).mean()

    def held_out_pass():
        model.eval()
        total = 0.0
        with torch.no_grad():
            for s in range(0, len(held_out), batch):
                idx = held_out[s:s + batch]
                total += loss_of(model(load(idx)), target(idx)).item() * len(idx)
        return total / len(held_out)

    # The trainer keeps a copy of the best trained epoch's state (the untrained one until then).
    best = {"loss": math.inf, "state": None}

    def keep_state():
        best["state"] = {k: v.detach().clone() for k, v in model.state_dict().items()}

    # ActNorm from data: g_x from the first max(B, 64) training faces, g_y from their targets.
    start = time.perf_counter()
    model.train()
    with torch.no_grad():
        idx = train[:min(len(train), max(batch, 64))]
        model.gx(load(idx))
        model.g_y(target(idx))
    ref = os.path.join(d, "ref_f.f32")
    if os.path.exists(ref):
        model.eval()
        idx = held_out[:batch]
        with torch.no_grad():
            f = model(load(idx)).numpy()
        r = np.fromfile(ref, dtype=np.float32).reshape(len(idx), dim)
        print(f"AGREE {np.abs(f - r).max():.4g} {np.abs(r).max():.4g}", flush=True)

    opt = torch.optim.Adam(model.parameters(), lr=1e-4, betas=(0.9, 0.999))
    held_out_pass()
    keep_state()
    step, timed_images, timed_seconds, first_loss = 0, 0, 0.0, float("nan")
    full_steps = []   # timed steps of a full batch
    epoch_losses = []
    done = False
    for epoch in range(epochs):
        order = orders[epoch % len(orders)]
        model.train()
        loss_sum, seen = 0.0, 0
        mark = time.perf_counter()
        for s in range(0, len(order), batch):
            idx = order[s:s + batch]
            if len(idx) < 2:
                continue
            t = target(idx)
            f = model(load(idx))
            loss = loss_of(f, t)
            l = loss.item()
            if not math.isfinite(l):
                raise SystemExit("the loss diverged")
            opt.zero_grad()
            loss.backward()
            opt.step()
            now = time.perf_counter()
            step += 1
            if step > warmup:
                timed_images += len(idx)
                timed_seconds += now - mark
                if len(idx) == batch:
                    full_steps.append(now - mark)
            mark = now
            if step == 1:
                first_loss = l
            loss_sum += l * len(idx)
            seen += len(idx)
            if (max_steps and step >= max_steps) or (max_seconds and now - start >= max_seconds):
                done = True
                break
        epoch_losses.append(loss_sum / max(seen, 1))
        if done:
            break
        loss = held_out_pass()
        if loss < best["loss"]:
            best["loss"] = loss
            keep_state()
    print(f"LOSS {first_loss:.6f} {epoch_losses[0]:.6f}", flush=True)
    ips = timed_images / timed_seconds if timed_seconds > 0 else 0.0
    median = batch / float(np.median(full_steps)) if full_steps else 0.0
    print(f"RESULT {ips:.3f} {timed_images} {timed_seconds:.3f} {median:.3f} {step}", flush=True)
    print(f"RSS {rss_before} {max_rss_kb()}", flush=True)


if __name__ == "__main__":
    main()
