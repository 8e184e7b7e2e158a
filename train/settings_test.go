package train

import (
	"flag"
	"io"
	"reflect"
	"strings"
	"testing"
)

// The flags' defaults make valid settings; Solve drops --steps for an
// adaptive method; Frozen splits --freeze; Check names the bad flag.
func TestSettings(t *testing.T) {
	var s Settings
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	s.AddFlags(fs)
	if err := fs.Parse([]string{"--solver", "dopri5", "--freeze", " hh.weight, tau,", "--loss", "all"}); err != nil {
		t.Fatal(err)
	}
	if err := s.Check(); err != nil {
		t.Fatal(err)
	}
	sv, err := s.Solve()
	if err != nil || sv.Steps != 0 || sv.Method != "dopri5" || !sv.LossAll || !sv.StoreZ {
		t.Errorf("solve %+v, %v", sv, err)
	}
	if got := s.Frozen(); !reflect.DeepEqual(got, []string{"hh.weight", "tau"}) {
		t.Errorf("frozen %q", got)
	}
	s.Solver = "euler"
	if sv, _ := s.Solve(); sv.Steps != 20 {
		t.Errorf("euler takes %d steps, want the default 20", sv.Steps)
	}
	s.CheckpointEach = -1
	if err := s.Check(); err == nil || !strings.Contains(err.Error(), "--checkpoint-every -1") {
		t.Errorf("negative --checkpoint-every: %v", err)
	}
	s.CheckpointEach, s.T1 = 0, -1
	if _, err := s.Solve(); err == nil || !strings.Contains(err.Error(), "--solver/--steps/--t1") {
		t.Errorf("t1 < 0: %v", err)
	}
}
