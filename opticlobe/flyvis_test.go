package opticlobe

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/format/pt"
)

const (
	flyvisDir  = "testdata/flyvis"
	flyvisCkpt = flyvisDir + "/chkpts/chkpt_00000"
)

func flyvisNet(t testing.TB) *Network {
	t.Helper()
	net, err := BuildFile(specPath(t), DefaultExtent)
	if err != nil {
		t.Fatal(err)
	}
	return net
}

// TestFlyvisGroups checks flyvis's 734 trainable values and the group
// order: pair groups are the realised pairs in spec order.
func TestFlyvisGroups(t *testing.T) {
	net := flyvisNet(t)
	g := net.FlyvisGroups()
	if n := 2*len(net.Spec.Types) + len(g.Pair); n != 734 {
		t.Errorf("%d trainable values, want 734", n)
	}
	for i := 1; i < len(g.Pair); i++ {
		if g.Pair[i] <= g.Pair[i-1] {
			t.Fatalf("pair groups out of spec order at %d", i)
		}
	}
	for k, c := range g.Count {
		if net.Edges.NSyn[g.CountEdge[c]] != net.Edges.NSyn[k] {
			t.Fatalf("edge %d: n_syn differs within its count group %d", k, c)
		}
	}
}

// TestFlyvisFlash is the acceptance run: a checkpoint written by PyTorch
// in flyvis's format with non-default values (a time constant below dt,
// negative strengths), a full-field flash of 1 after 1 s of grey, Euler at
// 5 ms for 0.5 s: the central column of all 65 types within 1e-4 of
// testdata/gen/flyvis_checkpoint.py's float64 flyvis dynamics.
func TestFlyvisFlash(t *testing.T) {
	net := flyvisNet(t)
	p, err := LoadParams(net, flyvisCkpt)
	if err != nil {
		t.Fatal(err)
	}
	in, err := FlashInput(net.Extent, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	rec := net.CentralNeurons()
	res, err := Simulate(net, in.X, in.Frames, 1, Settings{Method: "euler", Dt: 0.005, Relax: 1, Duration: 0.5, Record: rec, Params: &p})
	if err != nil {
		t.Fatal(err)
	}
	shape, want, err := npy.ReadFloat32File(filepath.Join(flyvisDir, "flash_central.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rec) != 65 || shape[0] != len(res.Times) || shape[1] != len(rec) {
		t.Fatalf("reference %v, run %d times × %d neurons", shape, len(res.Times), len(rec))
	}
	worst := 0.0
	for k := range want {
		worst = math.Max(worst, math.Abs(float64(res.Activity[k]-want[k])))
	}
	t.Logf("largest difference from the float64 flyvis reference: %.3g", worst)
	if worst > 1e-4 {
		t.Errorf("largest difference %g > 1e-4", worst)
	}
}

func TestLoadParamsFiles(t *testing.T) {
	net := flyvisNet(t)
	p0, err := LoadParams(net, flyvisCkpt)
	if err != nil {
		t.Fatal(err)
	}
	latest, err := LoadParams(net, flyvisDir) // chkpt_00001: bias + 0.25
	if err != nil {
		t.Fatal(err)
	}
	if d := latest.Vrest[0] - p0.Vrest[0]; math.Abs(float64(d)-0.25) > 1e-6 {
		t.Errorf("network directory: bias differs by %v from chkpt_00000, want 0.25 (chkpt_00001)", d)
	}
	if p0.Strength[net.FlyvisGroups().Pair[5]] != 0 {
		t.Errorf("a negative syn_strength is not clamped at 0")
	}
	_, err = LoadParams(net, filepath.Join(flyvisDir, "missing_syn_count.pt"))
	if err == nil || !strings.Contains(err.Error(), `"edges_syn_count"`) {
		t.Errorf("missing entry: %v", err)
	}
	_, err = LoadParams(net, filepath.Join(flyvisDir, "names_a_global.pt"))
	if err == nil || !strings.Contains(err.Error(), "global __builtin__.print") {
		t.Errorf("a pickle naming print (__builtin__ in protocol 2): %v", err)
	}
	for _, ext := range []string{".npz", ""} {
		path := filepath.Join(t.TempDir(), "chkpt_00000"+ext)
		if err := SaveParams(net, p0, path, 0.02); err != nil {
			t.Fatal(err)
		}
		back, err := LoadParams(net, path)
		if err != nil {
			t.Fatal(err)
		}
		same := func(a, b []float32, tol float64) bool {
			for i := range a {
				if math.Abs(float64(a[i]-b[i])) > tol*math.Max(1, math.Abs(float64(a[i]))) {
					return false
				}
			}
			return len(a) == len(b)
		}
		if !same(p0.Vrest, back.Vrest, 0) || !same(p0.Tau, back.Tau, 0) || !same(p0.Strength, back.Strength, 0) || !same(p0.Coef, back.Coef, 1e-6) {
			t.Errorf("%q: parameters differ after writing and reading back", ext)
		}
	}
}

func TestFlyvisShapeErrors(t *testing.T) {
	net := flyvisNet(t)
	g := net.FlyvisGroups()
	f := FlyvisOf(net.DefaultParams(0), g, net)
	f.SynCount = f.SynCount[1:]
	if _, err := f.Params(g, net); err == nil || !strings.Contains(err.Error(), "edges_syn_count") {
		t.Errorf("short syn_count: %v", err)
	}
	if _, err := os.Stat(flyvisCkpt); err != nil {
		t.Fatal(err)
	}
}

// stepTau raises time constants below dt to dt, copying Tau, and leaves
// Params without one alone.
func TestStepTau(t *testing.T) {
	tau := []float32{0.004, 0.05}
	q := Params{Tau: tau}.stepTau(0.005)
	if q.Tau[0] != 0.005 || q.Tau[1] != 0.05 || tau[0] != 0.004 {
		t.Errorf("stepTau: %v (input now %v)", q.Tau, tau)
	}
	if r := (Params{Tau: tau[1:]}).stepTau(0.02); &r.Tau[0] != &tau[1] {
		t.Errorf("stepTau copied Tau without a change")
	}
}

// A bare state dict (torch.save(network.state_dict())) reads like the
// checkpoint it came from.
func TestLoadParamsBareStateDict(t *testing.T) {
	net := flyvisNet(t)
	f, err := ReadFlyvis(flyvisCkpt)
	if err != nil {
		t.Fatal(err)
	}
	var ts []pt.Tensor
	for i, v := range f.values() {
		ts = append(ts, pt.Tensor{Name: flyvisNames[i], Shape: []int{len(*v)}, Data: *v})
	}
	path := filepath.Join(t.TempDir(), "network.pt")
	var b bytes.Buffer
	if err := pt.EncodeStateDict(&b, ts); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := LoadParams(net, path)
	if err != nil {
		t.Fatal(err)
	}
	if p.Vrest[7] != f.Bias[7] || p.Coef[100] == 0 {
		t.Errorf("bare state dict read differently")
	}
}
