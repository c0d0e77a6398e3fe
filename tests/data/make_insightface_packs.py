#!/usr/bin/env python3
"""Fixtures in InsightFace's packed formats, written from real faces without mxnet (absent here).

  make_insightface_packs.py rec FACES OUT   -> OUT/train.rec + train.idx (InsightFace layout: header
      record 0, image records, identity records), OUT/plain.rec + plain.idx (no header, an array
      label, payloads holding the magic number), OUT/rec.json (what each record holds)
  make_insightface_packs.py bin FACES OUT   -> OUT/lfw.bin (Python 3, protocol 2), OUT/agedb_30.bin
      (protocol 4), OUT/cfp_fp.bin (Python 2's own stream: BINSTRING images), OUT/bin.json

The RecordIO writer follows dmlc-core's RecordIOWriter::WriteRecord and mx.recordio.pack; the .bin
follows insightface's lfw2pack.py: pickle.dump((bins, issame_list), f).
"""
import hashlib
import json
import os
import pickle
import struct
import sys

import cv2

MAGIC = 0xCED7230A


def faces(root, people, per_person):
    out = []
    for name in sorted(os.listdir(root))[:people]:
        files = sorted(os.listdir(os.path.join(root, name)), key=lambda f: int(os.path.splitext(f)[0]))
        out += [(name, os.path.join(root, name, f)) for f in files[:per_person]]
    return out


