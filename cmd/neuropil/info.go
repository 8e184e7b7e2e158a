package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"

	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/sparse"
)

func init() {
	register("info", "describe a connectome file: shape, nnz, weights, degrees", runInfo)
}

// degreeStats summarises the entries per row (in-degree) or column
// (out-degree).
type degreeStats struct {
	Min    int     `json:"min"`
	Median float64 `json:"median"`
	Mean   float64 `json:"mean"`
	Max    int     `json:"max"`
}

func degrees(counts []int) degreeStats {
	if len(counts) == 0 {
		return degreeStats{}
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
	return degreeStats{Min: s[0], Median: med, Mean: float64(sum) / float64(n), Max: s[n-1]}
}

// infoReport is the output of neuropil info; its JSON form is stable.
type infoReport struct {
	File        string      `json:"file"`
	Format      string      `json:"format"`
	Layout      string      `json:"layout"`
	DType       string      `json:"dtype"`
	Stored      int         `json:"stored"` // entries in the file, duplicates and zeros counted
	Rows        int         `json:"rows"`
	Cols        int         `json:"cols"`
	NNZ         int         `json:"nnz"` // after summing duplicates and dropping zeros
	Density     float64     `json:"density"`
	Min         *float32    `json:"min"` // null without entries
	Max         *float32    `json:"max"`
	Positive    int         `json:"positive"`
	Negative    int         `json:"negative"`
	InDegree    degreeStats `json:"in_degree"`  // entries per row: inputs of each postsynaptic neuron
	OutDegree   degreeStats `json:"out_degree"` // entries per column: outputs of each presynaptic neuron
	SelfLoops   int         `json:"self_loops"`
	IDs         bool        `json:"ids"`
	Excitatory  int         `json:"excitatory,omitempty"`
	Inhibitory  int         `json:"inhibitory,omitempty"`
	Types       int         `json:"cell_types,omitempty"` // distinct cell types in the neuron table
	SquareNotes string      `json:"-"`
}

func describeMatrix(r *infoReport, m *sparse.CSR) {
	r.Rows, r.Cols, r.NNZ = m.Rows, m.Cols, m.NNZ()
	if cells := float64(m.Rows) * float64(m.Cols); cells > 0 {
		r.Density = float64(m.NNZ()) / cells
	}
	for k, v := range m.Val {
		if k == 0 {
			lo, hi := v, v
			r.Min, r.Max = &lo, &hi
		}
		*r.Min = min(*r.Min, v)
		*r.Max = max(*r.Max, v)
		if v > 0 {
			r.Positive++
		} else if v < 0 {
			r.Negative++
		}
	}
	in := make([]int, m.Rows)
	out := make([]int, m.Cols)
	for i := 0; i < m.Rows; i++ {
		in[i] = int(m.RowPtr[i+1] - m.RowPtr[i])
		for k := m.RowPtr[i]; k < m.RowPtr[i+1]; k++ {
			j := m.ColIdx[k]
			out[j]++
			if int(j) == i {
				r.SelfLoops++
			}
		}
	}
	r.InDegree, r.OutDegree = degrees(in), degrees(out)
}

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("info", stderr)
	asJSON := fs.Bool("json", false, "print a JSON object (rows, cols, nnz, ...) instead of text")
	lf := addLoadFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: neuropil info [flags] FILE\n\nFILE is any connectome format (known: .pt, .pth, .npz, .npy, .csv, .tsv, .csv.gz, .tsv.gz, .npc).\n\nflags:")
		fs.PrintDefaults()
	}
	if err := parseFlagsAnywhere(fs, args, 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("info: want one FILE")
	}
	path := fs.Arg(0)
	opt := lf.options()
	c, h, err := format.Inspect(path, opt)
	if err != nil {
		return err
	}
	r := &infoReport{File: path, Format: h.Format, Layout: h.Layout, DType: h.DType, Stored: h.Stored, IDs: c.IDs != nil}
	describeMatrix(r, c.W)
	if c.Type != nil {
		r.Types = len(c.TypeNames)
	}
	for _, s := range c.Sign {
		if s > 0 {
			r.Excitatory++
		} else {
			r.Inhibitory++
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "file\t%s\n", r.File)
	fmt.Fprintf(tw, "format\t%s (%s, %s values, %d stored entries)\n", r.Format, r.Layout, r.DType, r.Stored)
	fmt.Fprintf(tw, "shape\t%d × %d\n", r.Rows, r.Cols)
	fmt.Fprintf(tw, "nnz\t%d (duplicates summed, zeros dropped)\n", r.NNZ)
	fmt.Fprintf(tw, "density\t%.6g\n", r.Density)
	if r.Min != nil {
		fmt.Fprintf(tw, "weights\tmin %.6g, max %.6g; %d positive, %d negative\n", *r.Min, *r.Max, r.Positive, r.Negative)
	} else {
		fmt.Fprintf(tw, "weights\tnone\n")
	}
	d := r.InDegree
	fmt.Fprintf(tw, "in-degree\tmin %d, median %g, mean %.4g, max %d (entries per row)\n", d.Min, d.Median, d.Mean, d.Max)
	d = r.OutDegree
	fmt.Fprintf(tw, "out-degree\tmin %d, median %g, mean %.4g, max %d (entries per column)\n", d.Min, d.Median, d.Mean, d.Max)
	fmt.Fprintf(tw, "self-loops\t%d\n", r.SelfLoops)
	ids := "no (neurons are 0..N-1)"
	if r.IDs {
		ids = "yes"
	}
	fmt.Fprintf(tw, "neuron ids\t%s\n", ids)
	if c.Sign != nil {
		fmt.Fprintf(tw, "signs\t%d excitatory, %d inhibitory\n", r.Excitatory, r.Inhibitory)
	}
	if r.Types > 0 {
		fmt.Fprintf(tw, "cell types\t%d\n", r.Types)
	}
	return tw.Flush()
}
