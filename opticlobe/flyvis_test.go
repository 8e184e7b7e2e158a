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
	for _, c := range []struct {
		params string
		shift  float64
	}{{flyvisDir, 0.25}, {flyvisDir + "@best", 0.25}, {flyvisDir + "@latest", 0.5}, {flyvisDir + "@0", 0}, {flyvisDir + "@-1", 0.5}} {
		p, err := LoadParams(net, c.params)
		if err != nil {
			t.Fatal(err)
		}
		if d := p.Vrest[0] - p0.Vrest[0]; math.Abs(float64(d)-c.shift) > 1e-6 {
			t.Errorf("%s: bias differs by %v from chkpt_00000, want %v", c.params, d, c.shift)
		}
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

// ChooseCheckpoint picks as flyvis: the smallest val_loss by default
// (the fixture's PyTorch-written directory: 0.125, 0.0625, 0.25), the
// latest or the N-th on request; what is missing is named.
func TestChooseCheckpoint(t *testing.T) {
	for which, want := range map[string]string{"": "chkpt_00001", "best": "chkpt_00001", "latest": "chkpt_00002", "0": "chkpt_00000", "2": "chkpt_00002", "-3": "chkpt_00000"} {
		got, err := ChooseCheckpoint(flyvisDir, which)
		if err != nil || filepath.Base(got) != want {
			t.Errorf("%q: %s, %v; want %s", which, got, err, want)
		}
	}
	for i, want := range []float64{0.125, 0.0625, 0.25} {
		loss, ok, err := ValLoss(filepath.Join(flyvisDir, "chkpts", "chkpt_0000"+string(rune('0'+i))))
		if err != nil || !ok || loss != want {
			t.Errorf("chkpt_0000%d: val_loss %v, %v, %v; want %v", i, loss, ok, err, want)
		}
	}
	noval := filepath.Join(flyvisDir, "no_val_loss")
	empty := t.TempDir()
	for _, c := range []struct{ dir, which, want string }{
		{flyvisDir, "3", "no such checkpoint"},
		{flyvisDir, "-4", "no such checkpoint"},
		{flyvisDir, "first", "unknown checkpoint choice"},
		{noval, "", "no val_loss in chkpt_00000"},
		{empty, "", "no flyvis checkpoint"},
		{empty, "latest", "no flyvis checkpoint"},
	} {
		_, err := ChooseCheckpoint(c.dir, c.which)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.dir) {
			t.Errorf("%s@%s: %v, want an error naming the directory and %q", c.dir, c.which, err, c.want)
		}
	}
	if got, err := ChooseCheckpoint(noval, "latest"); err != nil || filepath.Base(got) != "chkpt_00000" {
		t.Errorf("no val_loss, latest: %s, %v", got, err)
	}
	if _, err := ReadFlyvis(flyvisCkpt + "@latest"); err == nil || !strings.Contains(err.Error(), "is a file") {
		t.Errorf("a file@latest: %v", err)
	}
	if p, w := SplitParams(flyvisDir + "@7"); p != flyvisDir || w != "7" {
		t.Errorf("SplitParams: %q, %q", p, w)
	}
	if p, w := SplitParams("a@b/c"); p != "a@b/c" || w != "" {
		t.Errorf("SplitParams of a directory named with @: %q, %q", p, w)
	}
}

// Checkpoints written by SaveCheckpoint carry their val_loss (a NaN one,
// SaveParams's, is passed over by best); the best of a directory is their
// argmin.
func TestSaveCheckpointValLoss(t *testing.T) {
	net := smallNet(t)
	p := net.DefaultParams(1)
	dir := filepath.Join(t.TempDir(), "chkpts")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for i, loss := range []float64{math.NaN(), 3, 2, 2, 5} {
		path := filepath.Join(dir, "chkpt_0000"+string(rune('0'+i)))
		if err := SaveCheckpoint(net, p, path, CheckpointInfo{DT: 0.02, ValLoss: loss, Iteration: 10 * i}); err != nil {
			t.Fatal(err)
		}
		got, ok, err := ValLoss(path)
		if err != nil || !ok || !(got == loss || math.IsNaN(loss) && math.IsNaN(got)) {
			t.Errorf("val_loss %v: read %v, %v, %v", loss, got, ok, err)
		}
	}
	if got, err := ChooseCheckpoint(filepath.Dir(dir), ""); err != nil || filepath.Base(got) != "chkpt_00002" {
		t.Errorf("best: %s, %v; want chkpt_00002 (the first of the two smallest)", got, err)
	}
	one := t.TempDir()
	if err := SaveParams(net, p, filepath.Join(one, "chkpt_00000"), 0.02); err != nil {
		t.Fatal(err)
	}
	if _, err := ChooseCheckpoint(one, ""); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("best of checkpoints of unknown loss: %v", err)
	}
}
