package opticlobe

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/train"
)

// gradTorchTol bounds the relative difference to PyTorch's float64
// gradients of testdata/gen/opticlobe_trainable_grad.py: the initial
// strengths differ by float32 rounding (DefaultParams), about 1e-8.
const gradTorchTol = 1e-6

// cosLoss is Σ over the output times after the first of Σ_i cos(i) V_i.
type cosLoss struct{ states [][]float64 }

func (l *cosLoss) Forward(states [][]float64) (float64, error) {
	l.states = states[1:]
	var s float64
	for _, y := range l.states {
		for i, v := range y {
			s += math.Cos(float64(i)) * v
		}
	}
	return s, nil
}

func (l *cosLoss) Backward(grads [][]float64) {
	for _, g := range grads[1:] {
		for i := range g {
			g[i] = math.Cos(float64(i))
		}
	}
}

// The gradients of every parameter through 30 euler steps of a 3-frame
// movie (model.Framed, train.Trajectory) equal PyTorch autograd's of the
// same network on the lattice of extent 3.
func TestTrainableGradientTorch(t *testing.T) {
	s, err := LoadSpec(specPath(t))
	if err != nil {
		t.Fatal(err)
	}
	net, err := Build(s, 3)
	if err != nil {
		t.Fatal(err)
	}
	a, err := npy.ReadFile(filepath.Join("testdata", "trainable_grad.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want := a.Data.([]float64)
	movie, _, frames, nc, err := LoadMovie(filepath.Join("testdata", "dynamics_movie.npy"))
	if err != nil {
		t.Fatal(err)
	}
	nt, np := len(net.Spec.Types), len(net.Pairs)
	if a.Shape[0] != 3 || a.Shape[1] != max(nt, np) || frames != 3 || nc != ColumnCount(3) {
		t.Fatalf("fixture shapes %v, movie %d×%d", a.Shape, frames, nc)
	}
	vrest, tau := make([]float64, nt), make([]float64, nt)
	for k := range vrest {
		tau[k], vrest[k] = 0.03+0.001*float64(k), 0.5+0.05*math.Sin(float64(k))
	}
	m, err := NewTrainable(net, vrest, tau, to64(net.DefaultParams(0).Strength), 1)
	if err != nil {
		t.Fatal(err)
	}
	tr := train.NewTrajectory[float64](m, &cosLoss{})
	defer tr.Close()
	y0 := make([]float64, net.Neurons())
	for i, k := range net.Conn.Type {
		y0[i] = vrest[k]
	}
	tr.SetInitial(y0)
	if _, err := tr.Forward(to64(movie), train.Solve{Method: "euler", Steps: 30, T1: 0.3, Frames: 3, LossAll: true, Evals: 4}); err != nil {
		t.Fatal(err)
	}
	tr.Backward()
	for r, q := range tr.Params() {
		for k, g := range q.Grad {
			w := want[r*a.Shape[1]+k]
			if math.Abs(g-w) > gradTorchTol*(1+math.Abs(w)) {
				t.Errorf("%s[%d]: %v, torch %v", q.Name, k, g, w)
			}
		}
	}
}
