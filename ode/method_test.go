package ode

import (
	"slices"
	"strings"
	"testing"
)

func TestRegistry(t *testing.T) {
	names := Names()
	for _, want := range []string{"bosh3", "dopri5", "euler", "rk4"} {
		if !slices.Contains(names, want) {
			t.Errorf("Names() = %v, missing %s", names, want)
		}
	}
	if !slices.IsSorted(names) {
		t.Errorf("Names() = %v, not sorted", names)
	}
	names[0] = "changed"
	if Names()[0] == "changed" {
		t.Error("Names returned the registry's own slice")
	}
	m, err := Lookup("DoPri5")
	if err != nil || m.Name != "dopri5" || !m.Adaptive() || m.Stages() != 7 {
		t.Errorf("Lookup(DoPri5) = %+v, %v", m, err)
	}
	if m, _ := Lookup("rk4"); m.Adaptive() || m.Stages() != 4 {
		t.Errorf("rk4: adaptive %v, %d stages", m.Adaptive(), m.Stages())
	}
	_, err = Lookup("heun")
	if err == nil || !strings.Contains(err.Error(), "bosh3") || !strings.Contains(err.Error(), "heun") {
		t.Errorf("Lookup(heun): error %v, want one naming it and listing the known methods", err)
	}
	if CheckMethod("BOSH3") != nil || CheckMethod("x") == nil {
		t.Error("CheckMethod disagrees with Lookup")
	}
}

// Register refuses duplicates and malformed tables with a panic.
func TestRegisterPanics(t *testing.T) {
	good := func() *Method {
		return &Method{Name: "heun2", C: []float64{0, 1}, A: [][]float64{{}, {1}}, B: []float64{0.5, 0.5}, Order: 2}
	}
	for _, c := range []struct {
		name string
		edit func(m *Method)
		want string
	}{
		{"duplicate", func(m *Method) { m.Name = "rk4" }, "twice"},
		{"upper case", func(m *Method) { m.Name = "Heun" }, "lower case"},
		{"order", func(m *Method) { m.Order = 0 }, "order 0"},
		{"row length", func(m *Method) { m.A[1] = []float64{0.5, 0.5} }, "row 1"},
		{"node", func(m *Method) { m.C[1] = 0.5 }, "row sum"},
		{"weights", func(m *Method) { m.B[1] = 0.6 }, "sum to"},
		{"error weights", func(m *Method) { m.E, m.ErrorOrder = []float64{0.1, 0}, 2 }, "error weights sum"},
		{"error order", func(m *Method) { m.E = []float64{0.1, -0.1} }, "error order"},
		{"fsal", func(m *Method) { m.FSAL = true }, "FSAL"},
		{"dense", func(m *Method) { m.Dense = [][]float64{{1}, {0}} }, "dense weight"},
		{"adaptive without fsal", func(m *Method) { m.E, m.ErrorOrder = []float64{0.1, -0.1}, 2 }, "FSAL"},
	} {
		m := good()
		c.edit(m)
		func() {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.HasPrefix(s, "ode: ") || !strings.Contains(s, c.want) {
					t.Errorf("%s: panic %v, want one with %q", c.name, r, c.want)
				}
			}()
			Register(m)
		}()
	}
}

// The tables are consistent beyond what Register checks: the dense
// output of every method that has one starts at y (w(0) = 0) and each
// method's weights reach its order's first condition.
func TestDenseEndsAtWeights(t *testing.T) {
	for _, name := range Names() {
		m, _ := Lookup(name)
		if m.Dense == nil {
			continue
		}
		w := make([]float64, m.Stages())
		m.denseWeights(w, 1)
		for l := range w {
			if d := w[l] - m.B[l]; d*d > 1e-28 {
				t.Errorf("%s: w_%d(1) = %v, want b = %v", name, l, w[l], m.B[l])
			}
		}
		m.denseWeights(w, 0)
		for l := range w {
			if w[l] != 0 {
				t.Errorf("%s: w_%d(0) = %v", name, l, w[l])
			}
		}
	}
}
