package main

import (
	"bytes"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/internal/cli"
)

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out bytes.Buffer
		if err := run(args, &out, &out); err != nil || !strings.HasPrefix(out.String(), "neuropil ") || !strings.Contains(out.String(), "go1.") {
			t.Errorf("%v: %q, %v", args, out.String(), err)
		}
	}
	bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v0.3.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"}, {Key: "vcs.time", Value: "2026-12-07T03:00:00Z"}}}
	if got, want := cli.VersionLine(bi, true), "neuropil v0.3.0 commit 0123456789ab+dirty (2026-12-07T03:00:00Z), go1.26.0"; got != want {
		t.Errorf("VersionLine = %q, want %q", got, want)
	}
}
