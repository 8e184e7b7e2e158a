package main

import (
	"fmt"
	"io"
	"runtime/debug"
)

func init() {
	register("version", "print the module version, commit and Go version (also: neuropil --version)", runVersion)
}

func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("version", stderr)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	fmt.Fprintln(stdout, versionLine(debug.ReadBuildInfo()))
	return nil
}

// versionLine describes a build: the module version ("(devel)" for a
// build from a checkout), the commit and its time when the build recorded
// them (a "+dirty" commit had uncommitted changes), and the Go version.
func versionLine(bi *debug.BuildInfo, ok bool) string {
	if !ok {
		return "neuropil (no build information)"
	}
	line := "neuropil " + bi.Main.Version
	var rev, when, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "+dirty"
			}
		}
	}
	if rev != "" {
		line += fmt.Sprintf(" commit %.12s%s", rev, dirty)
		if when != "" {
			line += " (" + when + ")"
		}
	}
	return line + ", " + bi.GoVersion
}
