package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/neuropil/neuropil/analysis"
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
	fs.StringVar(&j.Params, "params", "", "a flyvis checkpoint, network directory, ensemble directory or .npz (default: flyvis's initial values)")
	fs.StringVar(&j.Out, "out", "", "output directory (required)")
	if err := parseFlags(fs, args[1:], 0); err != nil {
		return err
	}
	written, err := analysis.RunAnalysis(args[0], j)
	if err == nil {
		fmt.Fprintf(stdout, "wrote %s\n", strings.Join(written, ", "))
	}
	return err
}
