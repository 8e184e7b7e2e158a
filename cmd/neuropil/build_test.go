package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/opticlobe"
	"github.com/neuropil/neuropil/sparse"
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

// TestDaleSignedConnectome: --dale on a connectome whose signs are
// folded into its weights. Where every weight agrees with its presynaptic
// neuron's sign, --dale keeps the inhibition: with the sigmoid
// (relu(sigmoid) = sigmoid) the dale run equals the plain one (it once
// clamped every inhibitory synapse to 0). The optic lobe's signs belong
// to type pairs, not neurons, so --dale is refused there, saying why and
// what to do, and nothing is written.
func TestDaleSignedConnectome(t *testing.T) {
	dir := t.TempDir()
	conn := filepath.Join(dir, "signed.pt")
	sign := []int8{1, -1, 1, 1, -1, 1}
	m := sparse.RandomExact(6, 6, 20, 0.5, 3, func(r *rand.Rand) float32 { return 0.2 + r.Float32() })
	for k, j := range m.ColIdx {
		m.Val[k] *= float32(sign[j])
	}
	if err := format.Save(conn, &connectome.Connectome{W: m, Sign: sign}, format.Options{}); err != nil {
		t.Fatal(err)
	}
	x := filepath.Join(dir, "x.npy")
	var buf bytes.Buffer
	if err := npy.Encode(&buf, []int{2, 3}, []float32{0, 0.5, 1, 1, 0.5, 0}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(x, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	acts := map[bool][]float32{}
	var stdout, stderr bytes.Buffer
	for _, dale := range []bool{false, true} {
		out := filepath.Join(dir, fmt.Sprint("out", dale))
		args := []string{"simulate", "--connectome", conn, "--input", x, "--batch", "2", "--evals", "3", "--no-plots", "--out", out}
		if dale {
			args = append(args, "--dale")
		}
		if err := run(args, &stdout, &stderr); err != nil {
			t.Fatalf("dale %v: %v\n%s", dale, err, stderr.String())
		}
		_, a, err := loadArray(filepath.Join(out, "activity.npy"))
		if err != nil {
			t.Fatal(err)
		}
		acts[dale] = a
	}
	if !slices.Equal(acts[true], acts[false]) {
		t.Errorf("activity with --dale %v, without %v", acts[true], acts[false])
	}

	spec := flyvisSpec(t)
	ol := filepath.Join(dir, "ol.pt")
	if err := run([]string{"build", "optic-lobe", "--spec", spec, "--out", ol, "--extent", "3"}, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "refused")
	err := run([]string{"simulate", "--connectome", ol, "--input", x, "--batch", "2", "--dale", "--out", out}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--dale") || !strings.Contains(err.Error(), "disagree") || !strings.Contains(err.Error(), "drop --dale") {
		t.Errorf("--dale on the optic lobe: error %v", err)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("a refused run left %s", out)
	}
	if err := run([]string{"simulate", "--connectome", ol, "--input", x, "--batch", "2", "--evals", "2", "--dale", "--dale-clamp", "--no-plots", "--out", out}, &stdout, &stderr); err != nil {
		t.Errorf("--dale --dale-clamp on the optic lobe: %v", err)
	}
	if err := run([]string{"simulate", "--dale-clamp", "--out", out}, &stdout, &stderr); err == nil || !strings.Contains(err.Error(), "only with --dale") {
		t.Errorf("--dale-clamp alone: %v", err)
	}
}

// build optic-lobe --params writes the weights of a PyTorch-written
// flyvis checkpoint (sign·exp(syn_count)·max(syn_strength, 0)), the ones
// the simulation integrates, and the parameters beside them.
func TestBuildOpticLobeParams(t *testing.T) {
	spec := flyvisSpec(t)
	ckpt := filepath.Join("..", "..", "opticlobe", "testdata", "flyvis", "chkpts", "chkpt_00000")
	dir := t.TempDir()
	out := filepath.Join(dir, "trained.npz")
	var stdout, stderr bytes.Buffer
	if err := run([]string{"build", "optic-lobe", "--spec", spec, "--params", ckpt, "--out", out, "--tables", "npz"}, &stdout, &stderr); err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stdout.String(), "trained.params.npz") {
		t.Errorf("summary does not name the parameters: %s", stdout.String())
	}
	net, err := opticlobe.BuildFile(spec, opticlobe.DefaultExtent)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opticlobe.LoadParams(net, ckpt)
	if err != nil {
		t.Fatal(err)
	}
	d, err := opticlobe.NewDynamics(net, p, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c, err := format.Load(out, format.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := d.Weights()
	if !slices.Equal(c.W.RowPtr, want.RowPtr) || !slices.Equal(c.W.ColIdx, want.ColIdx) || !slices.Equal(c.W.Val, want.Val) {
		t.Error("the written weights are not the checkpoint's")
	}
	if slices.Equal(c.W.Val, net.Conn.W.Val) {
		t.Error("the written weights are the initial ones")
	}
	back, err := opticlobe.LoadParams(net, filepath.Join(dir, "trained.params.npz"))
	if err != nil || !slices.Equal(back.Vrest, p.Vrest) || !slices.Equal(back.Strength, p.Strength) {
		t.Errorf("trained.params.npz: %v", err)
	}
	err = run([]string{"build", "optic-lobe", "--spec", spec, "--params", filepath.Join(dir, "none"), "--out", out}, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "--params") {
		t.Errorf("missing parameters: %v", err)
	}
}
