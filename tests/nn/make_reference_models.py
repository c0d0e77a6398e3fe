#!/usr/bin/python3
"""Writes ONNX files with the reference exporter (Debian's python3-torch) plus PyTorch's own outputs,
for test_nn_pytorch_exports. Usage: make_reference_models.py OUTDIR

For each model NAME: NAME.onnx, NAME.input.bin / NAME.output.bin (float32, C order) and a line in
index.txt: "NAME opset input_shape output_shape" with shapes as comma-separated dims. The batch
stored is 3 even for graphs exported with batch 1: the executor must keep the samples apart."""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class IBasicBlock(nn.Module):
    # InsightFace iResNet block: bn1 -> conv3x3 -> bn2 -> PReLU -> conv3x3(stride) -> bn3 (+ downsample)
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.bn1 = nn.BatchNorm2d(cin, eps=2e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout, eps=2e-5)
        self.prelu = nn.PReLU(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, stride, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(cout, eps=2e-5)
        self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout, eps=2e-5))

    def forward(self, x):
        y = self.bn3(self.conv2(self.prelu(self.bn2(self.conv1(self.bn1(x))))))
        return y + self.down(x)


class MiniIResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(8, eps=2e-5)
        self.prelu = nn.PReLU(8)
        self.layer1 = IBasicBlock(8, 16, 2)
        self.layer2 = IBasicBlock(16, 16, 2)
        self.bn2 = nn.BatchNorm2d(16, eps=2e-5)
        self.dropout = nn.Dropout(0.4)
        self.fc = nn.Linear(16 * 8 * 8, 32)
        self.features = nn.BatchNorm1d(32, eps=2e-5)

    def forward(self, x):
        x = (x - 0.5) * 2.0  # input normalisation inside the graph, as some exports do
        x = self.prelu(self.bn1(self.conv1(x)))
        x = self.bn2(self.layer2(self.layer1(x)))
        x = torch.flatten(self.dropout(x), 1)
        return self.features(self.fc(x))


class Relu6Net(nn.Module):
    # ReLU6 exported from opset 11 on is Clip with constant min/max inputs, which OpenCV 4.6 refuses
    # unless FaceLab rewrites them into attributes for its cross-check.
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, 2, 1)
        self.conv2 = nn.Conv2d(8, 16, 3, 2, 1)

    def forward(self, x):
        x = F.relu6(self.conv(x))
        x = F.relu6(self.conv2(x))
        return torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)


class OpMix(nn.Module):
    # Operators InsightFace-style exports use around the backbone: shape arithmetic, Clip (ReLU6),
    # Pad, pools with ceil_mode, an SE block (GlobalAveragePool, Sigmoid), normalisation by
    # ReduceMean/Pow/Sqrt, Transpose, MatMul, Concat, Unsqueeze/Squeeze.
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, 2, 0, groups=1)
        self.dw = nn.Conv2d(8, 8, 3, 1, 1, groups=8)
        self.se1 = nn.Conv2d(8, 4, 1)
        self.se2 = nn.Conv2d(4, 8, 1)
        self.proj = nn.Parameter(torch.randn(8, 6))

    def forward(self, x):
        x = F.pad(x, (1, 0, 1, 0))
        x = F.relu6(self.conv(x))
        x = F.max_pool2d(x, 3, 2, ceil_mode=True)
        x = self.dw(x)
        s = torch.sigmoid(self.se2(F.relu(self.se1(F.adaptive_avg_pool2d(x, 1)))))
        x = x * s
        x = F.avg_pool2d(x, 2, 1)
        x = x.view(x.size(0), x.size(1), -1).permute(0, 2, 1)  # N, HW, C
        x = torch.matmul(x, self.proj).mean(dim=1)  # N, 6
        x = torch.cat([x, x.unsqueeze(1).squeeze(1) * 0.5], dim=1)
        x = x / torch.sqrt(x.pow(2).mean(dim=1, keepdim=True) + 1e-6)
        return x - 0.1


def export(model, name, opset, dynamic, outdir, shape):
    torch.manual_seed(0)
    model.eval()
    with torch.no_grad():
        for m in model.modules():  # non-trivial BN statistics
            if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    dummy = torch.rand(1, *shape)
    path = os.path.join(outdir, name + ".onnx")
    torch.onnx.export(model, dummy, path, opset_version=opset, input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "N"}, "output": {0: "N"}} if dynamic else None)
    x = torch.rand(3, *shape)
    with torch.no_grad():
        y = model(x)
    x.numpy().astype("float32").tofile(os.path.join(outdir, name + ".input.bin"))
    y.numpy().astype("float32").tofile(os.path.join(outdir, name + ".output.bin"))
    dims = lambda t: ",".join(str(d) for d in t.shape)
    return f"{name} {opset} {dims(x)} {dims(y)}\n"


def main():
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    torch.manual_seed(0)
    lines = []
    iresnet = MiniIResNet()
    lines.append(export(iresnet, "iresnet_opset9_batch1", 9, False, outdir, (3, 32, 32)))
    lines.append(export(iresnet, "iresnet_opset11_dynamic", 11, True, outdir, (3, 32, 32)))
    lines.append(export(iresnet, "iresnet_opset13_dynamic", 13, True, outdir, (3, 32, 32)))
    lines.append(export(Relu6Net(), "relu6_opset13_batch1", 13, False, outdir, (3, 24, 24)))
    mix = OpMix()
    for opset in (9, 11, 13):
        lines.append(export(mix, f"opmix_opset{opset}_batch1", opset, False, outdir, (3, 24, 24)))
        lines.append(export(mix, f"opmix_opset{opset}_dynamic", opset, True, outdir, (3, 24, 24)))
    with open(os.path.join(outdir, "index.txt"), "w") as f:
        f.writelines(lines)


if __name__ == "__main__":
    main()
