#!/usr/bin/python3
"""Writes genuine CryptoFace PatchCNN checkpoints and TorchScript modules with the reference writer
(Debian's python3-torch), plus PyTorch's own outputs, for test_nn_pcnn. Usage:
make_pcnn_checkpoints.py OUTDIR
make_pcnn_checkpoints.py --embed CKPT SIZE FACES.u8 OUT.f32   (strict load_state_dict of ckpt["backbone"]
                                                             into the reference net, embeddings of FACES)

Files (float32 and uint8 raw, C order):
  faces.u8                 B x 112 x 112 x 3 uint8 faces, BGR (as OpenCV holds them), B = 6
  pcnn{S}_full.ckpt        {backbone, head, optimizer, scheduler, epoch, test_acc, jigsaw_weight}
                           as CryptoFace's train.py writes it (S = 64, 96)
  pcnn{S}_backbone.ckpt    {backbone: state_dict} (published backbone-only layout)
  pcnn{S}_emb.f32          B x 256 eval-mode embeddings of faces.u8 preprocessed as CryptoFace's
                           evaluation does: RGB, /255, (x-0.5)/0.5, THEN bilinear antialiased resize
  ts_good.pt               torch.jit.script module, N x 3 x 112 x 112 -> N x 128
  ts_good_in.f32           B x 3 x 112 x 112 input, ts_good_out.f32 B x 128 its output
  ts_tuple.pt              a script module returning a tuple (embedding, logits)
The network is written here from CryptoFace's description (models/pcnn.py); names match its
state_dict. Weights are random, BatchNorm statistics calibrated on data then randomised, and the
head BatchNorm1d holds means around 10 and variances in the hundreds as real checkpoints do."""
import math
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class HerPN(nn.Module):
    def __init__(self, planes):
        super().__init__()
        self.bn0 = nn.BatchNorm2d(planes, affine=False)
        self.bn1 = nn.BatchNorm2d(planes, affine=False)
        self.bn2 = nn.BatchNorm2d(planes, affine=False)
        self.weight = nn.Parameter(torch.ones(planes, 1, 1))
        self.bias = nn.Parameter(torch.zeros(planes, 1, 1))

    def forward(self, x):
        x0 = self.bn0(torch.ones_like(x))
        x1 = self.bn1(x)
        x2 = self.bn2((torch.square(x) - 1) / math.sqrt(2))
        out = x0 / math.sqrt(2 * math.pi) + x1 / 2 + x2 / math.sqrt(4 * math.pi)
        return self.weight * out + self.bias


class HerPNConv(nn.Module):
    def __init__(self, cin, cout, stride=1):
        super().__init__()
        self.herpn1 = HerPN(cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.herpn2 = HerPN(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.shortcut = nn.Sequential()
        if stride != 1 or cin != cout:
            self.shortcut = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        x = self.herpn1(x)
        out = self.conv2(self.herpn2(self.conv1(x)))
        return out + self.shortcut(x)


class HerPNPool(nn.Module):
    def __init__(self, planes):
        super().__init__()
        self.herpn = HerPN(planes)
        self.pool = nn.AdaptiveAvgPool2d((2, 2))

    def forward(self, x):
        return self.pool(self.herpn(x))


class Backbone(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
        self.layers = nn.Sequential(HerPNConv(16, 16), HerPNConv(16, 32, 2), HerPNConv(32, 32),
                                    HerPNConv(32, 64, 2), HerPNConv(64, 64))
        self.herpnpool = HerPNPool(64)
        self.bn = nn.BatchNorm1d(256)

    def forward(self, x):
        out = self.herpnpool(self.layers(self.conv(x)))
        return self.bn(out.flatten(1))


class PatchCNN(nn.Module):
    def __init__(self, input_size):
        super().__init__()
        self.input_size = input_size
        self.g = input_size // 32
        self.n = self.g * self.g
        self.nets = nn.ModuleList([Backbone() for _ in range(self.n)])
        self.linear = nn.Linear(self.n * 256, 256)
        self.bn = nn.BatchNorm1d(256, affine=False)
        self.jigsaw = nn.Linear(256, self.n)

    def features(self, x):
        b = x.shape[0]
        x = x.view(b, 3, self.g, 32, self.g, 32).permute(2, 4, 0, 1, 3, 5).reshape(self.n, b, 3, 32, 32)
        return torch.stack([self.nets[i](x[i]) for i in range(self.n)], dim=1)  # b x n x 256

    def forward(self, x):
        f = self.features(x)
        return self.bn(self.linear(f.reshape(f.shape[0], -1)))


def preprocess(faces_bgr_u8, size):
    x = torch.from_numpy(faces_bgr_u8[..., ::-1].copy()).permute(0, 3, 1, 2).float()  # RGB
    x = (x / 255.0 - 0.5) / 0.5
    return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False, antialias=True)


def randomise(model, calib):
    gen = torch.Generator().manual_seed(7)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, HerPN):
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=gen))
            elif isinstance(m, nn.BatchNorm2d) and m.affine or isinstance(m, nn.BatchNorm1d) and m.affine:
                m.weight.copy_(1 + 0.2 * torch.randn(m.weight.shape, generator=gen))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=gen))
        # Calibrate every BatchNorm in eval mode, in forward order (a pre-hook sets the statistics of
        # the input it is about to normalise, so later layers see calibrated ones), then randomise the
        # statistics a little: HerPN squares its input five times, so the eval-mode activations must
        # stay near the ones the statistics describe for the network to be well conditioned.
        def calibrate(m, inputs):
            x = inputs[0]
            dims = [0] + list(range(2, x.dim()))
            if m is model.bn:
                return
            mean, var = x.mean(dims), x.var(dims)
            if torch.all(var == 0):  # bn0 sees ones: keep a small offset as real files have
                mean = 1 - 0.05 * torch.rand(mean.shape, generator=gen)
                var = 0.01 + 0.01 * torch.rand(var.shape, generator=gen)
            else:
                mean = mean + 0.02 * var.sqrt() * torch.randn(mean.shape, generator=gen)
                var = var * (0.95 + 0.1 * torch.rand(var.shape, generator=gen))
            m.running_mean.copy_(mean)
            m.running_var.copy_(var)
            m.num_batches_tracked.fill_(1000)

        model.eval()
        hooks = [m.register_forward_pre_hook(calibrate) for m in model.modules()
                 if isinstance(m, nn.modules.batchnorm._BatchNorm)]
        model.features(calib)
        for h in hooks:
            h.remove()
        # Head: linear outputs with means around 10 and variances in the hundreds, as real files have.
        f = model.features(calib).reshape(calib.shape[0], -1)
        y = model.linear(f)
        model.linear.weight.mul_(20.0 / y.std(0).clamp_min(1e-6)[:, None])
        model.linear.bias.copy_(10 + 3 * torch.randn(256, generator=gen))
        y = model.linear(f)
        model.bn.running_mean.copy_(y.mean(0) + 0.5 * torch.randn(256, generator=gen))
        model.bn.running_var.copy_(y.var(0) * (0.8 + 0.4 * torch.rand(256, generator=gen)))
        model.bn.num_batches_tracked.fill_(1000)
        model.bn.momentum = 0.1


