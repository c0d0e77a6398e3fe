#!/usr/bin/python3
"""Reference checkpoints for test_checkpoint, written by the real torch.save.

  make_checkpoints.py generate OUTDIR   writes *.pt files in both formats (zip and legacy), a JSON
                                        sidecar per file with the expected tensors, hostile files,
                                        and OUTDIR/manifest.json listing them all.
  make_checkpoints.py verify FILE SPEC  torch.load()s FILE (a checkpoint FaceLab wrote) and compares
                                        it with SPEC (JSON: top, scalars, tensors with raw hex bytes).

Random weights with a fixed seed. Exit status 0 on success; a message on stderr otherwise.
"""
import collections
import io
import json
import os
import pickle
import sys
import zipfile

import torch


def raw_bytes(t):
    """The tensor's values, row-major and contiguous, as their raw little-endian bytes."""
    t = t.detach().contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.view(torch.int16)
    return t.numpy().tobytes()


DTYPES = {
    torch.float32: "float32", torch.float64: "float64", torch.float16: "float16", torch.bfloat16: "bfloat16",
    torch.int64: "int64", torch.int32: "int32", torch.int16: "int16", torch.int8: "int8",
    torch.uint8: "uint8", torch.bool: "bool",
}


def expected(obj):
    """Walks obj like the C++ reader does: tensors and scalar leaves with dot-joined paths."""
    tensors, scalars = [], {}
    storages = {}

    def walk(v, path):
        if isinstance(v, torch.Tensor):
            st = v.storage()
            key = st.data_ptr()
            storages.setdefault(key, []).append(path)
            tensors.append({
                "path": path,
                "dtype": DTYPES[v.dtype],
                "shape": list(v.shape),
                "stride": list(v.stride()),
                "offset": v.storage_offset(),
                "parameter": isinstance(v, torch.nn.Parameter),
                "hex": raw_bytes(v).hex(),
                # float64 image of the values (fp16/bf16 conversion check)
                "f64hex": (v.detach().double().contiguous().numpy().tobytes().hex()
                           if v.dtype != torch.bool else v.detach().double().contiguous().numpy().tobytes().hex()),
            })
        elif isinstance(v, dict):
            for k, x in v.items():
                walk(x, (path + "." if path else "") + str(k))
        elif isinstance(v, (list, tuple)):
            for i, x in enumerate(v):
                walk(x, (path + "." if path else "") + str(i))
        elif isinstance(v, str):
            scalars[path] = v
        elif v is None or isinstance(v, (bool, int, float)):
            scalars[path] = repr(v)
        else:
            raise TypeError(type(v))

    walk(obj, "")
    shared = [paths for paths in storages.values() if len(paths) > 1]
    return {"tensors": tensors, "scalars": scalars, "shared": shared}


class SmallNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(3, 4, 3)
        self.bn1 = torch.nn.BatchNorm2d(4)
        self.fc = torch.nn.Linear(8, 5)


class MyNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = torch.nn.Linear(3, 2)


class Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, ("touch '%s'" % self.marker,))


def magface_state_dict():
    sd = collections.OrderedDict()
    sd["features.module.conv1.weight"] = torch.randn(8, 3, 3, 3)
    sd["features.module.bn1.weight"] = torch.rand(8)
    sd["features.module.bn1.bias"] = torch.randn(8)
    sd["features.module.bn1.running_mean"] = torch.randn(8)
    sd["features.module.bn1.running_var"] = torch.rand(8)
    sd["features.module.bn1.num_batches_tracked"] = torch.tensor(1234)
    sd["features.module.prelu.weight"] = torch.full((8,), 0.25)
    sd["features.module.fc.weight"] = torch.randn(16, 32)
    sd["fc.weight"] = torch.randn(16, 10)
    sd._metadata = collections.OrderedDict([("", {"version": 1}), ("features", {"version": 1})])
    return sd


