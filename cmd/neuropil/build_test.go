package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func flyvisSpec(t *testing.T) string {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	p := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "data", "flyvis", "fib25-fib19_v2.2.json")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared flyvis spec not found: %v", err)
	}
	return p
}

func TestBuildOpticLobe(t *testing.T) {
	spec := flyvisSpec(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "ol.npz")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"build", "optic-lobe", "--spec", spec, "--out", out, "--extent", "15"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "45669 neurons, 1513231 edges (983980 excitatory, 529251 inhibitory), 604 of 605") {
		t.Errorf("summary: %s", stdout.String())
	}
	for _, f := range []string{"ol.npz", "ol.neurons.csv", "ol.edges.csv", "ol.pairs.csv"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	if exec.Command("/usr/bin/python3", "-c", "import scipy.sparse, numpy").Run() != nil {
		t.Skip("no /usr/bin/python3 with numpy and scipy")
	}
	// scipy reads the matrix; W[target, source] = sign·n_syn·strength for
	// every row of the edge table.
	py := `
import sys, csv, numpy as np, scipy.sparse as sp
W = sp.load_npz(sys.argv[1] + ".npz")
e = np.loadtxt(sys.argv[1] + ".edges.csv", delimiter=",", skiprows=1)
st = np.array([float(r["strength"]) for r in csv.DictReader(open(sys.argv[1] + ".pairs.csv"))])
w = e[:, 2] * e[:, 3] * st[e[:, 4].astype(int)]
got = np.asarray(W[e[:, 1].astype(int), e[:, 0].astype(int)]).ravel()
n = sum(1 for _ in open(sys.argv[1] + ".neurons.csv")) - 1
print(W.shape, W.nnz, n, bool(np.allclose(got, w, rtol=1e-6, atol=0)))
`
	res, err := exec.Command("/usr/bin/python3", "-c", py, filepath.Join(dir, "ol")).CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, res)
	}
	if got, want := strings.TrimSpace(string(res)), "(45669, 45669) 1513231 45669 True"; got != want {
		t.Errorf("python read %q, want %q", got, want)
	}
}

func TestBuildErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"nodes": [{"name": "A", "pattern": ["stride", [0, 1]]}], "edges": []}`), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"build"}, "no network named (known: optic-lobe)"},
		{[]string{"build", "medulla"}, `unknown network "medulla" (known: optic-lobe)`},
		{[]string{"build", "optic-lobe", "--out", "x.npz"}, "--spec is required"},
		{[]string{"build", "optic-lobe", "--spec", bad}, "--out is required"},
		{[]string{"build", "optic-lobe", "--spec", bad, "--out", "x.mtx"}, `unknown file extension ".mtx" (known: .csv, .csv.gz, .npc, .npy, .npz, .pt, .pth, .tsv, .tsv.gz)`},
		{[]string{"build", "optic-lobe", "--spec", bad, "--out", "x.npz", "--tables", "xls"}, `unknown table format "xls" (known: csv, npz, none)`},
		{[]string{"build", "optic-lobe", "--spec", bad, "--out", filepath.Join(dir, "x.npz")}, "bad.json: spec: node 0 (A): stride [0 1]"},
		{[]string{"build", "optic-lobe", "--spec", filepath.Join(dir, "missing.json"), "--out", "x.npz"}, "no such file"},
	} {
		var stdout, stderr bytes.Buffer
		err := run(c.args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want it to contain %q", c.args, err, c.want)
		}
	}
}
