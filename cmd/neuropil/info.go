package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/internal/cli"
)

func init() {
	register("info", "describe a connectome file: shape, nnz, weights, degrees", runInfo)
}

func runInfo(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("info", stderr)
	asJSON := fs.Bool("json", false, "print a JSON object (rows, cols, nnz, ...) instead of text")
	lf := addLoadFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: neuropil info [flags] FILE\n\nFILE is any connectome format (known: .pt, .pth, .npz, .npy, .csv, .tsv, .csv.gz, .tsv.gz, .npc).\n\nflags:")
		fs.PrintDefaults()
	}
	if err := cli.ParseAnywhere(fs, args, 1); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("info: want one FILE")
	}
	r, err := format.Describe(fs.Arg(0), lf.options())
	if err != nil {
		return err
	}
	if *asJSON {
		return cli.WriteJSON(stdout, r)
	}
	return r.WriteText(stdout)
}
