#!/usr/bin/python3
"""Writes the fixtures of neuropil's file-format tests with real PyTorch,
NumPy and SciPy.

Run from the repository root:  /usr/bin/python3 testdata/gen/formats.py

Each fixture NAME.EXT comes with NAME.expect.json, the matrix it holds as
torch/scipy see it after duplicates are summed (in float64, then rounded to
float32) and zeros dropped: {"rows", "cols", "row", "col", "val"}, entries
in row-major order. Values are written with repr of the float32 value, so
they parse back exactly.

With --big PATH it instead writes one tutorial-sized sparse COO tensor
(47,521 x 47,521, 4,623,254 entries, int64 indices, float64 values, about
111 MB) to PATH, for memory measurements; it is not committed.
"""
import collections
import gzip
import io
import json
import os
import pickle
import sys
import zipfile

import numpy as np
import scipy.sparse as sp
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PT = os.path.join(ROOT, "format", "pt", "testdata")
NPY = os.path.join(ROOT, "format", "npy", "testdata")
CSV = os.path.join(ROOT, "format", "edgelist", "testdata")


def expect(path, m):
    """Writes path.expect.json for the scipy matrix m."""
    m = sp.coo_matrix(m)
    m.sum_duplicates()
    m = sp.csr_matrix(m.astype(np.float64))
    m.sum_duplicates()
    m.eliminate_zeros()
    m = m.astype(np.float32)
    m.eliminate_zeros()
    m.sort_indices()
    coo = m.tocoo()
    order = np.lexsort((coo.col, coo.row))
    d = {
        "rows": int(m.shape[0]),
        "cols": int(m.shape[1]),
        "row": [int(x) for x in coo.row[order]],
        "col": [int(x) for x in coo.col[order]],
        "val": [repr(float(x)) for x in coo.data[order]],
    }
    base = path
    for ext in (".gz", ".pt", ".npz", ".npy", ".csv", ".tsv"):
        if base.endswith(ext):
            base = base[: -len(ext)]
    with open(base + ".expect.json", "w") as f:
        json.dump(d, f)
        f.write("\n")


def torch_to_scipy(t):
    t = t.to_dense() if t.layout != torch.strided else t
    return sp.coo_matrix(t.to(torch.float64).numpy())


def random_coo(rng, rows, cols, nnz, dup=True):
    r = rng.integers(0, rows, nnz)
    c = rng.integers(0, cols, nnz)
    if dup:  # force duplicates, including a pair that cancels
        r = np.concatenate([r, r[:5], [0, 0]])
        c = np.concatenate([c, c[:5], [1, 1]])
    v = rng.standard_normal(len(r))
    if dup:
        v[-2], v[-1] = 0.25, -0.25
    return r, c, v


def save_pt(name, obj, m):
    path = os.path.join(PT, name + ".pt")
    torch.save(obj, path)
    if m is not None:
        expect(path, m)


def rewrite_pickle(src, dst, pkl, records=None):
    """Copies the torch zip src to dst with data.pkl replaced by pkl and
    the records named in records (by their name after the archive
    directory, e.g. "data/0") replaced by their bytes."""
    records = records or {}
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            inner = info.filename.split("/", 1)[1]
            if inner == "data.pkl":
                data = pkl
            data = records.get(inner, data)
            zout.writestr(zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0)), data)


