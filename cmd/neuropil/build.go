package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/internal/cli"
	"github.com/neuropil/neuropil/opticlobe"
)

func init() {
	register("build", "build a connectome from a published description (optic-lobe)", runBuild)
}

// builders are the networks "neuropil build" knows.
var builders = map[string]func(args []string, stdout, stderr io.Writer) error{
	"optic-lobe": runBuildOpticLobe,
}

func runBuild(args []string, stdout, stderr io.Writer) error {
	names := make([]string, 0, len(builders))
	for n := range builders {
		names = append(names, n)
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(stderr, "usage: neuropil build NETWORK [flags]\n\nnetworks: %s\n", strings.Join(names, ", "))
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return errHelp
		}
		return fmt.Errorf("build: no network named (known: %s)", strings.Join(names, ", "))
	}
	b, ok := builders[args[0]]
	if !ok {
		return fmt.Errorf("build: unknown network %q (known: %s)", args[0], strings.Join(names, ", "))
	}
	return b(args[1:], stdout, stderr)
}

func runBuildOpticLobe(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("build optic-lobe", stderr)
	spec := fs.String("spec", "", "flyvis network description (JSON), e.g. ../shared/data/flyvis/fib25-fib19_v2.2.json")
	out := fs.String("out", "", "connectome file to write; the extension picks the format ("+strings.Join(format.Extensions(), ", ")+")")
	extent := fs.Int("extent", opticlobe.DefaultExtent, "radius of the hexagonal lattice in columns")
	params := fs.String("params", "", "weights from these parameters: a flyvis checkpoint, network directory (DIR@best, the default, DIR@latest, DIR@N) or .npz; also written beside --out as NAME.params.npz (default: flyvis's initial strengths)")
	tables := fs.String("tables", "csv", "format of the neuron, edge and pair tables written beside --out ("+strings.Join(opticlobe.TableFormats(), ", ")+", or none)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := cli.First(cli.Need(*spec != "", "build optic-lobe: --spec is required"), cli.Need(*out != "", "build optic-lobe: --out is required")); err != nil {
		return err
	}
	if *tables != "none" && !slices.Contains(opticlobe.TableFormats(), strings.ToLower(*tables)) {
		return fmt.Errorf("build optic-lobe: unknown table format %q (known: %s, none)", *tables, strings.Join(opticlobe.TableFormats(), ", "))
	}
	if _, err := format.Detect(*out); err != nil {
		return fmt.Errorf("build optic-lobe: --out %w", err)
	}
	start := time.Now()
	net, err := opticlobe.BuildFile(*spec, *extent)
	if err != nil {
		return err
	}
	if *params != "" {
		if net, err = net.WithParamsFile(*params, opticlobe.TablePrefix(*out)+".params.npz"); err != nil {
			return fmt.Errorf("build optic-lobe: --params %w", err)
		}
	}
	built := time.Since(start)
	written, err := net.Save(*out, *tables)
	if err != nil {
		return err
	}
	if *params != "" {
		written = append(written, opticlobe.TablePrefix(*out)+".params.npz")
	}
	c := net.Counts()
	fmt.Fprintf(stdout, "optic lobe, extent %d: %d neurons, %d edges (%d excitatory, %d inhibitory), %d of %d type pairs realised\n",
		*extent, c.Neurons, c.Edges, c.Excitatory, c.Inhibitory, c.PairsRealised, len(net.Pairs))
	fmt.Fprintf(stdout, "built in %v; wrote %s\n", built.Round(time.Millisecond), strings.Join(written, ", "))
	return nil
}
