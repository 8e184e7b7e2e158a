package sim

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
)

// writeNPY writes data with shape as dir/name and returns its path.
func writeNPY(t *testing.T, dir, name string, shape []int, data any) string {
	t.Helper()
	p := filepath.Join(dir, name)
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := npy.Encode(f, shape, data); err != nil {
		t.Fatal(err)
	}
	return p
}

// files writes the fixture as the files of a NetworkConfig: the
// connectome (with its signs in the neuron table), the input, the input
// indices, the bias and the per-neuron time constants.
func (f *fixture) files(t *testing.T, dir string) NetworkConfig {
	t.Helper()
	cfg := f.config(t)
	conn := filepath.Join(dir, "w.npz")
	if err := format.Save(conn, &connectome.Connectome{W: cfg.W, Sign: f.Sign}, format.Options{}); err != nil {
		t.Fatal(err)
	}
	idx := make([]int64, len(f.Indices))
	for k, i := range f.Indices {
		idx[k] = int64(i)
	}
	c := NetworkConfig{Connectome: conn, Batch: f.Batch, T0: f.T0, T1: f.T1, Evals: f.Evals, Dale: f.Dale, DaleClamp: f.Dale,
		Input:        writeNPY(t, dir, "x.npy", []int{f.Frames, f.Batch, f.Inputs}, f.X),
		InputIndices: writeNPY(t, dir, "idx.npy", []int{len(idx)}, idx),
		Nonlinearity: cfg.Nonlinearity, Tau: float64(cfg.Tau),
		Solver: ode.Settings{Method: "rk4", Steps: f.Steps}}
	if f.Bias != nil {
		c.Bias = writeNPY(t, dir, "bias.npy", []int{f.N}, f.Bias)
	}
	if cfg.TauNeuron != nil {
		c.TauFile = writeNPY(t, dir, "tau.npy", []int{f.N}, cfg.TauNeuron)
	}
	return c
}

func loadNetwork(t *testing.T, c NetworkConfig) *Network {
	t.Helper()
	n, err := LoadNetwork(c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Close)
	return n
}

// TestLoadNetworkMatchesPyTorch: a network read from files is the model
// PyTorch integrated (dale's signs from the neuron table, per-neuron tau,
// bias, input indices and frames over [t0, t1] included).
func TestLoadNetworkMatchesPyTorch(t *testing.T) {
	for _, f := range loadFixtures(t) {
		n := loadNetwork(t, f.files(t, t.TempDir()))
		res, err := n.Run(nil)
		if err != nil {
			t.Fatal(f.Name, err)
		}
		worst := 0.0
		for k, v := range res.Activity {
			worst = max(worst, math.Abs(float64(v)-f.RK4[k]))
		}
		if worst > rk4Tol || len(res.Activity) != len(f.RK4) {
			t.Errorf("%s: %d values, off PyTorch's rk4 by %g > %g", f.Name, len(res.Activity), worst, rk4Tol)
		}
	}
}

