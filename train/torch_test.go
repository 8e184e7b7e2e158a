package train

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// torchCase is a fixture of testdata/gen/train_grad.py: a small model, a
// batch, the solver's steps, and PyTorch's loss and gradients.
type torchCase struct {
	N, Inputs, Outputs, Hidden, Classes, Batch int
	Phi, Method                                string
	Dale, Proj                                 bool
	LossAll                                    bool `json:"loss_all"`
	Hs                                         [][]float64
	Times                                      []float64
	OutAt                                      [][]int `json:"out_at"`
	Sign                                       []int8
	NeuronType                                 []int32   `json:"neuron_type"`
	WRowPtr                                    []int32   `json:"w_rowptr"`
	WCol                                       []int32   `json:"w_col"`
	WVal                                       []float32 `json:"w_val"`
	InIdx                                      []int     `json:"in_idx"`
	IhPerm                                     []int     `json:"ih_perm"`
	IhVal                                      []float32 `json:"ih_val"`
	Bias, Tau                                  []float32
	OutIdx                                     []int     `json:"out_idx"`
	OutVal                                     []float32 `json:"out_val"`
	OutBias                                    []float32 `json:"out_bias"`
	FC1, B1, FC2, B2                           []float32
	X                                          []float32
	Labels                                     []int
	Mask                                       []float32
	Loss                                       float64
	Grad                                       map[string][]float64
}

// Agreement with PyTorch in float32: both sides round every operation to
// float32 but sum in different orders; the fixtures agree to 1e-6 of the
// largest entry of each parameter (measured up to 7.6e-7), so 1e-5 leaves
// room for other summation orders and no room for a wrong term.
const torchRel = 1e-5

func TestGradientsMatchPyTorch(t *testing.T) {
	files, _ := filepath.Glob("testdata/grad_*.json")
	if len(files) == 0 {
		t.Fatal("no fixtures: run /usr/bin/python3 testdata/gen/train_grad.py")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			var c torchCase
			if err := json.Unmarshal(b, &c); err != nil {
				t.Fatal(err)
			}
			phi, err := model.ParseNonlinearity(c.Phi)
			if err != nil {
				t.Fatal(err)
			}
			m := &Model{Neurons: c.N, Inputs: c.Inputs, Outputs: c.Outputs, Hidden: c.Hidden, Classes: c.Classes,
				W:     &sparse.CSR{Rows: c.N, Cols: c.N, RowPtr: c.WRowPtr, ColIdx: c.WCol, Val: c.WVal},
				Input: sparse.Identity(c.N, c.InIdx), Bias: c.Bias, Tau: c.Tau,
				Out: sparse.Identity(c.N, c.OutIdx).T(), OutBias: c.OutBias, FC1: c.FC1, B1: c.B1, FC2: c.FC2, B2: c.B2,
				Nonlinearity: phi, Dale: c.Dale, NeuronType: c.NeuronType, TauFloor: 0.01, OutputProjection: c.Proj}
			if c.Dale {
				m.Sign = c.Sign
			}
			for q, k := range c.IhPerm {
				m.Input.Val[q] = c.IhVal[k]
			}
			copy(m.Out.Val, c.OutVal)
			if err := m.Check(); err != nil {
				t.Fatal(err)
			}
			var p [numParams][]float32
			copy(p[:], m.Params())
			nt := newNet(m, p, c.Batch, 2)
			defer nt.close()
			meth, err := ode.Lookup(c.Method)
			if err != nil {
				t.Fatal(err)
			}
			rs := resolved{Solve: Solve{Method: c.Method, T1: 1, LossAll: c.LossAll, Evals: len(c.Times)},
				method: meth, times: c.Times, replay: true}
			nt.hs, nt.outAt = c.Hs, c.OutAt
			loss, _, err := nt.forward(c.X, c.Labels, c.Mask, rs)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(loss-c.Loss) > torchRel*math.Abs(c.Loss) {
				t.Errorf("loss %.8g, PyTorch %.8g", loss, c.Loss)
			}
			nt.backward()
			for i, name := range paramNames {
				want := c.Grad[name]
				got := nt.g[i]
				if i == PInput { // PyTorch's order is by input; the CSR's by neuron
					w := make([]float64, len(want))
					for q, k := range c.IhPerm {
						w[q] = want[k]
					}
					want = w
				}
				if len(want) != len(got) {
					t.Fatalf("%s: %d gradient entries, PyTorch %d", name, len(got), len(want))
				}
				scale := 0.0
				for _, v := range want {
					scale = max(scale, math.Abs(v))
				}
				if len(want) > 0 && scale == 0 {
					t.Errorf("%s: PyTorch's gradient vanishes; the fixture checks nothing", name)
				}
				worst := 0.0
				for k := range want {
					worst = max(worst, math.Abs(float64(got[k])-want[k]))
					if math.Abs(float64(got[k])-want[k]) > torchRel*scale {
						t.Errorf("%s[%d]: %.8g, PyTorch %.8g", name, k, got[k], want[k])
					}
				}
				if len(want) > 0 {
					t.Logf("%-10s max |diff| / max |grad| = %.2g", name, worst/scale)
				}
			}
		})
	}
}
