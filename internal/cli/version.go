package cli

import (
	"fmt"
	"runtime/debug"
)

// VersionLine describes a build of neuropil: the module version ("(devel)" for a
// build from a checkout), the commit and its time when the build recorded
// them (a "+dirty" commit had uncommitted changes), and the Go version.
func VersionLine(bi *debug.BuildInfo, ok bool) string {
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