// TestNetworkReadoutAndInitialState: H0 is read [batch][neurons] and
// transposed, OutputNeurons and BatchFirst are the readout's.
func TestNetworkReadoutAndInitialState(t *testing.T) {
	f := loadFixtures(t)[0]
	dir := t.TempDir()
	c := f.files(t, dir)
	h0 := make([]float32, f.Batch*f.N) // [batch][neurons]
	y0 := make([]float32, f.N*f.Batch) // [neurons][batch]
	for b := 0; b < f.Batch; b++ {
		for i := 0; i < f.N; i++ {
			h0[b*f.N+i] = float32(i+1) / float32(f.N*(b+1))
			y0[i*f.Batch+b] = h0[b*f.N+i]
		}
	}
	c.H0 = writeNPY(t, dir, "h0.npy", []int{f.Batch, f.N}, h0)
	c.OutputNeurons = writeNPY(t, dir, "out.npy", []int{3}, []int64{5, 0, 2})
	c.BatchFirst = true
	res, err := loadNetwork(t, c).Run(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := f.run(t, Readout{Neurons: []int{5, 0, 2}, BatchFirst: true}, Settings{Solver: c.Solver, Y0: y0})
	if !slices.Equal(res.Activity, want.Activity) || !slices.Equal(res.Shape(), []int{f.Batch, f.Evals, 3}) {
		t.Errorf("activity %v of shape %v, want sim.Run's %v", res.Activity[:6], res.Shape(), want.Activity[:6])
	}
}

// TestNetworkDefaults: the default input projection draws its neurons from
// the seed, the same for the same seed; a discrete run takes one output
// time per frame.
func TestNetworkDefaults(t *testing.T) {
	f := loadFixtures(t)[0]
	dir := t.TempDir()
	c := f.files(t, dir)
	c.InputIndices = ""
	run := func(c NetworkConfig) []float32 {
		res, err := loadNetwork(t, c).Run(nil)
		if err != nil {
			t.Fatal(err)
		}
		return res.Activity
	}
	a, b := run(c), run(c)
	c.Seed = 1
	if d := run(c); !slices.Equal(a, b) || slices.Equal(a, d) {
		t.Error("random input neurons: not the same for one seed, or the same for two")
	}
	c.Discrete, c.Evals = true, 0
	n := loadNetwork(t, c)
	if _, ok := n.Model.(*model.RNN); !ok || n.Evals != f.Frames {
		t.Errorf("discrete: model %T, %d output times, want an RNN and %d", n.Model, n.Evals, f.Frames)
	}
	if t0, t1 := n.Span(); t0 != 0 || t1 != float64(f.Frames) {
		t.Errorf("discrete span [%v, %v], want [0, frames]", t0, t1)
	}
}

func TestNetworkErrors(t *testing.T) {
	f := loadFixtures(t)[0]
	dir := t.TempDir()
	base := f.files(t, dir)
	flag := func(field string) string { return "-" + strings.ToLower(field) }
	plain := filepath.Join(dir, "plain.npz")
	if err := format.Save(plain, connectome.Random(f.N, 100, 1), format.Options{}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		edit  func(c *NetworkConfig)
		names Namer
		want  string
	}{
		{"batch", func(c *NetworkConfig) { c.Batch = -1 }, flag, "-batch -1: must be at least 1"},
		{"interval", func(c *NetworkConfig) { c.T0, c.T1 = 1, 0.5 }, nil, "T0 1, T1 0.5: need finite t0 < t1"},
		{"tau", func(c *NetworkConfig) { c.Tau = math.Inf(1) }, nil, "Tau +Inf: must be positive"},
		{"input and mnist", func(c *NetworkConfig) { c.MNIST = dir }, flag, "-input and -mnist both given: choose one"},
		{"indices and projection", func(c *NetworkConfig) { c.InputProjection = "p.npz" }, nil, "InputIndices and InputProjection both given"},
		{"output bias alone", func(c *NetworkConfig) { c.OutputBias = "b.npy" }, nil, "OutputBias needs OutputProjection"},
		{"index outside", func(c *NetworkConfig) {
			c.OutputNeurons = writeNPY(t, dir, "far.npy", []int{1}, []int64{int64(f.N)})
		}, flag, fmt.Sprintf("-outputneurons %s: index 0 is %d, outside [0, %d)", filepath.Join(dir, "far.npy"), f.N, f.N)},
		{"h0 transposed", func(c *NetworkConfig) {
			c.H0 = writeNPY(t, dir, "h0t.npy", []int{f.N, f.Batch}, make([]float32, f.N*f.Batch))
		}, nil, fmt.Sprintf("H0 %s: shape [%d %d], want [%d %d]", filepath.Join(dir, "h0t.npy"), f.N, f.Batch, f.Batch, f.N)},
		{"input batch", func(c *NetworkConfig) { c.Batch = f.Batch + 1 }, flag, fmt.Sprintf("batch of %d samples, but -batch is %d", f.Batch, f.Batch+1)},
		{"no frames", func(c *NetworkConfig) {
			c.Input = writeNPY(t, dir, "x0.npy", []int{0, f.Batch, f.Inputs}, []float32{})
		}, nil, fmt.Sprintf("Input %s: shape [0 %d %d] holds no frames", filepath.Join(dir, "x0.npy"), f.Batch, f.Inputs)},
		{"discrete evals", func(c *NetworkConfig) { c.Discrete = true }, flag, fmt.Sprintf("so -evals must be %d, not %d", f.Frames, f.Evals)},
		{"no types", func(c *NetworkConfig) { c.TauType = "t.npy" }, nil, "TauType: the connectome " + base.Connectome + " has no neuron types"},
		{"no signs", func(c *NetworkConfig) { c.Connectome, c.Dale = plain, true }, nil, "Dale: the connectome " + plain + " has no neuron signs"},
		{"memory", func(c *NetworkConfig) { c.Evals = 1 << 60 }, flag, fmt.Sprintf("-evals %d × -batch %d × %d values", 1<<60, f.Batch, f.N)},
	}
	for _, c := range cases {
		cfg := base
		c.edit(&cfg)
		cfg.Names = c.names
		n, err := LoadNetwork(cfg)
		if err == nil {
			n.Close()
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func TestNetworkSummaryAndFigures(t *testing.T) {
	f := loadFixtures(t)[0]
	dir := t.TempDir()
	c := f.files(t, dir)
	c.Solver = ode.Settings{Method: "Dopri5"}
	n := loadNetwork(t, c)
	res, err := n.Run(nil)
	if err != nil {
		t.Fatal(err)
	}
	s := n.Summary(res)
	if s.Solver != "dopri5" || s.Rtol != ode.DefaultRtol || s.Atol != ode.DefaultAtol || s.Neurons != f.N ||
		s.Inputs != f.Inputs || s.Frames != f.Frames || s.T0 != f.T0 || s.T1 != f.T1 || s.Layout != "[evals][batch][neurons]" ||
		s.Input != c.Input || s.Connectome != c.Connectome || s.RHSEvals != res.Stats.RHSEvals || s.Nonlinearity != f.Nonlinearity {
		t.Errorf("summary %+v", s)
	}
	if lo, hi := res.Range(); s.ActivityRange[0] != lo || s.ActivityRange[1] != hi {
		t.Errorf("activity range %v, want [%v %v]", s.ActivityRange, lo, hi)
	}
	fig := n.Figures(res)
	e := min(100, f.N)
	w := n.Conn.W
	if fig.Extent != e || len(fig.Traces) != min(25, f.N) || fig.Block[3*e+2] != float32(math.Abs(float64(w.At(2, 3)))) {
		t.Errorf("figures: extent %d, %d traces, block[3][2] %v, want |W[2][3]| = %v", fig.Extent, len(fig.Traces), fig.Block[3*e+2], w.At(2, 3))
	}
	out, err := OpenDir(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	if err := fig.Draw(out); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"connectome.png", "traces.png"} {
		if _, err := os.Stat(out.Path(name)); err != nil {
			t.Error(err)
		}
	}
	c.Solver, c.Discrete, c.Evals, c.BatchFirst = ode.Settings{}, true, 0, true
	n = loadNetwork(t, c)
	if res, err = n.Run(nil); err != nil {
		t.Fatal(err)
	}
	s = n.Summary(res)
	b, _ := json.Marshal(s)
	if s.Solver != "rnn" || s.T1 != float64(f.Frames) || s.Layout != "[batch][evals][neurons]" || strings.Contains(string(b), "rtol") {
		t.Errorf("discrete summary %s", b)
	}
}

// TestCheckSize names the settings that size the run.
func TestCheckSize(t *testing.T) {
	if err := CheckSize(nil, 10, 2, 5, 5); err != nil {
		t.Fatal(err)
	}
	err := CheckSize(func(f string) string { return "--" + strings.ToLower(f) }, 1<<50, 8, 1000, 1000)
	if err == nil || !strings.HasPrefix(err.Error(), "--evals 1125899906842624 × --batch 8 × 1000 values") ||
		!strings.HasSuffix(err.Error(), "; lower --evals or --batch") {
		t.Errorf("error %v", err)
	}
}

// TestNetworkInputShapes: the batch comes from the input file unless
// given, and [batch][28][28] images are one frame of 784 inputs each.
func TestNetworkInputShapes(t *testing.T) {
	dir := t.TempDir()
	conn := filepath.Join(dir, "c.npz")
	if err := format.Save(conn, connectome.Random(50, 200, 1), format.Options{}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		shape                 []int
		batch                 int // NetworkConfig.Batch
		frames, inputs, wantB int
	}{
		{[]int{3, 28, 28}, 0, 1, 784, 3},
		{[]int{2, 5}, 0, 1, 5, 2},
		{[]int{4, 2, 5}, 2, 4, 5, 2},
	} {
		size := 1
		for _, d := range c.shape {
			size *= d
		}
		x := writeNPY(t, dir, fmt.Sprint("x", len(c.shape), c.shape[0], ".npy"), c.shape, make([]float32, size))
		n, err := LoadNetwork(NetworkConfig{Connectome: conn, Input: x, Batch: c.batch})
		if err != nil {
			t.Fatalf("%v: %v", c.shape, err)
		}
		if n.Input.Frames != c.frames || n.Inputs != c.inputs || n.Model.Batch() != c.wantB {
			t.Errorf("%v: %d frames of %d inputs, batch %d; want %d, %d, %d", c.shape, n.Input.Frames, n.Inputs, n.Model.Batch(), c.frames, c.inputs, c.wantB)
		}
		n.Close()
	}
}
