package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestStart(t *testing.T) {
	dir := t.TempDir()
	cpu, mem := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "mem.pprof")
	stop, err := Start(cpu, mem)
	if err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if err := stop(); err != nil { // a second stop does nothing
		t.Fatal(err)
	}
	for _, p := range []string{cpu, mem} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v, want a profile", p, err)
		}
	}
	stop, err = Start("", "")
	if err != nil || stop() != nil {
		t.Errorf("no profiles: %v", err)
	}
	for _, c := range []struct{ cpu, mem, want string }{
		{filepath.Join(dir, "no", "cpu"), "", "cpu profile"},
		{"", dir, "memory profile"},
	} {
		if _, err := Start(c.cpu, c.mem); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Start(%q, %q): error %v, want %q", c.cpu, c.mem, err, c.want)
		}
	}
}
