package connectome

import (
	"testing"

	"github.com/neuropil/neuropil/sparse"
)

func TestDescribe(t *testing.T) {
	coo := sparse.NewCOO(3, 4, 5)
	coo.Add(0, 0, 2)  // self-loop
	coo.Add(0, 3, -1) // row 0: 2 entries
	coo.Add(2, 3, 0.5)
	coo.Add(2, 1, -4)
	coo.Add(2, 2, 1) // self-loop
	c := &Connectome{W: coo.ToCSR(), Sign: []int8{1, -1, 1}, Type: []int32{0, 1, 1}, TypeNames: []string{"a", "b"}}
	s := Describe(c)
	if s.Rows != 3 || s.Cols != 4 || s.NNZ != 5 || s.Density != 5.0/12 || *s.Min != -4 || *s.Max != 2 || s.Positive != 3 || s.Negative != 2 {
		t.Errorf("shape and weights: %+v", s)
	}
	if s.SelfLoops != 2 || s.IDs || s.Excitatory != 2 || s.Inhibitory != 1 || s.Types != 2 {
		t.Errorf("loops and table: %+v", s)
	}
	// Rows hold 2, 0, 3 entries; columns 1, 1, 1, 2.
	if d := s.InDegree; d != (Degrees{Min: 0, Median: 2, Mean: 5.0 / 3, Max: 3}) {
		t.Errorf("in-degree %+v", d)
	}
	if d := s.OutDegree; d != (Degrees{Min: 1, Median: 1, Mean: 1.25, Max: 2}) {
		t.Errorf("out-degree %+v", d)
	}
	if e := Describe(&Connectome{W: sparse.NewCOO(0, 0, 0).ToCSR()}); e.Min != nil || e.InDegree != (Degrees{}) {
		t.Errorf("empty: %+v", e)
	}
}
