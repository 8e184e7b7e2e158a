package format

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/neuropil/neuropil/connectome"
)

// Info describes a connectome file: how the file stores its matrix and
// the statistics of the matrix and its neuron table. Its JSON form is
// that of "neuropil info --json".
type Info struct {
	File   string `json:"file"`
	Format string `json:"format"`
	Layout string `json:"layout"`
	DType  string `json:"dtype"`
	Stored int    `json:"stored"` // entries in the file, duplicates and zeros counted
	connectome.Stats
	Signs bool `json:"-"` // the neuron table has signs
}

// Describe reads the matrix in path, square or not, with its neuron table
// (Inspect) and describes it.
func Describe(path string, opt Options) (*Info, error) {
	c, h, err := Inspect(path, opt)
	if err != nil {
		return nil, err
	}
	return &Info{File: path, Format: h.Format, Layout: h.Layout, DType: h.DType, Stored: h.Stored,
		Stats: connectome.Describe(c), Signs: c.Sign != nil}, nil
}

// WriteText writes i as a table of text, one property a line.
func (i *Info) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "file\t%s\n", i.File)
	fmt.Fprintf(tw, "format\t%s (%s, %s values, %d stored entries)\n", i.Format, i.Layout, i.DType, i.Stored)
	fmt.Fprintf(tw, "shape\t%d × %d\n", i.Rows, i.Cols)
	fmt.Fprintf(tw, "nnz\t%d (duplicates summed, zeros dropped)\n", i.NNZ)
	fmt.Fprintf(tw, "density\t%.6g\n", i.Density)
	if i.Min != nil {
		fmt.Fprintf(tw, "weights\tmin %.6g, max %.6g; %d positive, %d negative\n", *i.Min, *i.Max, i.Positive, i.Negative)
	} else {
		fmt.Fprintf(tw, "weights\tnone\n")
	}
	d := i.InDegree
	fmt.Fprintf(tw, "in-degree\tmin %d, median %g, mean %.4g, max %d (entries per row)\n", d.Min, d.Median, d.Mean, d.Max)
	d = i.OutDegree
	fmt.Fprintf(tw, "out-degree\tmin %d, median %g, mean %.4g, max %d (entries per column)\n", d.Min, d.Median, d.Mean, d.Max)
	fmt.Fprintf(tw, "self-loops\t%d\n", i.SelfLoops)
	ids := "no (neurons are 0..N-1)"
	if i.IDs {
		ids = "yes"
	}
	fmt.Fprintf(tw, "neuron ids\t%s\n", ids)
	if i.Signs {
		fmt.Fprintf(tw, "signs\t%d excitatory, %d inhibitory\n", i.Excitatory, i.Inhibitory)
	}
	if i.Types > 0 {
		fmt.Fprintf(tw, "cell types\t%d\n", i.Types)
	}
	return tw.Flush()
}

// SavedNeuronTable returns the neuron table that Save(path, c, opt)
// writes beside path, with its columns ("index,id[,sign][,type]"); "", ""
// when it writes none (a format that holds the table, a connectome
// without one, or opt.NoNeuronTable).
func SavedNeuronTable(path string, c *connectome.Connectome, opt Options) (table, columns string) {
	f, err := Detect(path)
	if err != nil || f.Table || opt.NoNeuronTable || (c.IDs == nil && c.Sign == nil && c.Type == nil) {
		return "", ""
	}
	columns = "index,id"
	if c.Sign != nil {
		columns += ",sign"
	}
	if c.Type != nil {
		columns += ",type"
	}
	return NeuronTablePath(path), columns
}
