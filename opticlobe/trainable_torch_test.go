package opticlobe

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/train"
)

// gradTorchTol bounds the relative difference to PyTorch's float64
// gradients of testdata/gen/opticlobe_trainable_grad.py: the initial
// strengths differ by float32 rounding (DefaultParams), about 1e-8.
const gradTorchTol = 1e-6

// cosLoss is Σ over the output times after the first of Σ_i cos(i) V_i.
type cosLoss[T ode.Float] struct{ states [][]T }

func (l *cosLoss[T]) Forward(states [][]T) (float64, error) {
	l.states = states[1:]
	var s float64
	for _, y := range l.states {
		for i, v := range y {
			s += math.Cos(float64(i)) * float64(v)
		}
	}
	return s, nil
}

func (l *cosLoss[T]) Backward(grads [][]T) {
	for _, g := range grads[1:] {
		for i := range g {
			g[i] = T(math.Cos(float64(i)))
		}
	}
}

// torchGradients returns the gradients of every parameter through 30
// euler steps of the 3-frame movie of testdata/gen/opticlobe_dynamics.py
// on the lattice of extent 3, in T, and the fixture file's gradients
// (rows nodes_bias, nodes_time_const, edges_syn_strength).
func torchGradients[T ode.Float](t *testing.T, fixture string) (got [][]T, want [][]float64) {
	t.Helper()
	s, err := LoadSpec(specPath(t))
	if err != nil {
		t.Fatal(err)
	}
	net, err := Build(s, 3)
	if err != nil {
		t.Fatal(err)
	}
	a, err := npy.ReadFile(filepath.Join("testdata", fixture))
	if err != nil {
		t.Fatal(err)
	}
	movie, _, frames, nc, err := LoadMovie(filepath.Join("testdata", "dynamics_movie.npy"))
	if err != nil {
		t.Fatal(err)
	}
	nt, np := len(net.Spec.Types), len(net.Pairs)
	if a.Shape[0] != 3 || a.Shape[1] != max(nt, np) || frames != 3 || nc != ColumnCount(3) {
		t.Fatalf("fixture shapes %v, movie %d×%d", a.Shape, frames, nc)
	}
	for r := range 3 {
		row := make([]float64, a.Shape[1])
		for k := range row {
			switch d := a.Data.(type) {
			case []float64:
				row[k] = d[r*a.Shape[1]+k]
			case []float32:
				row[k] = float64(d[r*a.Shape[1]+k])
			}
		}
		want = append(want, row)
	}
	vrest, tau := make([]T, nt), make([]T, nt)
	for k := range vrest {
		tau[k], vrest[k] = T(0.03+0.001*float64(k)), T(0.5+0.05*math.Sin(float64(k)))
	}
	str := make([]T, np)
	for k, v := range net.DefaultParams(0).Strength {
		str[k] = T(v)
	}
	m, err := NewTrainable(net, vrest, tau, str, 1)
	if err != nil {
		t.Fatal(err)
	}
	tr := train.NewTrajectory[T](m, &cosLoss[T]{})
	defer tr.Close()
	y0 := make([]T, net.Neurons())
	for i, k := range net.Conn.Type {
		y0[i] = vrest[k]
	}
	tr.SetInitial(y0)
	x := make([]T, len(movie))
	for i, v := range movie {
		x[i] = T(v)
	}
	if _, err := tr.Forward(x, train.Solve{Method: "euler", Steps: 30, T1: 0.3, Frames: 3, LossAll: true, Evals: 4}); err != nil {
		t.Fatal(err)
	}
	tr.Backward()
	for _, q := range tr.Params() {
		got = append(got, append([]T(nil), q.Grad...))
	}
	return got, want
}

// The gradients of every parameter through 30 euler steps of a 3-frame
// movie (model.Framed, train.Trajectory) equal PyTorch autograd's of the
// same network on the lattice of extent 3.
func TestTrainableGradientTorch(t *testing.T) {
	got, want := torchGradients[float64](t, "trainable_grad.npy")
	for r, g := range got {
		for k, v := range g {
			if w := want[r][k]; math.Abs(v-w) > gradTorchTol*(1+math.Abs(w)) {
				t.Errorf("gradient row %d [%d]: %v, torch %v", r, k, v, w)
			}
		}
	}
}

// gradTorch32Tol bounds the relative difference (to 1 + |g|) between the
// float32 gradients and PyTorch's float32 autograd of the same network:
// PyTorch's own float32 gradients are within 1.6e-5 of its float64 ones
// there.
const gradTorch32Tol = 1e-4

// In float32, as flyvis trains, the gradients equal PyTorch's float32
// autograd within float32 rounding, and are as close to the float64
// gradients as PyTorch's.
func TestTrainableGradientTorchFloat32(t *testing.T) {
	got, want := torchGradients[float32](t, "trainable_grad_f32.npy")
	_, exact := torchGradients[float64](t, "trainable_grad.npy")
	var errGo, errTorch, diff float64
	for r, g := range got {
		for k, v := range g {
			w, e := want[r][k], exact[r][k]
			diff = max(diff, math.Abs(float64(v)-w)/(1+math.Abs(w)))
			if math.Abs(float64(v)-w) > gradTorch32Tol*(1+math.Abs(w)) {
				t.Errorf("gradient row %d [%d]: %v, torch float32 %v", r, k, v, w)
			}
			errGo = max(errGo, math.Abs(float64(v)-e)/(1+math.Abs(e)))
			errTorch = max(errTorch, math.Abs(w-e)/(1+math.Abs(e)))
		}
	}
	if errGo > 4*errTorch+1e-6 {
		t.Errorf("float32 gradients within %.3g of float64 ones, PyTorch's within %.3g", errGo, errTorch)
	}
	t.Logf("largest relative difference to PyTorch's float32 gradients %.3g, to the float64 ones %.3g (PyTorch float32: %.3g)", diff, errGo, errTorch)
}
