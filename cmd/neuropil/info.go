package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format"
)

func init() {
	register("info", "describe a connectome file: shape, nnz, weights, degrees", runInfo)
}

// infoReport is the output of neuropil info; its JSON form is stable.
type infoReport struct {
	File   string `json:"file"`
	Format string `json:"format"`
	Layout string `json:"layout"`
	DType  string `json:"dtype"`
	Stored int    `json:"stored"` // entries in the file, duplicates and zeros counted
	connectome.Stats
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
	r := &infoReport{File: path, Format: h.Format, Layout: h.Layout, DType: h.DType, Stored: h.Stored, Stats: connectome.Describe(c)}
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