def embed(ckpt_path, size, faces_path, out_path):
    faces = np.fromfile(faces_path, dtype=np.uint8).reshape(-1, 112, 112, 3)
    model = PatchCNN(size)
    model.load_state_dict(torch.load(ckpt_path)["backbone"], strict=True)
    with torch.no_grad():
        model.eval()(preprocess(faces, size)).numpy().astype(np.float32).tofile(out_path)


def main():
    if sys.argv[1] == "--embed":
        embed(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
        return
    out = sys.argv[1]
    torch.manual_seed(1234)
    np.random.seed(1234)
    batch = 6
    faces = np.random.randint(0, 256, size=(batch, 112, 112, 3), dtype=np.uint8)
    faces.tofile(os.path.join(out, "faces.u8"))
    calib_faces = np.random.randint(0, 256, size=(64, 112, 112, 3), dtype=np.uint8)
    for size in (64, 96):
        model = PatchCNN(size)
        randomise(model, preprocess(calib_faces, size))
        with torch.no_grad():
            emb = model(preprocess(faces, size))
        emb.numpy().astype(np.float32).tofile(os.path.join(out, f"pcnn{size}_emb.f32"))
        sd = {k: v.clone() for k, v in model.state_dict().items()}
        head = {"kernel": torch.randn(256, 100)}
        opt = torch.optim.SGD(list(model.parameters()) + [head["kernel"].requires_grad_()], lr=0.1, momentum=0.9)
        for p in opt.param_groups[0]["params"]:
            opt.state[p]["momentum_buffer"] = torch.zeros_like(p)
        sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[10, 20], gamma=0.1)
        torch.save({"backbone": sd, "head": {"kernel": head["kernel"].detach()}, "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(), "epoch": 25, "test_acc": 0.9123, "jigsaw_weight": 0.1},
                   os.path.join(out, f"pcnn{size}_full.ckpt"))
        torch.save({"backbone": sd}, os.path.join(out, f"pcnn{size}_backbone.ckpt"))

    class Small(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, 2, 1)
            self.bn = nn.BatchNorm2d(8)
            self.fc = nn.Linear(8 * 4 * 4, 128)

        def forward(self, x):
            x = F.adaptive_avg_pool2d(F.relu(self.bn(self.conv(x))), (4, 4))
            return self.fc(torch.flatten(x, 1))

    class Tupled(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = Small()
            self.cls = nn.Linear(128, 10)

        def forward(self, x):
            e = self.body(x)
            return e, self.cls(e)

    small = Small().eval()
    with torch.no_grad():
        small.bn.running_mean.copy_(0.1 * torch.randn(8))
        small.bn.running_var.copy_(0.5 + torch.rand(8))
    x = preprocess(faces, 112)
    with torch.no_grad():
        y = small(x)
    torch.jit.save(torch.jit.script(small), os.path.join(out, "ts_good.pt"))
    x.numpy().astype(np.float32).tofile(os.path.join(out, "ts_good_in.f32"))
    y.numpy().astype(np.float32).tofile(os.path.join(out, "ts_good_out.f32"))
    torch.jit.save(torch.jit.script(Tupled().eval()), os.path.join(out, "ts_tuple.pt"))


if __name__ == "__main__":
    main()
