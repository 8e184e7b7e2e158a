package main

import (
	"fmt"
	"io"
	"runtime/debug"

	"github.com/neuropil/neuropil/internal/cli"
)

func init() {
	register("version", "print the module version, commit and Go version (also: neuropil --version)", runVersion)
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", stderr)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	fmt.Fprintln(stdout, cli.VersionLine(debug.ReadBuildInfo()))
	return nil
}