def cases():
    torch.manual_seed(1234)
    net = SmallNet()
    flat = net.state_dict()  # an OrderedDict with _metadata (BUILD)

    magface = {"state_dict": magface_state_dict(), "epoch": 25, "arch": "iresnet100"}

    head = collections.OrderedDict([("weight", torch.randn(10, 16)), ("bias", torch.zeros(10))])
    nested = {"backbone": SmallNet().state_dict(), "head": head, "epoch": 3,
              "optimizer": {"lr": 0.1, "betas": (0.9, 0.999), "eps": 1e-08, "nesterov": False, "name": None}}

    single = {"w": torch.randn(2, 3)}

    dtypes = collections.OrderedDict()
    dtypes["f32"] = torch.randn(3, 4)
    dtypes["f64"] = torch.randn(2, 3, dtype=torch.float64)
    dtypes["f16"] = torch.randn(5, 3).half()
    dtypes["bf16"] = torch.randn(4, 2).bfloat16()
    dtypes["i64"] = torch.randint(-(2 ** 40), 2 ** 40, (7,), dtype=torch.int64)
    dtypes["i32"] = torch.randint(-(2 ** 30), 2 ** 30, (3, 2), dtype=torch.int32)
    dtypes["i16"] = torch.randint(-30000, 30000, (4,), dtype=torch.int16)
    dtypes["i8"] = torch.randint(-128, 127, (6,), dtype=torch.int8)
    dtypes["u8"] = torch.randint(0, 255, (2, 5), dtype=torch.uint8)
    dtypes["bool"] = torch.rand(9) > 0.5
    dtypes["scalar0d"] = torch.tensor(3.5)
    dtypes["empty"] = torch.zeros(0, 4)
    dtypes["f16special"] = torch.tensor([float("inf"), float("-inf"), 5.96e-8, -0.0, 65504.0, 1e-5, -2.5],
                                        dtype=torch.float16)
    dtypes["bf16special"] = torch.tensor([float("inf"), -1e-39, 3.0e38, -0.0, 1.0 / 3.0], dtype=torch.bfloat16)

    base = torch.arange(48, dtype=torch.float32).reshape(6, 8) + 0.5
    views = collections.OrderedDict()
    views["base"] = base
    views["transposed"] = base.t()
    views["sliced"] = base[1:4, 2:7]
    views["stepped"] = base[:, ::3]
    views["row"] = base[5]
    shared = torch.randn(4, 3)
    views["shared_a"] = shared
    views["shared_b"] = shared.view(12)

    params = {"p": torch.nn.Parameter(torch.randn(3, 4)),
              "frozen": torch.nn.Parameter(torch.randn(2), requires_grad=False),
              "list": [torch.nn.Parameter(torch.randn(2, 2)), torch.randn(1)]}

    scalars = {"epoch": 7, "neg": -3, "big": 2 ** 70, "lr": 0.1, "tiny": 1e-05, "huge": 1e300, "whole": 2.0,
               "flag": True, "off": False, "nothing": None, "name": "r\u00e9seau \"q\"\n",
               "input_size": (112, 112), 5: "int key", "w": torch.ones(2)}

    return [("flat", flat), ("magface", magface), ("nested", nested), ("single", single), ("dtypes", dtypes),
            ("views", views), ("params", params), ("scalars", scalars)]


