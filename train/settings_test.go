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

// TestPreset: --preset bioplnn gives the flags left out bioplnn's
// tutorial values, a flag given wins, the default learns with tanh, and
// an unknown preset is an error.
func TestPreset(t *testing.T) {
	parse := func(args ...string) (*Settings, error) {
		var s Settings
		fs := flag.NewFlagSet("train", flag.ContinueOnError)
		s.AddFlags(fs)
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		var given []string
		fs.Visit(func(f *flag.Flag) { given = append(given, f.Name) })
		return &s, s.ApplyPreset(fs, given)
	}
	s, err := parse()
	if err != nil || s.Nonlinearity != "tanh" || s.Hidden != 128 {
		t.Errorf("defaults: %+v, %v", s, err)
	}
	s, err = parse("--preset", "bioplnn", "--batch", "16")
	if err != nil || s.Nonlinearity != "sigmoid" || s.Hidden != 256 || s.Optimizer != "adam" || s.Batch != 16 || s.Outputs != 0 {
		t.Errorf("bioplnn with --batch 16: %+v, %v", s, err)
	}
	if _, err := parse("--preset", "flyvis"); err == nil || !strings.Contains(err.Error(), "known: bioplnn") {
		t.Errorf("unknown preset: %v", err)
	}
}
