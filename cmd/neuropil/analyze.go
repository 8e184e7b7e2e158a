package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/neuropil/neuropil/analysis"
	"github.com/neuropil/neuropil/opticlobe"
)

func init() {
	register("analyze", "probe the optic lobe with flyvis's stimuli and analyses (analyze flash, analyze moving-edge)", runAnalyze)
}

// runAnalyze is "neuropil analyze NAME --spec JSON --params P --out DIR".
func runAnalyze(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return fmt.Errorf("analyze: name an analysis (known: %s)", strings.Join(sortedKeys(analysis.Analyses()), ", "))
	}
	fs, j := newFlags("analyze "+args[0], stderr), analysis.Job{}
	fs.StringVar(&j.Spec, "spec", "", "flyvis network description (JSON), e.g. ../shared/data/flyvis/fib25-fib19_v2.2.json (required)")
	fs.StringVar(&j.Params, "params", "", "a flyvis checkpoint, network directory (DIR@best, the default, DIR@latest, DIR@N), ensemble directory (every member; ENSEMBLE@latest, ...) or .npz (default: flyvis's initial values)")
	fs.IntVar(&j.Extent, "extent", opticlobe.DefaultExtent, "radius of the hexagonal lattice in columns (that of the parameters)")
	fs.StringVar(&j.Out, "out", "", "output directory (required)")
	if err := parseFlags(fs, args[1:], 0); err != nil {
		return err
	}
	j.Warn = stderr
	written, err := analysis.RunAnalysis(args[0], j)
	if err == nil {
		fmt.Fprintf(stdout, "wrote %s\n", strings.Join(written, ", "))
	}
	return err
}
