package train

import (
	"reflect"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/model"
)

// composedOf returns a Composed classifier of m's recurrent model and
// head: the generic path, computing with m's own slices.
func composedOf(m *Model) *Composed {
	return &Composed{Recurrent: m.NewRecurrent, Head: m.Readout(), Constrain: m.Project}
}

// Fit trains any Classifier the same way: a Composed one made of the
// model's recurrent part and head ends with the parameters of the model
// trained directly, bit for bit.
func TestFitComposedMatchesModel(t *testing.T) {
	run := func(c func(*Model) Classifier) [][]float32 {
		m := smallModel(t, smallOpts{neurons: 20, inputs: 6, outputs: 8, hidden: 8, classes: 3, phi: "tanh", dale: true, proj: true, dropout: 0.2, seed: 9})
		opt, err := NewOptimizer(OptimConfig{Method: "adamw", LR: 0.02}, m.Params())
		if err != nil {
			t.Fatal(err)
		}
		var st State
		rc := RunConfig{Epochs: 2, Batch: 4, Seed: 3, Solve: Solve{Steps: 5, LossAll: true}, Workers: 2, Frozen: []string{"IH.weight"}}
		if err := Fit(c(m), opt, &st, synthData(24, 6, 3, 1), synthData(8, 6, 3, 2), rc); err != nil {
			t.Fatal(err)
		}
		return m.Params()
	}
	want := run(func(m *Model) Classifier { return m })
	got := run(func(m *Model) Classifier { return composedOf(m) })
	if !reflect.DeepEqual(got, want) {
		t.Error("the composed classifier trains to other parameters than the model")
	}
	init := smallModel(t, smallOpts{neurons: 20, inputs: 6, outputs: 8, hidden: 8, classes: 3, phi: "tanh", dale: true, proj: true, dropout: 0.2, seed: 9})
	if reflect.DeepEqual(want[PW], init.W.Val) || !reflect.DeepEqual(want[PInput], init.Input.Val) {
		t.Error("training left hh.weight as it was or changed the frozen ih.weight")
	}
}

// A frozen parameter keeps its values; the names are the model's.
func TestFitFreezeByName(t *testing.T) {
	m := smallModel(t, smallOpts{neurons: 12, inputs: 4, outputs: 3, hidden: 4, classes: 3, phi: "tanh", seed: 1})
	before := append([]float32(nil), m.Input.Val...)
	opt, _ := NewOptimizer(OptimConfig{LR: 0.05}, m.Params())
	var st State
	if err := Fit(composedOf(m), opt, &st, synthData(8, 4, 3, 1), nil, RunConfig{Epochs: 1, Batch: 4, Frozen: []string{"ih.weight"}}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(m.Input.Val, before) {
		t.Error("frozen ih.weight changed")
	}
	err := Fit(composedOf(m), opt, &st, synthData(8, 4, 3, 1), nil, RunConfig{Epochs: 2, Batch: 4, Frozen: []string{"nodes_bias"}})
	if err == nil || !strings.Contains(err.Error(), `unknown parameter "nodes_bias" (known: hh.weight, ih.weight, bias, tau, out.weight`) {
		t.Errorf("unknown name: %v", err)
	}
	err = Fit(composedOf(m), opt, &st, synthData(8, 4, 3, 1), nil, RunConfig{Epochs: 2, Batch: 4, Checkpoint: "x.ckpt"})
	if err == nil || !strings.Contains(err.Error(), "no checkpoint format") {
		t.Errorf("checkpoint of a composed classifier: %v", err)
	}
}

// Runner.Params lists the recurrent model's parameters, then the head's,
// with the values the runner computes with.
func TestRunnerParams(t *testing.T) {
	m := smallModel(t, smallOpts{neurons: 10, inputs: 4, outputs: 3, hidden: 5, classes: 3, phi: "tanh", proj: true, seed: 1})
	r := NewRunner(m, 2, 1)
	defer r.Close()
	var names []string
	for i, p := range r.Params() {
		names = append(names, p.Name)
		if &p.Value[0] != &m.Params()[i][0] || len(p.Grad) != len(p.Value) {
			t.Errorf("%s: not the model's values or a gradient of another size", p.Name)
		}
	}
	if !reflect.DeepEqual(names, paramNames) {
		t.Errorf("names %v, want %v", names, paramNames)
	}
	if got := r.Params()[PFC1].Shape; !reflect.DeepEqual(got, []int{5, 3}) {
		t.Errorf("fc1.weight shape %v", got)
	}
	// float64: copies of the head's values, the recurrent model's own.
	rnn, err := recurrent(m, toF64s(m), 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	r64 := NewRunnerOf[float64](rnn, m.Readout())
	defer r64.Close()
	if v := r64.Params()[PB2].Value; v[0] != float64(m.B2[0]) {
		t.Errorf("fc2.bias %v, want %v", v[0], m.B2[0])
	}
	var _ model.Differentiable[float64] = rnn
}

func toF64s(m *Model) [][]float64 {
	p := toF64(m)
	return p[:]
}