def pt_fixtures():
    os.makedirs(PT, exist_ok=True)
    rng = np.random.default_rng(7)
    # Sparse COO, uncoalesced, float64 values, int64 indices (the tutorial's layout).
    r, c, v = random_coo(rng, 40, 40, 150)
    t = torch.sparse_coo_tensor(torch.tensor(np.stack([r, c])), torch.tensor(v), (40, 40))
    save_pt("coo_f64", t, sp.coo_matrix((v, (r, c)), shape=(40, 40)))
    save_pt("coo_f64_coalesced", t.coalesce(), sp.coo_matrix((v, (r, c)), shape=(40, 40)))
    # Other value dtypes.
    tc = t.coalesce()
    for dt, name in [(torch.float32, "f32"), (torch.float16, "f16"), (torch.bfloat16, "bf16")]:
        u = torch.sparse_coo_tensor(tc.indices(), tc.values().to(dt), (40, 40))
        save_pt("coo_" + name, u, torch_to_scipy(u))
    # int32 indices: torch itself keeps COO indices int64, so this variant
    # is torch's coo_f32.pt with the index storage rewritten as IntStorage.
    src = os.path.join(PT, "coo_f32.pt")
    with zipfile.ZipFile(src) as z:
        pkl = z.read("coo_f32/data.pkl")
        idx = np.frombuffer(z.read("coo_f32/data/0"), dtype="<i8").astype("<i4").tobytes()
    assert pkl.count(b"ctorch\nLongStorage\n") == 1
    pkl = pkl.replace(b"ctorch\nLongStorage\n", b"ctorch\nIntStorage\n")
    rewrite_pickle(src, os.path.join(PT, "coo_idx_i32.pt"), pkl, {"data/0": idx})
    expect(os.path.join(PT, "coo_idx_i32.pt"), torch_to_scipy(torch.load(src)))
    iv = torch.tensor(rng.integers(-5, 6, len(r)))
    for dt, name in [(torch.int64, "i64"), (torch.int32, "i32"), (torch.int16, "i16"), (torch.int8, "i8"), (torch.uint8, "u8"), (torch.bool, "bool")]:
        vals = iv.abs() if dt in (torch.uint8,) else iv
        u = torch.sparse_coo_tensor(torch.tensor(np.stack([r, c])), vals.to(dt), (40, 40))
        if dt == torch.bool:  # coalesced: how duplicates of bools combine is torch's business
            u = u.coalesce()
        save_pt("coo_" + name, u, torch_to_scipy(u.coalesce()))
    # Rectangular (an input projection), empty.
    r2, c2, v2 = random_coo(rng, 30, 12, 50, dup=False)
    u = torch.sparse_coo_tensor(torch.tensor(np.stack([r2, c2])), torch.tensor(v2, dtype=torch.float32), (30, 12))
    save_pt("coo_rect", u, sp.coo_matrix((v2.astype(np.float32), (r2, c2)), shape=(30, 12)))
    e = torch.sparse_coo_tensor(torch.zeros((2, 0), dtype=torch.int64), torch.zeros(0), (5, 5))
    save_pt("coo_empty", e, sp.coo_matrix((5, 5)))
    # Sparse CSR, int64 and int32 compressed indices.
    csr = tc.to(torch.float32).to_sparse_csr()
    save_pt("csr_f32", csr, torch_to_scipy(csr))
    csr32 = torch.sparse_csr_tensor(csr.crow_indices().int(), csr.col_indices().int(), csr.values().double(), csr.shape)
    save_pt("csr_i32_f64", csr32, torch_to_scipy(csr32))
    # Dense: contiguous, transposed (strided), a slice (storage offset), float64.
    d = torch.tensor(rng.standard_normal((9, 7)) * (rng.random((9, 7)) < 0.3), dtype=torch.float32)
    save_pt("dense_f32", d, torch_to_scipy(d))
    save_pt("dense_f64_t", d.double().t(), torch_to_scipy(d.double().t()))
    big = torch.tensor(rng.standard_normal((12, 7)), dtype=torch.float32)
    view = big[3:9]
    save_pt("dense_view", view, torch_to_scipy(view))
    # A state_dict (OrderedDict) and a list; the user names the key or index.
    sd = collections.OrderedDict()
    sd["bias"] = torch.zeros(40)
    sd["hh.weight"] = tc.to(torch.float32)
    sd["ih.weight"] = u
    save_pt("state_dict", sd, None)
    save_pt("tensor_list", [torch.ones(3), tc], None)
    with open(os.path.join(PT, "state_dict.keys.json"), "w") as f:
        json.dump({"hh.weight": "coo_f64_coalesced", "ih.weight": "coo_rect"}, f)
        f.write("\n")
    # Hostile files: pickles that name os.system, builtins.eval (by GLOBAL
    # and by STACK_GLOBAL). Unpickled by Python they create the file
    # "pwned" in the working directory.
    class Evil:
        def __reduce__(self):
            return (os.system, ("touch pwned",))

    src = os.path.join(PT, "dense_f32.pt")
    rewrite_pickle(src, os.path.join(PT, "evil_system.pt"), pickle.dumps(Evil(), protocol=2))
    rewrite_pickle(src, os.path.join(PT, "evil_system_p4.pt"), pickle.dumps(Evil(), protocol=4))

    class Eval:
        def __reduce__(self):
            return (eval, ("__import__('os').system('touch pwned')",))

    rewrite_pickle(src, os.path.join(PT, "evil_eval.pt"), pickle.dumps(Eval(), protocol=2))


