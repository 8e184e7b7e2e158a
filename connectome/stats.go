package connectome

import "slices"

// Stats describes a connectome: the shape and weights of W, its in- and
// out-degrees, and what its neuron table holds. Its JSON form is the one
// "neuropil info --json" prints.
type Stats struct {
	Rows       int      `json:"rows"`
	Cols       int      `json:"cols"`
	NNZ        int      `json:"nnz"` // after summing duplicates and dropping zeros
	Density    float64  `json:"density"`
	Min        *float32 `json:"min"` // nil (null) without entries
	Max        *float32 `json:"max"`
	Positive   int      `json:"positive"`
	Negative   int      `json:"negative"`
	InDegree   Degrees  `json:"in_degree"`  // entries per row: inputs of each postsynaptic neuron
	OutDegree  Degrees  `json:"out_degree"` // entries per column: outputs of each presynaptic neuron
	SelfLoops  int      `json:"self_loops"`
	IDs        bool     `json:"ids"`
	Excitatory int      `json:"excitatory,omitempty"`
	Inhibitory int      `json:"inhibitory,omitempty"`
	Types      int      `json:"cell_types,omitempty"` // distinct cell types in the neuron table
}

// Degrees summarises the entries per row or per column.
type Degrees struct {
	Min    int     `json:"min"`
	Median float64 `json:"median"`
	Mean   float64 `json:"mean"`
	Max    int     `json:"max"`
}

// Describe returns the statistics of c. W may be any shape.
func Describe(c *Connectome) Stats {
	m := c.W
	s := Stats{Rows: m.Rows, Cols: m.Cols, NNZ: m.NNZ(), IDs: c.IDs != nil}
	if cells := float64(m.Rows) * float64(m.Cols); cells > 0 {
		s.Density = float64(s.NNZ) / cells
	}
	for k, v := range m.Val {
		if k == 0 {
			lo, hi := v, v
			s.Min, s.Max = &lo, &hi
		}
		*s.Min, *s.Max = min(*s.Min, v), max(*s.Max, v)
		if v > 0 {
			s.Positive++
		} else if v < 0 {
			s.Negative++
		}
	}
	in, out := make([]int, m.Rows), make([]int, m.Cols)
	for i := 0; i < m.Rows; i++ {
		in[i] = int(m.RowPtr[i+1] - m.RowPtr[i])
		for _, j := range m.ColIdx[m.RowPtr[i]:m.RowPtr[i+1]] {
			out[j]++
			if int(j) == i {
				s.SelfLoops++
			}
		}
	}
	s.InDegree, s.OutDegree = degrees(in), degrees(out)
	if c.Type != nil {
		s.Types = len(c.TypeNames)
	}
	for _, g := range c.Sign {
		if g > 0 {
			s.Excitatory++
		} else {
			s.Inhibitory++
		}
	}
	return s
}

// degrees summarises counts; the zero value for none.
func degrees(counts []int) Degrees {
	if len(counts) == 0 {
		return Degrees{}
	}
	s := slices.Clone(counts)
	slices.Sort(s)
	sum := 0
	for _, c := range s {
		sum += c
	}
	n := len(s)
	med := float64(s[n/2])
	if n%2 == 0 {
		med = (float64(s[n/2-1]) + float64(s[n/2])) / 2
	}
	return Degrees{Min: s[0], Median: med, Mean: float64(sum) / float64(n), Max: s[n-1]}
}
