package train

import (
	"errors"
	"github.com/neuropil/neuropil/ode"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func synthData(n, inputs, classes int, seed uint64) *Dataset {
	rng := rand.New(rand.NewPCG(seed, 1))
	d := &Dataset{X: make([]float32, n*inputs), Labels: make([]int, n), Inputs: inputs}
	for i := range d.Labels {
		l := rng.IntN(classes)
		d.Labels[i] = l
		for k := 0; k < inputs; k++ {
			v := rng.NormFloat64() * 0.3
			if k%classes == l {
				v += 1.5
			}
			d.X[i*inputs+k] = float32(v)
		}
	}
	return d
}

func fitSmall(t *testing.T, ckpt string, stop func(e, b int) bool) (*Model, State, error) {
	m := smallModel(t, smallOpts{neurons: 20, inputs: 6, outputs: 8, hidden: 8, classes: 3, phi: "sigmoid", proj: true, dropout: 0.2, seed: 9})
	m.Dropout = 0.2
	opt, err := NewOptimizer(OptimConfig{Method: "adamw", LR: 0.02, Schedule: "cosine", TotalSteps: 20, Clip: 1}, m.Params())
	if err != nil {
		t.Fatal(err)
	}
	var st State
	rc := RunConfig{Epochs: 2, Batch: 4, Seed: 3, Solve: Solve{Steps: 5, LossAll: true}, Workers: 2,
		Checkpoint: ckpt, CheckpointEvery: 3, Stop: stop}
	err = Fit(m, opt, &st, synthData(40, 6, 3, 1), synthData(12, 6, 3, 2), rc)
	return m, st, err
}

func TestResumeMatchesUninterrupted(t *testing.T) {
	dir := t.TempDir()
	want, wantSt, err := fitSmall(t, filepath.Join(dir, "a.ckpt"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(wantSt.History) != 2 || !(wantSt.History[1].TrainLoss < wantSt.History[0].TrainLoss) {
		t.Fatalf("the run does not learn: %+v", wantSt.History)
	}
	// Kill the second run in the middle of epoch 2 (batch 5, after the
	// checkpoint of batch 3), then resume from the file.
	ckpt := filepath.Join(dir, "b.ckpt")
	_, _, err = fitSmall(t, ckpt, func(e, b int) bool { return e == 1 && b == 5 })
	if !errors.Is(err, ErrStopped) {
		t.Fatalf("stop hook: %v", err)
	}
	c, err := Load(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if c.State.Epoch != 1 || c.State.Batch != 3 {
		t.Fatalf("checkpoint at epoch %d batch %d, want 1, 3", c.State.Epoch, c.State.Batch)
	}
	st := c.State
	rc := RunConfig{Epochs: 2, Batch: 4, Seed: 3, Solve: Solve{Steps: 5, LossAll: true}, Workers: 2, Checkpoint: ckpt, CheckpointEvery: 3}
	if err := Fit(c.Model, c.Opt, &st, synthData(40, 6, 3, 1), synthData(12, 6, 3, 2), rc); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Model.Params(), want.Params()) {
		t.Error("resumed run ends with other parameters than the uninterrupted one")
	}
	for i := range st.History {
		st.History[i].Seconds, wantSt.History[i].Seconds = 0, 0
	}
	if !reflect.DeepEqual(st.History, wantSt.History) {
		t.Errorf("metrics differ:\n%+v\n%+v", st.History, wantSt.History)
	}
}

func TestNonFiniteErrors(t *testing.T) {
	m := smallModel(t, smallOpts{neurons: 10, inputs: 4, outputs: 3, hidden: 4, classes: 3, phi: "tanh", seed: 1})
	r := NewRunner(m, 2, 1)
	defer r.Close()
	x := []float32{1, 2, 3, float32(math.NaN()), 0, 0, 0, 0}
	if _, err := r.Forward(x, []int{0, 1}, nil, Solve{}); err == nil || !strings.Contains(err.Error(), "NaN") {
		t.Errorf("NaN input: %v", err)
	}
	for i := range m.FC2 {
		m.FC2[i] = 3e38
	}
	for i := range m.B1 {
		m.B1[i] = 10 // every hidden unit active
	}
	x[3] = 1
	if _, err := r.Forward(x, []int{0, 1}, nil, Solve{}); err == nil || !strings.Contains(err.Error(), "loss is") {
		t.Errorf("overflowing logits: %v", err)
	}
	if _, err := r.Forward(x, []int{0, 7}, nil, Solve{}); err == nil || !strings.Contains(err.Error(), "label 7") {
		t.Errorf("bad label: %v", err)
	}
	if _, err := r.Forward(x, []int{0, 1}, nil, Solve{Method: "heun"}); err == nil || !strings.Contains(err.Error(), strings.Join(ode.Names(), ", ")) {
		t.Errorf("unknown solver: %v", err)
	}
	// A learning rate that blows the model up ends training with an error
	// that names the batch.
	m2 := smallModel(t, smallOpts{neurons: 10, inputs: 4, outputs: 3, hidden: 4, classes: 3, phi: "identity", seed: 2})
	opt, _ := NewOptimizer(OptimConfig{Method: "sgd", LR: 1e30}, m2.Params())
	var st State
	err := Fit(m2, opt, &st, synthData(16, 4, 3, 1), nil, RunConfig{Epochs: 1, Batch: 4, Solve: Solve{Steps: 3}})
	if err == nil || !strings.Contains(err.Error(), "epoch 1, batch") {
		t.Errorf("diverging run: %v", err)
	}
}

func TestDatasetShapeErrors(t *testing.T) {
	m := smallModel(t, smallOpts{neurons: 10, inputs: 4, outputs: 3, hidden: 4, classes: 3, phi: "tanh", seed: 1})
	opt, _ := NewOptimizer(OptimConfig{}, m.Params())
	var st State
	err := Fit(m, opt, &st, synthData(16, 5, 3, 1), nil, RunConfig{Epochs: 1, Batch: 4})
	if err == nil || !strings.Contains(err.Error(), "samples have 5 inputs, the model takes 4") {
		t.Errorf("wrong input size: %v", err)
	}
	if _, _, err := Evaluate(m, synthData(4, 3, 3, 1), 2, 1, Solve{}); err == nil {
		t.Error("Evaluate accepted a dataset of the wrong size")
	}
}

// TestEvaluateProgress: the test pass reports each batch's samples done,
// ending at the total, with the same result as without a callback.
func TestEvaluateProgress(t *testing.T) {
	m := smallModel(t, smallOpts{neurons: 10, inputs: 4, outputs: 3, hidden: 4, classes: 3, phi: "tanh", seed: 1})
	d := synthData(10, 4, 3, 2)
	var done []int
	l1, a1, err := EvaluateWith(m, d, 4, 1, Solve{}, func(k, total int) {
		if total != 10 {
			t.Errorf("total %d", total)
		}
		done = append(done, k)
	})
	l2, a2, err2 := Evaluate(m, d, 4, 1, Solve{})
	if err != nil || err2 != nil || l1 != l2 || a1 != a2 || !slices.Equal(done, []int{4, 8, 10}) {
		t.Errorf("progress %v; %v %v %v vs %v %v %v", done, l1, a1, err, l2, a2, err2)
	}
}
