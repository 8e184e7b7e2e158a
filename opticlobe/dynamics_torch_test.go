package opticlobe

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/neuropil/neuropil/ode"
)

// fixtureTol bounds the difference to the float64 PyTorch trajectory of
// testdata/gen/opticlobe_dynamics.py after 30 float32 Euler steps of
// voltages of order 1.
const fixtureTol = 2e-5

// The whole pipeline (lattice, hull completion, edge direction, weights,
// parameter expansion, input to R1–R8, Euler through ode.Solve) against
// PyTorch on the lattice of extent 3.
func TestDynamicsTorch(t *testing.T) {
	s, err := LoadSpec(specPath(t))
	if err != nil {
		t.Fatal(err)
	}
	net, err := Build(s, 3)
	if err != nil {
		t.Fatal(err)
	}
	movie, _, frames, nc, err := LoadMovie(filepath.Join("testdata", "dynamics_movie.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want, _, evals, n, err := LoadMovie(filepath.Join("testdata", "dynamics_v.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if frames != 3 || nc != ColumnCount(3) || evals != 3 || n != net.Neurons() {
		t.Fatalf("fixture shapes: movie %d×%d, v %d×%d for %d neurons", frames, nc, evals, n, net.Neurons())
	}
	p := net.DefaultParams(0)
	for k := range p.Tau {
		p.Tau[k] = float32(0.03 + 0.001*float64(k))
		p.Vrest[k] = float32(0.5 + 0.05*math.Sin(float64(k)))
	}
	d, err := NewDynamics(net, p, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if err := d.SetInput(movie, frames, 0, 0.3); err != nil {
		t.Fatal(err)
	}
	out := make([]float32, 3*n)
	pr := ode.Problem[float32]{F: d.RHS, Dim: n, Batch: 1, Y0: d.Rest(), T0: 0, T1: 0.3,
		Times: []float64{0.1, 0.2, 0.3}, Breaks: d.Breaks(), Segment: d.SetSegment}
	if _, err := ode.Solve(out, pr, ode.Settings{Method: "euler", Dt: 0.01}); err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for k := range out {
		worst = max(worst, math.Abs(float64(out[k]-want[k])))
	}
	if worst > fixtureTol {
		t.Errorf("largest difference to PyTorch %v, want ≤ %v", worst, fixtureTol)
	}
	// The input moved the photoreceptors: a wiring or input mistake could
	// not hide behind a network at rest.
	r1, _, _ := net.TypeNeurons("R1")
	if math.Abs(float64(want[r1]-p.Vrest[0])) < 0.05 {
		t.Errorf("fixture R1 barely moved: %v from %v", want[r1], p.Vrest[0])
	}
}