def npy_fixtures():
    os.makedirs(NPY, exist_ok=True)
    rng = np.random.default_rng(11)
    d = rng.standard_normal((8, 6)) * (rng.random((8, 6)) < 0.4)
    for dt, name in [(np.float32, "f4"), (np.float64, "f8"), (np.float16, "f2")]:
        a = d.astype(dt)
        np.save(os.path.join(NPY, "dense_%s.npy" % name), a)
        expect(os.path.join(NPY, "dense_%s.npy" % name), sp.coo_matrix(a.astype(np.float64)))
    a = np.asfortranarray(d.astype(np.float64))
    np.save(os.path.join(NPY, "dense_fortran.npy"), a)
    expect(os.path.join(NPY, "dense_fortran.npy"), sp.coo_matrix(a))
    a = d.astype(">f8")
    np.save(os.path.join(NPY, "dense_bigendian.npy"), a)
    expect(os.path.join(NPY, "dense_bigendian.npy"), sp.coo_matrix(a.astype(np.float64)))
    # Arrays for LoadArray: a time-varying input and input indices.
    np.save(os.path.join(NPY, "input_3d_f4.npy"), np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4) / 8)
    np.save(os.path.join(NPY, "indices_i8.npy"), np.array([5, 0, 3, 3, 2**40], dtype=np.int64))
    np.save(os.path.join(NPY, "indices_u2.npy"), np.array([1, 65535, 7], dtype=np.uint16))
    np.save(os.path.join(NPY, "scalar_f8.npy"), np.float64(2.5))
    # scipy.sparse.save_npz: csr, csc, coo (duplicates kept), compressed or not.
    r, c, v = random_coo(rng, 30, 30, 120)
    m = sp.coo_matrix((v, (r, c)), shape=(30, 30))
    sp.save_npz(os.path.join(NPY, "coo_f8.npz"), m, compressed=False)
    expect(os.path.join(NPY, "coo_f8.npz"), m)
    csr = m.tocsr()
    sp.save_npz(os.path.join(NPY, "csr_f8.npz"), csr)
    expect(os.path.join(NPY, "csr_f8.npz"), csr)
    csc = m.tocsc().astype(np.float32)
    sp.save_npz(os.path.join(NPY, "csc_f4.npz"), csc, compressed=False)
    expect(os.path.join(NPY, "csc_f4.npz"), csc)
    rect = sp.random(20, 7, density=0.2, format="csr", dtype=np.float32, random_state=3)
    sp.save_npz(os.path.join(NPY, "csr_rect.npz"), rect)
    expect(os.path.join(NPY, "csr_rect.npz"), rect)
    ic = sp.csr_matrix(rng.integers(-3, 4, (10, 10)) * (rng.random((10, 10)) < 0.3)).astype(np.int16)
    ic.indices = ic.indices.astype(np.int64)
    ic.indptr = ic.indptr.astype(np.int64)
    sp.save_npz(os.path.join(NPY, "csr_i2_idx64.npz"), ic)
    expect(os.path.join(NPY, "csr_i2_idx64.npz"), ic)
    # A plain np.savez of named arrays; the user names the key.
    np.savez(os.path.join(NPY, "arrays.npz"), w=d.astype(np.float32), b=np.zeros(8))
    expect(os.path.join(NPY, "arrays.npz"), sp.coo_matrix(d.astype(np.float32).astype(np.float64)))