def generate(out):
    os.makedirs(out, exist_ok=True)
    manifest = []
    for name, obj in cases():
        exp = expected(obj)
        for fmt, kwargs in (("zip", {}), ("legacy", {"_use_new_zipfile_serialization": False}),
                            ("zip_p4", {"pickle_protocol": 4}),
                            ("legacy_p4", {"_use_new_zipfile_serialization": False, "pickle_protocol": 4})):
            if fmt.endswith("_p4") and name not in ("flat", "magface", "nested", "scalars"):
                continue
            # The archive folder is the file's stem in torch 1.13: vary it.
            fname = "%s_epoch_00025_%s.pt" % (name, fmt) if name == "magface" else "%s_%s.pt" % (name, fmt)
            path = os.path.join(out, fname)
            torch.save(obj, path, **kwargs)
            sidecar = dict(exp, format="legacy" if fmt.startswith("legacy") else "zip")
            with open(path + ".json", "w") as f:
                json.dump(sidecar, f)
            manifest.append({"file": fname, "expect": "ok", "sidecar": fname + ".json"})

    # Hostile and broken files: each must be refused with the named reason.
    marker = os.path.join(out, "PWNED")
    evil = pickle.dumps({"state_dict": Evil(marker)}, protocol=2)
    with open(os.path.join(out, "evil_system.pkl"), "wb") as f:
        f.write(evil)
    manifest.append({"file": "evil_system.pkl", "expect": "refuse", "message": ["refused global", "system",
                                                                               "may not run code"]})
    with zipfile.ZipFile(os.path.join(out, "evil_system_zip.pt"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", evil)
        z.writestr("archive/version", "3\n")
    manifest.append({"file": "evil_system_zip.pt", "expect": "refuse", "message": ["refused global", "system"]})

    model = MyNet()
    torch.save(model, os.path.join(out, "whole_module_zip.pt"))
    manifest.append({"file": "whole_module_zip.pt", "expect": "refuse",
                     "message": ["refused global", "MyNet", "state_dict()"]})
    torch.save(model, os.path.join(out, "whole_module_legacy.pt"), _use_new_zipfile_serialization=False)
    manifest.append({"file": "whole_module_legacy.pt", "expect": "refuse", "message": ["refused global", "MyNet"]})

    with open(os.path.join(out, "load_from_bytes.pkl"), "wb") as f:
        pickle.dump({"w": torch.zeros(3)}, f, protocol=2)  # storages pickle via torch.storage._load_from_bytes
    manifest.append({"file": "load_from_bytes.pkl", "expect": "refuse",
                     "message": ["refused global 'torch.storage._load_from_bytes'"]})

    with zipfile.ZipFile(os.path.join(out, "no_data_pkl.pt"), "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/version", "3\n")
        z.writestr("archive/data/0", b"\0" * 16)
    manifest.append({"file": "no_data_pkl.pt", "expect": "refuse", "message": ["data.pkl"]})

    # Compressed (DEFLATE) copy of a genuine zip checkpoint: read when zlib is there.
    src = os.path.join(out, "magface_epoch_00025_zip.pt")
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(os.path.join(out, "magface_deflated.pt"), "w",
                                                      zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info.filename))
    with open(os.path.join(out, "magface_deflated.pt.json"), "w") as f:
        json.dump(dict(expected(cases()[1][1]), format="zip"), f)
    manifest.append({"file": "magface_deflated.pt", "expect": "ok_if_zlib", "sidecar": "magface_deflated.pt.json"})

    with open(os.path.join(out, "plain_pickle.pkl"), "wb") as f:
        pickle.dump([1, 2, 3], f, protocol=2)
    manifest.append({"file": "plain_pickle.pkl", "expect": "refuse", "message": ["not one written by torch.save"]})

    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump({"torch": torch.__version__, "marker": marker, "files": manifest}, f, indent=1)


def verify(path, spec_path):
    with open(spec_path) as f:
        spec = json.load(f)
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except TypeError:  # a torch without weights_only
        obj = torch.load(path, map_location="cpu")
    # The zip layout torch.load read must be the zip format, not a fallback.
    if not zipfile.is_zipfile(path):
        raise SystemExit("not a zip file")
    top = spec.get("top") or ""
    if top:
        if not isinstance(obj, dict) or top not in obj:
            raise SystemExit("top-level key %r missing: %r" % (top, type(obj)))
        for k, v in spec.get("scalars", {}).items():
            if obj.get(k) != v:
                raise SystemExit("scalar %r: %r != %r" % (k, obj.get(k), v))
        if set(obj.keys()) != set([top] + list(spec.get("scalars", {}).keys())):
            raise SystemExit("top-level keys %r" % list(obj.keys()))
        sd = obj[top]
    else:
        sd = obj
    if not isinstance(sd, collections.OrderedDict):
        raise SystemExit("state_dict is a %r, not an OrderedDict" % type(sd))
    names = [t["name"] for t in spec["tensors"]]
    if list(sd.keys()) != names:
        raise SystemExit("keys %r != %r" % (list(sd.keys()), names))
    for t in spec["tensors"]:
        v = sd[t["name"]]
        if DTYPES[v.dtype] != t["dtype"]:
            raise SystemExit("%s: dtype %s != %s" % (t["name"], DTYPES[v.dtype], t["dtype"]))
        if list(v.shape) != t["shape"]:
            raise SystemExit("%s: shape %r != %r" % (t["name"], list(v.shape), t["shape"]))
        if raw_bytes(v).hex() != t["hex"]:
            raise SystemExit("%s: values differ" % t["name"])
    print("VERIFIED %d tensors with torch %s" % (len(names), torch.__version__))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "generate":
        generate(sys.argv[2])
    elif len(sys.argv) == 4 and sys.argv[1] == "verify":
        verify(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(__doc__)
