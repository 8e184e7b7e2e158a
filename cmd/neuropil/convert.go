package main

import (
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/internal/cli"
)

func init() {
	register("convert", "convert a connectome between file formats (.pt, .npz, .npy, .csv, .npc)", runConvert)
}

func runConvert(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("convert", stderr)
	noTable := fs.Bool("no-neurons", false, "do not write OUT's NAME.neurons.csv (index,id[,sign][,type]) for formats that cannot hold them")
	quiet := fs.Bool("q", false, "print nothing on success")
	lf := addLoadFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: neuropil convert [flags] IN OUT\n\nThe formats follow the extensions (known: .pt, .pth, .npz, .npy, .csv, .tsv, .csv.gz, .tsv.gz, .npc).\nOUT is written atomically. Neuron ids and signs go into .npc files, or beside others as NAME.neurons.csv.\n\nflags:")
		fs.PrintDefaults()
	}
	if err := cli.ParseAnywhere(fs, args, 2); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		fs.Usage()
		return errors.New("convert: want IN and OUT")
	}
	in, out := fs.Arg(0), fs.Arg(1)
	if _, err := format.Detect(out); err != nil {
		return err
	}
	if a, b := filepath.Clean(in), filepath.Clean(out); a == b {
		return fmt.Errorf("convert: %s is both input and output", in)
	}
	opt := lf.options()
	c, err := format.Read(in, opt)
	if err != nil {
		return err
	}
	opt.NoNeuronTable = *noTable
	if err := format.Save(out, c, opt); err != nil {
		return err
	}
	if !*quiet {
		fmt.Fprintf(stdout, "%s: %d×%d, %d entries\n", out, c.W.Rows, c.W.Cols, c.W.NNZ())
		if table, cols := format.SavedNeuronTable(out, c, opt); table != "" {
			fmt.Fprintf(stdout, "%s: neuron table (%s)\n", table, cols)
		}
	}
	return nil
}
