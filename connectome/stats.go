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
	// Degrees from the entries, never a count per claimed row or column:
	// a header of 2^27 × 2^27 with 3 entries costs 3 counts, not 2 GB.
	var in []int
	for i := 0; i < m.Rows; i++ {
		if d := int(m.RowPtr[i+1] - m.RowPtr[i]); d > 0 {
			in = append(in, d)
		}
		for _, j := range m.ColIdx[m.RowPtr[i]:m.RowPtr[i+1]] {
			if int(j) == i {
				s.SelfLoops++
			}
		}
	}
	cols := slices.Clone(m.ColIdx)
	slices.Sort(cols)
	var out []int
	for k := 0; k < len(cols); {
		e := k + 1
		for e < len(cols) && cols[e] == cols[k] {
			e++
		}
		out = append(out, e-k)
		k = e
	}
	s.InDegree, s.OutDegree = degrees(in, m.Rows), degrees(out, m.Cols)
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

// degrees summarises the counts of n rows or columns, given the nonzero
// ones (the rest are 0); the zero value for none.
func degrees(nonzero []int, n int) Degrees {
	if n == 0 {
		return Degrees{}
	}
	s := slices.Clone(nonzero)
	slices.Sort(s)
	zeros := n - len(s)
	at := func(k int) int { // the k-th smallest of all n counts
		if k < zeros {
			return 0
		}
		return s[k-zeros]
	}
	sum := 0
	for _, c := range s {
		sum += c
	}
	med := float64(at(n / 2))
	if n%2 == 0 {
		med = (float64(at(n/2-1)) + float64(at(n/2))) / 2
	}
	return Degrees{Min: at(0), Median: med, Mean: float64(sum) / float64(n), Max: at(n - 1)}
}