def jpeg(path):
    ok, buf = cv2.imencode('.jpg', cv2.imread(path, cv2.IMREAD_COLOR), [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return buf.tobytes()


def pack(label, payload, id_=0, id2=0):
    """mx.recordio.pack: a number -> flag 0; a sequence -> flag = its length, the floats follow."""
    if isinstance(label, (int, float)):
        return struct.pack('<IfQQ', 0, float(label), id_, id2) + payload
    return struct.pack('<IfQQ', len(label), 0.0, id_, id2) + struct.pack('<%df' % len(label), *label) + payload


def write_record(f, data):
    """dmlc RecordIOWriter::WriteRecord: a magic number at an aligned offset ends a part and is dropped."""
    magic = struct.pack('<I', MAGIC)
    dptr = 0
    for i in range(0, len(data) // 4 * 4, 4):
        if data[i:i + 4] == magic:
            f.write(magic + struct.pack('<I', ((1 if dptr == 0 else 2) << 29) | (i - dptr)) + data[dptr:i])
            dptr = i + 4
    f.write(magic + struct.pack('<I', ((3 if dptr else 0) << 29) | (len(data) - dptr)) + data[dptr:])
    f.write(b'\0' * ((4 - len(data) % 4) % 4))


def write_pack(out, name, records):
    with open(os.path.join(out, name + '.rec'), 'wb') as rec, open(os.path.join(out, name + '.idx'), 'w') as idx:
        for key, data in records:
            idx.write('%d\t%d\n' % (key, rec.tell()))
            write_record(rec, data)


def sha(b):
    return hashlib.sha256(b).hexdigest()


def make_rec(root, out):
    people = faces(root, 3, 4)
    names = sorted({n for n, _ in people})
    images = []   # (key, identity, payload, source file or None)
    for k, (name, path) in enumerate(people, start=1):
        # Half the records carry the file as it is (PNG), half a JPEG of it, as InsightFace packs do.
        raw = open(path, 'rb').read()
        payload = raw if k % 2 else jpeg(path)
        images.append((k, names.index(name), payload, path if k % 2 else None))
    a = len(images) + 1
    ids = []
    for ident in range(len(names)):
        keys = [k for k, i, _, _ in images if i == ident]
        ids.append((a + ident, [float(keys[0]), float(keys[-1] + 1)]))
    b = a + len(ids)
    records = [(0, pack([float(a), float(b)], b''))]
    records += [(k, pack(float(i), p, id_=k)) for k, i, p, _ in images]
    records += [(k, pack(r, b'')) for k, r in ids]
    write_pack(out, 'train', records)

    magic = struct.pack('<I', MAGIC)
    # The IRHeader is 24 bytes, so payload offset 4n is a record offset 4n too (aligned).
    tricky = magic + b'abcd' + magic + magic + b'\x01\x02\x03\x04' * 5 + magic + b'xyz'
    plain = [(5, pack(3.0, images[0][2])), (6, pack([7.0, 3.0], images[1][2])), (9, pack(1.0, tricky)),
             (12, pack(2.0, b'\x00' * 20 + magic))]
    write_pack(out, 'plain', plain)

    manifest = {
        'images_end': a, 'identities_end': b, 'people': names,
        'images': [{'key': k, 'identity': i, 'sha256': sha(p), 'file': src or ''} for k, i, p, src in images],
        'plain': [{'key': k, 'record_sha256': sha(r), 'size': len(r)} for k, r in plain],
    }
    json.dump(manifest, open(os.path.join(out, 'rec.json'), 'w'), indent=1)


def py2_pickle(bins, issame):
    """The stream Python 2's cPickle.dump(..., protocol=2) writes: str images as (SHORT_)BINSTRING."""
    out = bytearray(b'\x80\x02')
    memo = [0]

    def put():
        out.extend(b'q' + bytes([memo[0]]) if memo[0] < 256 else b'r' + struct.pack('<I', memo[0]))
        memo[0] += 1

    def lst(items, one):
        out.extend(b']')
        put()
        for s in range(0, len(items), 1000):   # cPickle batches APPENDS by 1000
            out.extend(b'(')
            for x in items[s:s + 1000]:
                one(x)
            out.extend(b'e')

    def string(b):
        out.extend((b'U' + bytes([len(b)])) if len(b) < 256 else (b'T' + struct.pack('<i', len(b))))
        out.extend(b)
        put()

    lst(bins, string)
    lst(issame, lambda t: out.extend(b'\x88' if t else b'\x89'))
    out.extend(b'\x86')
    put()
    out.extend(b'.')
    return bytes(out)


def make_bin(root, out):
    people = faces(root, 4, 6)
    by = {}
    for name, path in people:
        by.setdefault(name, []).append(path)
    names = sorted(by)
    pairs = []
    for p in range(20):   # alternating same / different; no pair twice, but images shared between pairs
        k = p // 4
        x = names[p % 4]
        if p % 2 == 0:
            pairs.append((by[x][k], by[x][k + 1], True))
        else:
            pairs.append((by[x][k], by[names[(p + 1) % 4]][(k + 2) % 6], False))
    bins = []
    for a, b, _ in pairs:
        bins += [jpeg(a), jpeg(b)]
    issame = [s for _, _, s in pairs]
    with open(os.path.join(out, 'lfw.bin'), 'wb') as f:
        pickle.dump((bins, issame), f, protocol=2)
    with open(os.path.join(out, 'agedb_30.bin'), 'wb') as f:
        pickle.dump((bins[:16], issame[:8]), f, protocol=4)
    py2 = py2_pickle(bins, issame)
    assert pickle.loads(py2, encoding='bytes') == (bins, issame)
    with open(os.path.join(out, 'cfp_fp.bin'), 'wb') as f:
        f.write(py2)
    # Another set of the same name (other bytes), and files that are not what they claim.
    os.makedirs(os.path.join(out, 'other'), exist_ok=True)
    low = [cv2.imencode('.jpg', cv2.imread(a), [cv2.IMWRITE_JPEG_QUALITY, 60])[1].tobytes()
           for pr in pairs for a in pr[:2]]
    pickle.dump((low, issame), open(os.path.join(out, 'other', 'lfw.bin'), 'wb'), protocol=4)
    bad = list(bins[:8])
    bad[2] = b'not a jpeg at all'
    pickle.dump((bad, issame[:4]), open(os.path.join(out, 'badimage.bin'), 'wb'), protocol=4)
    # One bytes object in two places: the pickle refers to it again (a memo GET), not a copy.
    shared = [bins[0], bins[1], bins[2], bins[0]]
    pickle.dump((shared, [True, False]), open(os.path.join(out, 'shared.bin'), 'wb'), protocol=4)

    class Evil:
        def __reduce__(self):
            return (os.system, ('echo this must never run',))
    pickle.dump(([Evil(), bins[1]], [True]), open(os.path.join(out, 'evil.bin'), 'wb'), protocol=2)
    pickle.dump({'bins': bins, 'issame': issame}, open(os.path.join(out, 'dict.bin'), 'wb'), protocol=4)
    pickle.dump((bins[:3], issame[:2]), open(os.path.join(out, 'count.bin'), 'wb'), protocol=4)
    import numpy
    pickle.dump((bins[:4], numpy.array(issame[:2])), open(os.path.join(out, 'numpy.bin'), 'wb'), protocol=2)
    whole = open(os.path.join(out, 'lfw.bin'), 'rb').read()
    open(os.path.join(out, 'truncated.bin'), 'wb').write(whole[:len(whole) // 2])
    open(os.path.join(out, 'text.bin'), 'wb').write(b'Barack_Obama 1 2\n')

    manifest = {'lfw': {'issame': issame, 'sha256': [sha(b) for b in bins]},
                'agedb_30': {'issame': issame[:8], 'sha256': [sha(b) for b in bins[:16]]},
                'cfp_fp': {'issame': issame, 'sha256': [sha(b) for b in bins]}}
    json.dump(manifest, open(os.path.join(out, 'bin.json'), 'w'), indent=1)


if __name__ == '__main__':
    what, root, out = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    {'rec': make_rec, 'bin': make_bin}[what](root, out)
