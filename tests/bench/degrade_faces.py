#!/usr/bin/python3
"""Makes a harder face domain from identity folders of aligned face crops (used by finetune_effect.sh).

    /usr/bin/python3 degrade_faces.py SRC DST [--copies C] [--seed S] [--side PX] [--json]

SRC holds one folder per identity (SRC/Name/*.png|jpg), as FaceLab's demo project writes them
(112x112 crops aligned to the ArcFace template). For every image, C degraded copies are written
to DST/Name/<stem>_d<k>.png, each with its own draw of:
  - defocus: Gaussian blur, sigma uniform in [2.0, 3.0] px (at 112 px);
  - low resolution: downscaled to a side uniform in [20, 28] px (area), or exactly PX with
    --side PX (the severity: 16, 24, 32 for finetune_benchmark.sh), then back up to the
    original size (bilinear), so the crop stays 112x112 and FaceLab takes it as pre-aligned;
  - low light: gamma uniform in [1.6, 2.2] (darkens mid-tones) and gain in [0.50, 0.75];
  - sensor noise: Gaussian, sigma uniform in [4, 8] grey levels, added after the darkening,
    then clipped to 0..255.
Deterministic: the parameters and the noise of each output come from a generator seeded with
(seed, identity/file name, copy), so the same SRC and seed give byte-identical PNGs on any run.
Uses Debian's python3-opencv and python3-numpy (run it with /usr/bin/python3).
"""
import argparse
import hashlib
import json
import os
import sys

import cv2
import numpy as np

EXTS = (".png", ".jpg", ".jpeg", ".bmp")


def rng_for(seed: int, key: str) -> np.random.Generator:
    h = hashlib.sha256(f"{seed}:{key}".encode()).digest()
    return np.random.default_rng(int.from_bytes(h[:8], "little"))


def degrade(img: np.ndarray, rng: np.random.Generator, side: int = 0) -> tuple[np.ndarray, dict]:
    h, w = img.shape[:2]
    blur = float(rng.uniform(2.0, 3.0))
    drawn_side = int(rng.integers(20, 29))   # drawn even with --side: the other draws stay as they were
    p = {
        "blur_sigma": blur,
        "low_side": side if side > 0 else drawn_side,
        "gamma": float(rng.uniform(1.6, 2.2)),
        "gain": float(rng.uniform(0.50, 0.75)),
        "noise_sigma": float(rng.uniform(4.0, 8.0)),
    }
    x = cv2.GaussianBlur(img, (0, 0), p["blur_sigma"])
    s = p["low_side"]
    x = cv2.resize(x, (s, round(s * h / w)), interpolation=cv2.INTER_AREA)
    x = cv2.resize(x, (w, h), interpolation=cv2.INTER_LINEAR)
    f = x.astype(np.float32) / 255.0
    f = np.power(f, p["gamma"]) * p["gain"] * 255.0
    f += rng.normal(0.0, p["noise_sigma"], size=f.shape).astype(np.float32)
    return np.clip(np.rint(f), 0, 255).astype(np.uint8), p


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--copies", type=int, default=2, help="degraded copies per image (default 2)")
    ap.add_argument("--seed", type=int, default=1, help="seed (default 1)")
    ap.add_argument("--side", type=int, default=0, help="low-resolution side in px (default: drawn in 20..28)")
    ap.add_argument("--json", action="store_true", help="print a JSON summary")
    a = ap.parse_args()
    if a.copies < 1:
        ap.error("--copies must be at least 1")
    if a.side < 0 or a.side > 112:
        ap.error("--side must be in 1..112 (0 = drawn)")
    ids = sorted(d for d in os.listdir(a.src) if os.path.isdir(os.path.join(a.src, d)))
    if not ids:
        print(f"degrade_faces: no identity folders in {a.src}", file=sys.stderr)
        return 1
    written = 0
    sizes = set()
    for ident in ids:
        sd = os.path.join(a.src, ident)
        dd = os.path.join(a.dst, ident)
        os.makedirs(dd, exist_ok=True)
        for name in sorted(os.listdir(sd)):
            if not name.lower().endswith(EXTS):
                continue
            img = cv2.imread(os.path.join(sd, name), cv2.IMREAD_COLOR)
            if img is None:
                print(f"degrade_faces: cannot read {os.path.join(sd, name)}", file=sys.stderr)
                return 1
            sizes.add(f"{img.shape[1]}x{img.shape[0]}")
            stem = os.path.splitext(name)[0]
            for k in range(1, a.copies + 1):
                out, _ = degrade(img, rng_for(a.seed, f"{ident}/{name}/{k}"), a.side)
                path = os.path.join(dd, f"{stem}_d{k}.png")
                tmp = path + ".part.png"
                if not cv2.imwrite(tmp, out):
                    print(f"degrade_faces: cannot write {path}", file=sys.stderr)
                    return 1
                os.replace(tmp, path)
                written += 1
    summary = {"identities": len(ids), "images_written": written, "copies": a.copies, "seed": a.seed, "side": a.side,
               "source_sizes": sorted(sizes), "dst": a.dst}
    print(json.dumps(summary) if a.json else
          f"degrade_faces: {written} degraded images of {len(ids)} identities in {a.dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
