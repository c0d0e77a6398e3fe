#!/usr/bin/python3
"""The PyTorch side of bench_families (C++): iResNet in Debian's python3-torch, eager, with the
reference module of tests/nn/make_family_checkpoints.py (insightface arcface_torch names).

  bench_families.py write DIR
      Writes, with fixed seeds, random-weight ArcFace-torch state_dicts DIR/r50.pth and DIR/r100.pth
      (randomised BatchNorm statistics, as make_family_checkpoints.py does), 32 smooth random BGR faces
      DIR/faces.u8 (32 x 112 x 112 x 3 uint8) and PyTorch's iResNet50 embeddings of them DIR/r50.emb
      (32 x 512 float32, not normalised; NCHW, eval, no_grad).
  bench_families.py bench DIR [--seconds S]
      One round: loads DIR/r50.pth, and for batch 1 and 32, NCHW and channels-last, warms up, then
      times one pass (calls repeated for at least S seconds, at least one call) on a prepared tensor.
      Prints "RESULT <layout> <batch> <images/s>" lines and the agreement of both layouts with r50.emb.
  bench_families.py rss100 DIR
      Loads DIR/r100.pth, embeds the 32 faces (channels-last, inference_mode), prints "VmHWM <kB>".

torch.set_num_threads(2) everywhere (the benchmark machine has 2 cores)."""
import os
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "nn"))
import make_family_checkpoints as ref  # noqa: E402

FACES = 32
LAYOUT = "arcface"


def vm_hwm_kb():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def write(out):
    torch.manual_seed(20240612)
    gen = torch.Generator().manual_seed(20240612)
    rng = np.random.RandomState(11)
    small = rng.randint(0, 256, size=(FACES, 14, 14, 3)).astype(np.float32)
    faces = np.repeat(np.repeat(small, 8, axis=1), 8, axis=2)
    faces = np.clip(faces + rng.normal(0, 12, size=faces.shape), 0, 255).astype(np.uint8)
    faces.tofile(out + "/faces.u8")
    for name, arch, calib_n in (("r50", "iresnet50", 8), ("r100", "iresnet100", 4)):
        model = ref.build(arch, LAYOUT)
        calib = ref.preprocess(np.clip(rng.normal(128, 60, size=(calib_n, 112, 112, 3)), 0, 255).astype(np.uint8),
                               LAYOUT)
        ref.randomise(model, gen, calib)
        torch.save(model.state_dict(), "%s/%s.pth" % (out, name))
        if name == "r50":
            ref.embed(model, faces, LAYOUT).tofile(out + "/r50.emb")


def load(d, arch, name, channels_last):
    model = ref.build(arch, LAYOUT)
    model.load_state_dict(torch.load("%s/%s.pth" % (d, name)), strict=True)
    model.eval()
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
    return model


def bench(d, seconds):
    faces = ref.read_faces(d + "/faces.u8")
    expected = np.fromfile(d + "/r50.emb", dtype=np.float32).reshape(len(faces), -1)

    def rate(batch, fn):
        calls, start = 0, time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                return calls * batch / elapsed

    print("torch %s, %d threads (interop %d), mkldnn %s" % (torch.__version__, torch.get_num_threads(),
                                                           torch.get_num_interop_threads(),
                                                           torch.backends.mkldnn.is_available()))
    for layout in ("nchw", "channels-last"):
        cl = layout == "channels-last"
        model = load(d, "iresnet50", "r50", cl)
        with torch.inference_mode():
            x_all = ref.preprocess(faces, LAYOUT)
            if cl:
                x_all = x_all.contiguous(memory_format=torch.channels_last)
            y = model(x_all).numpy()
            print("AGREE %s %.3g" % (layout, float(np.abs(y - expected).max())))
            for b in (1, 32):
                x = x_all[:b]
                if cl:
                    x = x.contiguous(memory_format=torch.channels_last)
                else:
                    x = x.contiguous()
                model(x)  # warm-up: oneDNN primitives, allocator
                if b == 1:
                    model(x)
                print("RESULT %s %d %.4f" % (layout, b, rate(b, lambda: model(x))), flush=True)


def rss100(d):
    faces = ref.read_faces(d + "/faces.u8")
    model = load(d, "iresnet100", "r100", True)
    with torch.inference_mode():
        x = ref.preprocess(faces, LAYOUT).contiguous(memory_format=torch.channels_last)
        y = model(x)
    print("embedded %d faces -> %s" % (len(faces), tuple(y.shape)))
    print("VmHWM %d" % vm_hwm_kb())


if __name__ == "__main__":
    torch.set_num_threads(2)
    if len(sys.argv) == 3 and sys.argv[1] == "write":
        write(sys.argv[2])
    elif len(sys.argv) >= 3 and sys.argv[1] == "bench":
        bench(sys.argv[2], float(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 2.0)
    elif len(sys.argv) == 3 and sys.argv[1] == "rss100":
        rss100(sys.argv[2])
    else:
        sys.exit(__doc__)
