// Package modeltest reads the reference cases of the connectome ODE RNN
// that PyTorch and SciPy wrote (model/testdata/odernn_*.json, made by
// testdata/gen/odernn.py at the repository root), for the tests of every
// package that runs the model.
package modeltest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/neuropil/neuropil/sparse"
)

// Fixture is one reference case: a small network, its input and the
// states PyTorch (rk4) and SciPy (an accurate solution) computed.
type Fixture struct {
	Name             string
	N, Inputs, Batch int
	Frames           int
	Nonlinearity     string
	Dale             bool
	T0, T1           float64
	Evals, Steps     int
	Rows, Cols       []int     // the recurrent weights' entries, [post, pre]
	Vals             []float32 // their values
	Indices          []int     // [inputs] the neuron each input drives
	X                []float32 // [frames][batch][inputs]
	Bias             []float32 // [neurons] or nil
	Tau              json.RawMessage
	Sign             []int8
	RK4, Exact       []float64 // [evals][batch][n]
}

// Load reads every case in dir (model/testdata, relative to the calling
// test's package); none is a fatal error.
func Load(tb testing.TB, dir string) []Fixture {
	tb.Helper()
	paths, _ := filepath.Glob(filepath.Join(dir, "odernn_*.json"))
	if len(paths) == 0 {
		tb.Fatalf("no fixtures in %s; run /usr/bin/python3 testdata/gen/odernn.py", dir)
	}
	var fs []Fixture
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			tb.Fatal(err)
		}
		var f Fixture
		if err := json.Unmarshal(b, &f); err != nil {
			tb.Fatal(p, err)
		}
		fs = append(fs, f)
	}
	return fs
}

// W returns the recurrent weights as a CSR [n][n].
func (f *Fixture) W() *sparse.CSR {
	c := sparse.NewCOO(f.N, f.N, len(f.Vals))
	for k := range f.Vals {
		c.Add(f.Rows[k], f.Cols[k], float64(f.Vals[k]))
	}
	return c.ToCSR()
}

// TimeConstants returns the case's tau: a scalar, or one per neuron
// (then scalar is 0).
func (f *Fixture) TimeConstants(tb testing.TB) (scalar float32, perNeuron []float32) {
	tb.Helper()
	if err := json.Unmarshal(f.Tau, &scalar); err == nil {
		return scalar, nil
	}
	if err := json.Unmarshal(f.Tau, &perNeuron); err != nil {
		tb.Fatal(err)
	}
	return 0, perNeuron
}
