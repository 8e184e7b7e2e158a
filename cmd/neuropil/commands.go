package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/neuropil/neuropil/internal/budget"
	"github.com/neuropil/neuropil/internal/cli"
)

// A command is one verb of the CLI. Each lives in its own file and adds
// itself to commands from an init function.
type command struct {
	summary string // one line for "neuropil help"
	run     func(args []string, stdout, stderr io.Writer) error
}

var commands = map[string]command{}

func register(name, summary string, run func(args []string, stdout, stderr io.Writer) error) {
	if _, dup := commands[name]; dup {
		panic("neuropil: command registered twice: " + name)
	}
	commands[name] = command{summary: summary, run: run}
}

// run dispatches args to a command.
func run(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && (args[0] == "--version" || args[0] == "-version") {
		args = []string{"version"}
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return nil
	}
	c, ok := commands[args[0]]
	if !ok {
		return fmt.Errorf("unknown command %q (known: %s)", args[0], known())
	}
	if err := c.run(args[1:], stdout, stderr); !errors.Is(err, errHelp) {
		return err
	}
	return nil
}

// known returns the command names, sorted, comma-separated.
func known() string { return strings.Join(sortedKeys(commands), ", ") }

func usage(w io.Writer) {
	fmt.Fprintln(w, "neuropil: build, simulate and train connectome-constrained neural networks")
	fmt.Fprintln(w, "\nusage: neuropil COMMAND [flags]\n\ncommands:")
	width := 0
	for _, n := range sortedKeys(commands) {
		width = max(width, len(n))
	}
	for _, n := range sortedKeys(commands) {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].summary)
	}
	fmt.Fprintln(w, "\nRun \"neuropil COMMAND -h\" for a command's flags.")
}

// newFlags returns a flag set for a command that reports errors (unknown
// flags, bad values) as returned errors, never by exiting, and prints help
// to stderr.
func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("neuropil "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	budget.AddFlag(fs) // each command starts from the default budget
	return fs
}

// parseFlags parses args and rejects stray positional arguments beyond
// maxArgs (-1: any number); -h is errHelp (cli.Parse).
func parseFlags(fs *flag.FlagSet, args []string, maxArgs int) error {
	return cli.Parse(fs, args, maxArgs)
}

// errHelp is returned after -h printed a command's flags; run treats it
// as success.
var errHelp = cli.ErrHelp