def csv_fixtures():
    os.makedirs(CSV, exist_ok=True)
    # FlyWire connections.csv layout: one row per (pre, post, neuropil).
    ids = [720575940000000000 + k * 7919 for k in range(9)] + [2**63 - 1]
    rng = np.random.default_rng(5)
    nts = ["ACH", "GABA", "GLUT", "DA", "SER", ""]
    rows = []
    ntof = {i: nts[k % len(nts)] for k, i in enumerate(ids)}
    for _ in range(40):
        a, b = rng.choice(len(ids), 2)
        n = int(rng.integers(1, 30))
        rows.append((ids[a], ids[b], ["ME_R", "LO_R", "AME_L"][int(rng.integers(0, 3))], n, ntof[ids[a]]))
    rows.append((ids[2], ids[2], "ME_R", 4, ntof[ids[2]]))  # a self-loop
    rows.append((ids[2], ids[2], "LO_R", 3, ntof[ids[2]]))  # and its duplicate
    text = "pre_root_id,post_root_id,neuropil,syn_count,nt_type\n" + "".join(
        "%d,%d,%s,%d,%s\n" % r for r in rows)
    with open(os.path.join(CSV, "flywire.csv"), "w") as f:
        f.write(text)
    with gzip.GzipFile(os.path.join(CSV, "flywire.csv.gz"), "wb", mtime=0) as f:
        f.write(text.encode())
    uniq = sorted(set(ids) & ({r[0] for r in rows} | {r[1] for r in rows}))
    index = {i: k for k, i in enumerate(uniq)}
    m = sp.coo_matrix(([r[3] for r in rows], ([index[r[1]] for r in rows], [index[r[0]] for r in rows])),
                      shape=(len(uniq), len(uniq)))
    expect(os.path.join(CSV, "flywire.csv"), m)
    # Signs: each presynaptic neuron's sign is that of its transmitter by
    # synapse count (GABA, GLUT inhibitory; the rest, empty included, excitatory).
    sign = {}
    for i in uniq:
        tot = collections.Counter()
        for r in rows:
            if r[0] == i:
                tot[-1 if r[4] in ("GABA", "GLUT") else 1] += r[3]
        sign[i] = -1 if tot[-1] > tot[1] else 1
    with open(os.path.join(CSV, "flywire.neurons.csv"), "w") as f:
        f.write("index,id,sign\n")
        for i in uniq:
            f.write("%d,%d,%d\n" % (index[i], i, sign[i]))
    # neuPrint traced-total-connections.csv layout.
    ids2 = [1234567890 + 11 * k for k in range(6)]
    rows2 = [(ids2[int(a)], ids2[int(b)], int(w)) for a, b, w in zip(rng.integers(0, 6, 15), rng.integers(0, 6, 15), rng.integers(1, 50, 15))]
    with open(os.path.join(CSV, "neuprint.csv"), "w") as f:
        f.write("bodyId_pre,bodyId_post,weight\n")
        for r in rows2:
            f.write("%d,%d,%d\n" % r)
    uniq2 = sorted({r[0] for r in rows2} | {r[1] for r in rows2})
    index2 = {i: k for k, i in enumerate(uniq2)}
    m2 = sp.coo_matrix(([r[2] for r in rows2], ([index2[r[1]] for r in rows2], [index2[r[0]] for r in rows2])),
                       shape=(len(uniq2), len(uniq2)))
    expect(os.path.join(CSV, "neuprint.csv"), m2)
    with open(os.path.join(CSV, "neuprint.tsv"), "w") as f:
        f.write("bodyId_pre\tbodyId_post\tweight\n")
        for r in rows2:
            f.write("%d\t%d\t%d\n" % r)
    expect(os.path.join(CSV, "neuprint.tsv"), m2)


def big(path):
    rng = np.random.default_rng(1234)
    n, nnz = 47521, 4623254
    idx = torch.tensor(np.stack([rng.integers(0, n, nnz), rng.integers(0, n, nnz)]))
    val = torch.tensor(rng.standard_normal(nnz) * 0.1)
    torch.save(torch.sparse_coo_tensor(idx, val, (n, n)), path)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--big":
        big(sys.argv[2])
    else:
        pt_fixtures()
        npy_fixtures()
        csv_fixtures()
