package opticflow

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/opticlobe"
)

// Fit on a small eye writes metrics.csv (the untrained validation loss
// first) and flyvis-shaped checkpoints that LoadParams reads back as the
// trained values; with a large learning rate the validation loss falls.
func TestFit(t *testing.T) {
	net := smallNet(t, 2)
	dir := t.TempDir()
	var log strings.Builder
	cfg := FitConfig{Iterations: 30, EvalEvery: 10, LR: 1e-2, Seed: 1, Out: dir, ValBatches: 2, Scenes: 4}
	rows, err := Fit(net, cfg, &log)
	if err != nil {
		t.Fatal(err)
	}
	// the level of predicting no flow: the mean over the validation
	// batches of the flow's own l2norm, in the untrained network's line
	cfg = cfg.withDefaults()
	cfg.Data.Extent = 2
	data, err := New(cfg.Data)
	if err != nil {
		t.Fatal(err)
	}
	nc, frames := opticlobe.ColumnCount(2), data.Config().Frames
	x, flow := make([]float32, frames*cfg.Batch*nc), make([]float32, frames*cfg.Batch*2*nc)
	var none float64
	for k := range cfg.ValBatches {
		data.Batch(x, flow, Validation, k*cfg.Batch)
		none += L2Norm(nil, make([]float32, len(flow)), flow, frames, cfg.Batch) / float64(cfg.ValBatches)
	}
	if want := fmt.Sprintf("(predicting no flow: %.5g)", none); !(none > 0) || !strings.Contains(log.String(), want) {
		t.Errorf("log does not say %q:\n%s", want, log.String())
	}
	if len(rows) != 4 || rows[0].Iteration != 0 || rows[3].Iteration != 30 || !math.IsNaN(rows[0].TrainLoss) {
		t.Fatalf("rows %+v", rows)
	}
	for _, r := range rows {
		t.Logf("%+v", r)
	}
	if !(rows[3].TrainLoss < rows[1].TrainLoss) || math.IsNaN(rows[3].ValLoss) {
		t.Errorf("training loss %v in steps 20–30, %v in the first 10; validation %v", rows[3].TrainLoss, rows[1].TrainLoss, rows[3].ValLoss)
	}
	b, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 5 || lines[0] != "iteration,train_loss,val_loss,seconds" || !strings.HasPrefix(lines[1], "0,,") {
		t.Fatalf("metrics.csv:\n%s", b)
	}
	if st, err := os.Stat(filepath.Join(dir, "curves.png")); err != nil || st.Size() < 1000 {
		t.Errorf("curves.png: %v", err)
	}
	p, err := opticlobe.LoadParams(net, filepath.Join(dir, "chkpts", "chkpt_00003"))
	if err != nil {
		t.Fatal(err)
	}
	p0, err := opticlobe.LoadParams(net, filepath.Join(dir, "chkpts", "chkpt_00000"))
	if err != nil {
		t.Fatal(err)
	}
	def := net.DefaultParams(1)
	if p0.Vrest[0] != def.Vrest[0] || p.Vrest[0] == def.Vrest[0] {
		t.Errorf("nodes_bias[0]: %v untrained, %v trained, %v initial", p0.Vrest[0], p.Vrest[0], def.Vrest[0])
	}
	for _, v := range p.Strength {
		if v < 0 {
			t.Fatal("a negative synaptic strength")
		}
	}
}

func TestWants(t *testing.T) {
	for args, want := range map[string]bool{
		"--model optic-lobe --out x": true, "-model=optic-lobe": true, "--model rnn": false,
		"--out optic-lobe": false, "--model": false,
	} {
		if got := Wants(strings.Fields(args)); got != want {
			t.Errorf("%q: %v", args, got)
		}
	}
}

// BenchmarkFitStep is one training step as flyvis's defaults define it
// (batch 4, 19 frames at dt 0.02, euler from the steady state, decoder,
// l2norm, backward, Adam), with its batch's generation, at extent 15.
func BenchmarkFitStep(b *testing.B) {
	net := smallNet(b, opticlobe.DefaultExtent)
	f, err := newFitter(net, FitConfig{Iterations: 10}.withDefaults())
	if err != nil {
		b.Fatal(err)
	}
	defer f.tr.Close()
	f.steady()
	for i := 0; b.Loop(); i++ {
		if _, err := f.step(i); err != nil {
			b.Fatal(err)
		}
	}
}

