#!/usr/bin/env python3
"""Reference checkpoints for tests/nn/test_nn_families.cpp, written by PyTorch itself.

  make_family_checkpoints.py make OUTDIR
      Writes, with a fixed seed, genuine torch.save checkpoints in the reference layouts with random
      weights and randomised BatchNorm statistics (not identity), a fixed batch of faces and
      PyTorch's embeddings for them (reference modules in eval mode):
        faces.u8                 B x 112 x 112 x 3 uint8, BGR (as cv2.imread gives), raw
        r50_magface.pth          {'state_dict': {'module.features.*', 'module.fc.weight' head}, 'epoch', 'arch'}
        r100_magface.pth         {'state_dict': {'features.module.*', 'fc.weight' [10718, 512] head}, 'epoch', 'arch'}
        r50_arcface.pth          plain arcface_torch state_dict (zip)
        r18_legacy.pth           plain arcface_torch state_dict, legacy (non-zip) torch.save format
        mbf.pth                  arcface_torch MobileFaceNet ("mbf") state_dict
        <name>.emb               float32 B x 512 embeddings of faces.u8 under the file's convention
        index.txt                "<name> <arch> <layout>" per line
  make_family_checkpoints.py embed ARCH LAYOUT PTH FACES OUT
      Loads PTH (a plain state_dict, as FaceLab's save() writes it) into the reference module with
      load_state_dict(strict=True) and writes the embeddings of FACES to OUT.

The modules below follow insightface arcface_torch backbones/iresnet.py and mobilefacenet.py
(MagFace's iresnet.py differs only in BN eps 2e-5 / momentum 0.9 and Dropout2d).
"""
import sys

import numpy as np
import torch
from torch import nn

BATCH = 2
BLOCKS = {18: [2, 2, 2, 2], 34: [3, 4, 6, 3], 50: [3, 4, 14, 3], 100: [3, 13, 30, 3], 200: [6, 26, 60, 6]}


# --- iResNet -------------------------------------------------------------------------------------
class IBasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride, eps):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(inplanes, eps=eps)
        self.conv1 = nn.Conv2d(inplanes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes, eps=eps)
        self.prelu = nn.PReLU(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes, eps=eps)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes, eps=eps))

    def forward(self, x):
        out = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        identity = self.downsample(x) if self.downsample is not None else x
        return out + identity


class IResNet(nn.Module):
    def __init__(self, layers, eps=1e-5, num_features=512):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(64, eps=eps)
        self.prelu = nn.PReLU(64)
        inplanes = 64
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers)):
            blocks = []
            for b in range(n):
                blocks.append(IBasicBlock(inplanes, planes, 2 if b == 0 else 1, eps))
                inplanes = planes
            setattr(self, 'layer%d' % (i + 1), nn.Sequential(*blocks))
        self.bn2 = nn.BatchNorm2d(512, eps=eps)
        self.dropout = nn.Dropout(p=0.0)
        self.fc = nn.Linear(512 * 7 * 7, num_features)
        self.features = nn.BatchNorm1d(num_features, eps=eps)

    def forward(self, x):
        x = self.prelu(self.bn1(self.conv1(x)))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        x = self.dropout(torch.flatten(self.bn2(x), 1))
        return self.features(self.fc(x))


# --- MobileFaceNet (arcface_torch "mbf") -----------------------------------------------------------
class ConvBlock(nn.Module):
    def __init__(self, in_c, out_c, kernel=1, stride=1, padding=0, groups=1, linear=False):
        super().__init__()
        mods = [nn.Conv2d(in_c, out_c, kernel, stride, padding, groups=groups, bias=False), nn.BatchNorm2d(out_c)]
        if not linear:
            mods.append(nn.PReLU(out_c))
        self.layers = nn.Sequential(*mods)

    def forward(self, x):
        return self.layers(x)


class DepthWise(nn.Module):
    def __init__(self, in_c, out_c, residual, stride, groups):
        super().__init__()
        self.residual = residual
        self.layers = nn.Sequential(ConvBlock(in_c, groups), ConvBlock(groups, groups, 3, stride, 1, groups=groups),
                                    ConvBlock(groups, out_c, linear=True))

    def forward(self, x):
        y = self.layers(x)
        return x + y if self.residual else y


class Residual(nn.Module):
    def __init__(self, c, n, groups):
        super().__init__()
        self.layers = nn.Sequential(*[DepthWise(c, c, True, 1, groups) for _ in range(n)])

    def forward(self, x):
        return self.layers(x)


class GDC(nn.Module):
    def __init__(self, emb):
        super().__init__()
        self.layers = nn.Sequential(ConvBlock(512, 512, 7, 1, 0, groups=512, linear=True), nn.Flatten(),
                                    nn.Linear(512, emb, bias=False), nn.BatchNorm1d(emb))

    def forward(self, x):
        return self.layers(x)


class MobileFaceNet(nn.Module):
    def __init__(self, num_features=512, blocks=(1, 4, 6, 2), scale=2):
        super().__init__()
        s = scale
        self.layers = nn.ModuleList()
        self.layers.append(ConvBlock(3, 64 * s, 3, 2, 1))
        if blocks[0] == 1:
            self.layers.append(ConvBlock(64 * s, 64 * s, 3, 1, 1, groups=64))
        else:
            self.layers.append(Residual(64 * s, blocks[0], 128))
        self.layers.extend([
            DepthWise(64 * s, 64 * s, False, 2, 128), Residual(64 * s, blocks[1], 128),
            DepthWise(64 * s, 128 * s, False, 2, 256), Residual(128 * s, blocks[2], 256),
            DepthWise(128 * s, 128 * s, False, 2, 512), Residual(128 * s, blocks[3], 256)])
        self.conv_sep = ConvBlock(128 * s, 512)
        self.features = GDC(num_features)

    def forward(self, x):
        for f in self.layers:
            x = f(x)
        return self.features(self.conv_sep(x))