// The activity penalty raises the resting potentials of a network whose
// central voltages lie below flyvis's baseline of 5.
func TestFitPenalty(t *testing.T) {
	net := smallNet(t, 2)
	var sums [2]float64
	for k, off := range []bool{true, false} {
		p := net.DefaultParams(1)
		if _, err := Fit(net, FitConfig{Iterations: 3, LR: 1e-2, Seed: 1, Params: &p, NoPenalty: off}, nil); err != nil {
			t.Fatal(err)
		}
		for _, v := range p.Vrest {
			sums[k] += float64(v)
		}
	}
	if !(sums[1] > sums[0]) {
		t.Errorf("sum of resting potentials %v with the penalty, %v without", sums[1], sums[0])
	}
}

// A run stopped after a step and started again in the same directory goes
// on from its last validation bit for bit: the same rows and parameters
// as a run that did not stop; a run of other settings is refused there.
func TestFitResume(t *testing.T) {
	net := smallNet(t, 2)
	cfg := FitConfig{Iterations: 6, EvalEvery: 2, LR: 1e-2, Seed: 4, Batch: 2, ValBatches: 1}
	run := func(dir string, stop int, fresh bool, pseed uint64) ([]FitRow, opticlobe.Params) {
		p := net.DefaultParams(pseed)
		c := cfg
		c.Out, c.StopAfter, c.Params, c.Fresh = dir, stop, &p, fresh
		rows, err := Fit(net, c, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rows, p
	}
	want, pw := run(t.TempDir(), 0, false, 4)
	dir := t.TempDir()
	if rows, _ := run(dir, 3, false, 4); len(rows) != 2 {
		t.Fatalf("stopped run: %d rows", len(rows))
	}
	// other initial values: only a resumed run ends where the first did
	got, pg := run(dir, 0, false, 99)
	if len(got) != len(want) {
		t.Fatalf("%d rows resumed, %d uninterrupted", len(got), len(want))
	}
	for i := range want {
		if got[i].ValLoss != want[i].ValLoss || (i > 0 && got[i].TrainLoss != want[i].TrainLoss) {
			t.Errorf("row %d: %+v resumed, %+v uninterrupted", i, got[i], want[i])
		}
	}
	for k := range pw.Strength {
		if pg.Strength[k] != pw.Strength[k] {
			t.Fatalf("edges_syn_strength[%d]: %v resumed, %v uninterrupted", k, pg.Strength[k], pw.Strength[k])
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if n := strings.Count(string(b), "\n"); n != 5 {
		t.Errorf("metrics.csv has %d lines after resuming:\n%s", n, b)
	}
	c := cfg
	c.Out, c.Seed = dir, 5
	if _, err := Fit(net, c, nil); err == nil || !strings.Contains(err.Error(), "other settings") {
		t.Errorf("other seed in the same directory: %v", err)
	}
	c.Seed, c.LR = cfg.Seed, 2e-2
	if _, err := Fit(net, c, nil); err == nil || !strings.Contains(err.Error(), "other settings (data: procedural, lr 0.01, schedule of 0 steps)") {
		t.Errorf("other learning rate in the same directory: %v", err)
	}
	if rows, _ := run(dir, 0, true, 4); len(rows) != 4 {
		t.Errorf("fresh run: %d rows", len(rows))
	}
}

// Training shows progress only on a terminal: with Progress a buffer
// (output piped), nothing is written to it.
func TestFitQuietWhenPiped(t *testing.T) {
	net := smallNet(t, 2)
	var bar, log bytes.Buffer
	if _, err := Fit(net, FitConfig{Iterations: 3, EvalEvery: 3, Batch: 2, ValBatches: 1, Progress: &bar}, &log); err != nil {
		t.Fatal(err)
	}
	if bar.Len() != 0 {
		t.Errorf("progress written to a pipe: %q", bar.String())
	}
	if !strings.Contains(log.String(), "iteration 0 (untrained): validation loss") || !strings.Contains(log.String(), "iteration 3: train loss") {
		t.Errorf("log:\n%s", log.String())
	}
}

// With the schedule's span fixed, a finished run goes on to more
// iterations as if it had been started with them: the same rows and
// parameters as a run of that length; without it, or from off the
// validation grid, or to fewer iterations than done, it is refused.
func TestFitExtend(t *testing.T) {
	net := smallNet(t, 2)
	cfg := FitConfig{Iterations: 6, EvalEvery: 2, LR: 1e-2, Seed: 4, Batch: 2, ValBatches: 1, Schedule: 40}
	run := func(dir string, iters int) ([]FitRow, opticlobe.Params, error) {
		p := net.DefaultParams(4)
		c := cfg
		c.Out, c.Iterations, c.Params = dir, iters, &p
		rows, err := Fit(net, c, nil)
		return rows, p, err
	}
	want, pw, err := run(t.TempDir(), 6)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, _, err := run(dir, 4); err != nil {
		t.Fatal(err)
	}
	got, pg, err := run(dir, 6)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d rows extended, %d in one run", len(got), len(want))
	}
	for i := range want {
		if got[i].ValLoss != want[i].ValLoss || (i > 0 && got[i].TrainLoss != want[i].TrainLoss) {
			t.Errorf("row %d: %+v extended, %+v in one run", i, got[i], want[i])
		}
	}
	if !slices.Equal(pg.Strength, pw.Strength) || !slices.Equal(pg.Vrest, pw.Vrest) || !slices.Equal(pg.Tau, pw.Tau) {
		t.Error("the extended run's parameters differ from one run's")
	}
	if _, _, err := run(dir, 4); err == nil || !strings.Contains(err.Error(), "past the 4 iterations") {
		t.Errorf("shortened below where it is: %v", err)
	}
	// off the validation grid: a run of 5 ends with a validation at 5
	off := t.TempDir()
	if _, _, err := run(off, 5); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(off, 8); err == nil || !strings.Contains(err.Error(), "off its validation grid") {
		t.Errorf("extended from off the grid: %v", err)
	}
	// the schedule spanning the run's own length
	cfg.Schedule = 0
	plain := t.TempDir()
	if _, _, err := run(plain, 4); err != nil {
		t.Fatal(err)
	}
	if _, _, err := run(plain, 6); err == nil || !strings.Contains(err.Error(), "--schedule-iterations") {
		t.Errorf("extended with the schedule spanning the run: %v", err)
	}
}

// The learning rate follows flyvis's stepwise schedule: np.linspace(5e-5,
// 5e-6, 10), each for a tenth of the run.
func TestLRSchedule(t *testing.T) {
	c := FitConfig{Iterations: 100, LR: 5e-5}
	for it, want := range map[int]float64{0: 5e-5, 9: 5e-5, 10: 4.5e-5, 55: 2.5e-5, 99: 5e-6, 100: 5e-6} {
		if got := c.lrAt(it); math.Abs(got-want) > 1e-18 {
			t.Errorf("step %d: %v, want %v", it, got, want)
		}
	}
	c.Schedule = 250000 // the start of flyvis's run
	for it, want := range map[int]float64{99: 5e-5, 24999: 5e-5, 25000: 4.5e-5, 249999: 5e-6} {
		if got := c.lrAt(it); math.Abs(got-want) > 1e-18 {
			t.Errorf("step %d of 250000: %v, want %v", it, got, want)
		}
	}
}

// The checkpoints of a run are flyvis's: torch.load(weights_only=True)
// reads them, their decoder["flow"] loads strictly into a module of
// DecoderGAVP's structure, and val_loss and iteration are the run's.
func TestFitCheckpointTorch(t *testing.T) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	net := smallNet(t, 2)
	dir := t.TempDir()
	rows, err := Fit(net, FitConfig{Iterations: 2, EvalEvery: 2, LR: 1e-2, Seed: 3, Batch: 2, ValBatches: 1, Out: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/usr/bin/python3", "-c", `import sys, torch
from torch import nn
c = torch.load(sys.argv[1], weights_only=True)
m = nn.Module()
m.base = nn.Sequential(nn.Conv2d(34, 8, 5, padding=2), nn.BatchNorm2d(8), nn.Softplus(), nn.Dropout(0.5))
m.decoder = nn.Sequential(nn.Conv2d(8, 3, 5, padding=2))
m.load_state_dict(c["decoder"]["flow"], strict=True)
print("%.6g %d %d %d" % (c["val_loss"].item(), c["iteration"], m.base[1].num_batches_tracked.item(), len(c["network"])))`,
		filepath.Join(dir, "chkpts", "chkpt_00001")).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "No module named") {
			t.Skip("no torch")
		}
		t.Fatalf("%v: %s", err, out)
	}
	want := fmt.Sprintf("%.6g 2 2 5", rows[1].ValLoss)
	if strings.TrimSpace(string(out)) != want {
		t.Errorf("torch.load: %s, want %s", out, want)
	}
}

// One backward sweep with the activity penalty's adjoint alongside
// (BackwardDual) gives the gradients of two separate passes.
func TestBackwardWithPenalty(t *testing.T) {
	net := smallNet(t, 3)
	f, err := newFitter(net, FitConfig{Iterations: 10, Seed: 2}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	defer f.tr.Close()
	f.steady()
	f.data.Batch(f.x, f.flow, Train, 0)
	if _, err := f.tr.Forward(f.x, f.solve); err != nil {
		t.Fatal(err)
	}
	grads := func() [][]float32 {
		var g [][]float32
		for _, q := range f.tr.Params() {
			g = append(g, append([]float32(nil), q.Grad...))
		}
		return g
	}
	f.tr.Backward()
	pen0 := penaltyGrad(f)
	want := grads()
	pen, err := f.backwardWithPenalty()
	if err != nil {
		t.Fatal(err)
	}
	got := grads()
	pen = append([]float32(nil), pen...)
	again, err := f.backwardWithPenalty() // the sweep's buffers reused
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(again, pen) || !reflect.DeepEqual(grads(), got) {
		t.Error("a second backward sweep differs from the first")
	}
	worst := func(a, b []float32) float64 { // largest difference over the largest gradient
		var d, m float64
		for k := range a {
			d, m = max(d, math.Abs(float64(a[k]-b[k]))), max(m, math.Abs(float64(b[k])))
		}
		return d / m
	}
	nonzero := 0
	for _, v := range pen0 {
		if v != 0 {
			nonzero++
		}
	}
	if nonzero < len(pen0)/2 {
		t.Fatalf("penalty gradient nonzero for %d of %d types", nonzero, len(pen0))
	}
	w := worst(pen, pen0)
	t.Logf("penalty's nodes_bias gradient: difference %.3g of the largest", w)
	if w > 1e-5 {
		t.Errorf("penalty's nodes_bias gradient: difference %.3g of the largest", w)
	}
	for i := range want {
		w := worst(got[i], want[i])
		t.Logf("%s: difference %.3g of the largest", f.tr.Params()[i].Name, w)
		if w > 1e-5 {
			t.Errorf("%s: difference %.3g of the largest", f.tr.Params()[i].Name, w)
		}
	}
}

// penaltyGrad is backwardWithPenalty's reference: it returns the activity
// penalty's gradient of nodes_bias at the parameters of the last forward
// pass, leaving the flow loss's gradients in place, by a backward pass of
// its own.
func penaltyGrad(f *fitter) []float32 {
	ps := f.tr.Params()
	saved := make([][]float32, len(ps))
	for i, q := range ps {
		saved[i] = append([]float32(nil), q.Grad...)
	}
	f.task.PenaltyPhase = true
	f.m.SetFrozen([]bool{opticlobe.ParamTimeConst: true, opticlobe.ParamStrength: true}) // only nodes_bias's: no per-edge gradients
	f.tr.Backward()
	f.m.SetFrozen(nil)
	f.task.PenaltyPhase = false
	pen := append([]float32(nil), ps[opticlobe.ParamBias].Grad...)
	for i, q := range ps {
		copy(q.Grad, saved[i])
	}
	return pen
}

// A network that is not at rest after the grey before the movies (here
// its L2–L4 loop made unstable) gets a warning in the log at each
// validation; flyvis's initial network gets none.
func TestFitWarnsNotAtRest(t *testing.T) {
	net := smallNet(t, 2)
	for _, scale := range []float32{1, 20} {
		p := net.DefaultParams(1)
		for _, q := range net.PairsAmong("L2", "L4") {
			p.Strength[q] *= scale
		}
		var log strings.Builder
		_, err := Fit(net, FitConfig{Iterations: 1, EvalEvery: 1, Seed: 1, Batch: 1, ValBatches: 1, Params: &p}, &log)
		if err != nil {
			t.Fatal(err)
		}
		warned := strings.Contains(log.String(), "not at rest")
		t.Logf("strengths ×%v: %s", scale, log.String())
		if warned != (scale > 1) {
			t.Errorf("strengths of the L2–L4 loop ×%v: warned %v; log:\n%s", scale, warned, log.String())
		}
	}
}