# --- helpers ---------------------------------------------------------------------------------------
def build(arch, layout):
    if arch == 'mbf':
        return MobileFaceNet()
    depth = int(arch[len('iresnet'):])
    return IResNet(BLOCKS[depth], eps=2e-5 if layout == 'magface' else 1e-5)


def randomise(model, gen, calib):
    """Random weights, then BatchNorm statistics measured on a calibration batch (so each layer's
    input stays normalised through 100 layers and the embedding depends on the face) and then
    perturbed, so they are far from identity and not the batch's own."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=gen) * (1.0 / fan_in ** 0.5))
                if m.bias is not None:
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.05)
            elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                c = m.num_features
                m.weight.copy_(0.5 + 0.5 * torch.rand(c, generator=gen))
                m.bias.copy_(torch.randn(c, generator=gen) * 0.1)
                m.momentum = 1.0
            elif isinstance(m, nn.PReLU):
                m.weight.copy_(0.1 + 0.2 * torch.rand(m.weight.shape, generator=gen))
        model.train()
        model(calib)
        for m in model.modules():
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                c = m.num_features
                sd = m.running_var.sqrt()
                m.running_mean.add_(0.2 * sd * torch.randn(c, generator=gen))
                m.running_var.mul_(0.7 + 0.7 * torch.rand(c, generator=gen))
                m.num_batches_tracked.fill_(int(torch.randint(1, 100000, (1,), generator=gen)))
                m.momentum = 0.1
        model.eval()


def preprocess(faces_bgr, layout):
    x = torch.from_numpy(faces_bgr.astype(np.float32)).permute(0, 3, 1, 2)  # B x 3 x H x W, BGR
    if layout == 'magface':
        return (x / 255.0).contiguous()
    return ((x.flip(1) - 127.5) / 127.5).contiguous()  # RGB


def embed(model, faces, layout):
    model.eval()
    with torch.no_grad():
        return model(preprocess(faces, layout)).numpy().astype(np.float32)


def read_faces(path):
    return np.fromfile(path, dtype=np.uint8).reshape(-1, 112, 112, 3)


def make(out):
    torch.manual_seed(20240611)
    gen = torch.Generator().manual_seed(20240611)
    rng = np.random.RandomState(7)
    # Smooth random "faces": low-frequency noise upsampled, so activations look like an image's.
    small = rng.randint(0, 256, size=(BATCH, 14, 14, 3)).astype(np.float32)
    faces = np.repeat(np.repeat(small, 8, axis=1), 8, axis=2)
    faces = np.clip(faces + rng.normal(0, 12, size=faces.shape), 0, 255).astype(np.uint8)
    faces.tofile(out + '/faces.u8')

    index = []
    for name, arch, layout in [('r50_magface', 'iresnet50', 'magface'), ('r100_magface', 'iresnet100', 'magface'),
                               ('r50_arcface', 'iresnet50', 'arcface'), ('r18_legacy', 'iresnet18', 'arcface'),
                               ('mbf', 'mbf', 'arcface')]:
        model = build(arch, layout)
        calib = preprocess(np.clip(rng.normal(128, 60, size=(8, 112, 112, 3)), 0, 255).astype(np.uint8), layout)
        randomise(model, gen, calib)
        sd = model.state_dict()
        path = out + '/' + name + '.pth'
        if name == 'r50_magface':
            state = {'module.features.' + k: v for k, v in sd.items()}
            state['module.fc.weight'] = torch.randn(10718, 512, generator=gen)
            torch.save({'epoch': 25, 'arch': arch, 'state_dict': state}, path)
        elif name == 'r100_magface':
            state = {'features.module.' + k: v for k, v in sd.items()}
            state['fc.weight'] = torch.randn(10718, 512, generator=gen)
            torch.save({'epoch': 25, 'arch': arch, 'state_dict': state}, path)
        elif name == 'r18_legacy':
            torch.save(sd, path, _use_new_zipfile_serialization=False)
        else:
            torch.save(sd, path)
        embed(model, faces, layout).tofile(out + '/' + name + '.emb')
        index.append('%s %s %s %d' % (name, arch, layout, len(sd)))
    with open(out + '/index.txt', 'w') as f:
        f.write('\n'.join(index) + '\n')


def embed_saved(arch, layout, pth, faces_path, out):
    model = build(arch, layout)
    model.load_state_dict(torch.load(pth), strict=True)
    embed(model, read_faces(faces_path), layout).tofile(out)


def magface18(path):
    """One small MagFace-layout iResNet18 with a classifier head, for the command-line test."""
    gen = torch.Generator().manual_seed(18)
    rng = np.random.RandomState(18)
    model = build('iresnet18', 'magface')
    calib = preprocess(np.clip(rng.normal(128, 60, size=(8, 112, 112, 3)), 0, 255).astype(np.uint8), 'magface')
    randomise(model, gen, calib)
    state = {'features.module.' + k: v for k, v in model.state_dict().items()}
    state['fc.weight'] = torch.randn(100, 512, generator=gen)
    torch.save({'epoch': 3, 'arch': 'iresnet18', 'state_dict': state}, path)


if __name__ == '__main__':
    if len(sys.argv) == 3 and sys.argv[1] == 'magface18':
        magface18(sys.argv[2])
        sys.exit(0)
    torch.set_num_threads(2)
    if len(sys.argv) == 3 and sys.argv[1] == 'make':
        make(sys.argv[2])
    elif len(sys.argv) == 7 and sys.argv[1] == 'embed':
        embed_saved(*sys.argv[2:])
    else:
        sys.exit(__doc__)
