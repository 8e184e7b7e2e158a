package sweep

import (
	"flag"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/internal/cli"
)

// testFlags is the flag set of a command like simulate.
func testFlags() *flag.FlagSet {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	fs.String("solver", "dopri5", "")
	fs.Int("batch", 8, "")
	fs.Int("evals", 20, "")
	fs.Uint64("seed", 0, "")
	fs.Float64("dt", 0, "")
	fs.Bool("no-plots", false, "")
	fs.String("out", "out", "")
	fs.String("input", "", "")
	return fs
}

func expand(t *testing.T, text string) []Run {
	t.Helper()
	g, err := ParseGrid("grid.toml", text)
	if err != nil {
		t.Fatal(err)
	}
	runs, err := g.Expand(testFlags())
	if err != nil {
		t.Fatal(err)
	}
	return runs
}

func names(runs []Run) []string {
	var n []string
	for _, r := range runs {
		n = append(n, r.Name)
	}
	return n
}

func TestExpandCartesianFirstKeySlowest(t *testing.T) {
	runs := expand(t, `command = "simulate"
[flags]
evals = 3
no-plots = true
[grid]
solver = ["dopri5", "rk4"]
batch = [1, 2, 4]
dt = [0.5]
`)
	want := []string{
		"000_solver=dopri5_batch=1_dt=0.5", "001_solver=dopri5_batch=2_dt=0.5", "002_solver=dopri5_batch=4_dt=0.5",
		"003_solver=rk4_batch=1_dt=0.5", "004_solver=rk4_batch=2_dt=0.5", "005_solver=rk4_batch=4_dt=0.5",
	}
	if got := names(runs); !slices.Equal(got, want) {
		t.Fatalf("names\n got %q\nwant %q", got, want)
	}
	if got, want := strings.Join(runs[4].Args(), " "), "--evals=3 --no-plots=true --solver=rk4 --batch=2 --dt=0.5"; got != want {
		t.Errorf("args of run 4: %q, want %q", got, want)
	}
	for i, r := range runs {
		if r.Index != i {
			t.Errorf("run %d has index %d", i, r.Index)
		}
	}
}

func TestExpandRunsAndRepeat(t *testing.T) {
	runs := expand(t, `command = "train"
repeat = 2
[flags]
seed = 10
[grid]
batch = [1, 2]
[[runs]]
solver = "euler"
batch = 16
`)
	want := []string{"000_batch=1_seed=10", "001_batch=1_seed=11", "002_batch=2_seed=10", "003_batch=2_seed=11",
		"004_batch=16_solver=euler_seed=10", "005_batch=16_solver=euler_seed=11"}
	if got := names(runs); !slices.Equal(got, want) {
		t.Fatalf("names\n got %q\nwant %q", got, want)
	}
	if got, want := strings.Join(runs[5].Args(), " "), "--seed=11 --batch=16 --solver=euler"; got != want {
		t.Errorf("args of run 5: %q, want %q", got, want)
	}
	runs = expand(t, "command = \"train\"\nseeds = [7, 3]\n[[runs]]\nbatch = 1\n")
	if got, want := names(runs), []string{"000_batch=1_seed=7", "001_batch=1_seed=3"}; !slices.Equal(got, want) {
		t.Errorf("seeds: %q, want %q", got, want)
	}
	if runs := expand(t, `command = "info"`); len(runs) != 1 || runs[0].Name != "000" {
		t.Errorf("no grid: %+v, want one run 000", runs)
	}
}

func TestNamesAreDeterministicAndDistinct(t *testing.T) {
	text := `command = "simulate"
[grid]
input = ["data/a very long/path to a file/that goes on and on/and on.npy", "data/a very long/path to a file/that goes on and on/and on2.npy"]
seed = [1, 2]
`
	a, b := expand(t, text), expand(t, text)
	if !slices.Equal(names(a), names(b)) {
		t.Fatalf("two expansions differ: %q, %q", names(a), names(b))
	}
	seen := map[string]bool{}
	for _, n := range names(a) {
		if len(n) > maxName || strings.ContainsAny(n, "/ ") || seen[n] {
			t.Errorf("bad or repeated name %q", n)
		}
		seen[n] = true
	}
}

func TestGridErrorsNameTheKey(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		{"command = \"simulate\"\n[grid]\nsovler = [\"rk4\"]\n", `[grid] "sovler": not a flag of the command (did you mean --solver?)`},
		{"command = \"simulate\"\n[flags]\nbogus = 1\n", `[flags] "bogus": not a flag`},
		{"command = \"simulate\"\n[[runs]]\nbatch = \"x\"\n", `[[runs]] 1 "batch" = x`},
		{"command = \"simulate\"\n[flags]\nout = \"x\"\n", `the sweep sets --out`},
		{"command = \"simulate\"\nrepeat = 2\n[grid]\nseed = [1]\n", `seed is also in [grid]`},
		{"command = \"simulate\"\nrepaet = 2\n", `unknown key "repaet"`},
		{"[grid]\nseed = [1]\n", `no command`},
		{"command = \"simulate\"\n[grid]\nseed = []\n", `empty list`},
	} {
		g, err := ParseGrid("grid.toml", c.text)
		if err == nil {
			_, err = g.Expand(testFlags())
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.text, err, c.want)
		}
	}
}

func TestRanges(t *testing.T) {
	for _, c := range []struct {
		idx  []int
		want string
	}{{[]int{0, 1, 2}, "0-2"}, {[]int{0, 2, 3, 4, 7}, "0,2-4,7"}, {[]int{5}, "5"}} {
		if got := Ranges(c.idx); got != c.want {
			t.Errorf("Ranges(%v) = %q, want %q", c.idx, got, c.want)
		}
	}
}

// Main learns a command's flags by running it with a cli.FlagCatcher as
// stderr: the command stops at cli.Parse, nothing run.
func TestPlanLearnsFlagsFromTheCommand(t *testing.T) {
	ran := false
	e := &Env{Exe: "/bin/false", Stdout: io.Discard, Stderr: io.Discard, Run: func(args []string, _, stderr io.Writer) error {
		fs := testFlags()
		fs.SetOutput(stderr)
		if err := cli.Parse(fs, args[1:], 0); err != nil {
			return err
		}
		ran = true
		return nil
	}}
	dir := t.TempDir()
	grid := filepath.Join(dir, "grid.toml")
	os.WriteFile(grid, []byte("command = \"simulate\"\n[grid]\nbatch = [1, 2]\n"), 0o644)
	if err := Main(e, []string{"plan", grid, "--out", filepath.Join(dir, "S")}); err != nil || ran {
		t.Fatalf("plan: %v (command ran: %v)", err, ran)
	}
	p, err := Load(filepath.Join(dir, "S"))
	if err != nil || len(p.Runs) != 2 || p.Markers[0] != "summary.json" {
		t.Fatalf("plan %+v, %v", p, err)
	}
	os.WriteFile(grid, []byte("command = \"simulate\"\n[grid]\nbach = [1, 2]\n"), 0o644)
	err = Main(e, []string{"plan", grid, "--out", filepath.Join(dir, "T")})
	if err == nil || !strings.Contains(err.Error(), `"bach": not a flag of the command (did you mean --batch?)`) {
		t.Errorf("unknown key: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "T")); !os.IsNotExist(err) {
		t.Error("SWEEP written despite the error")
	}
}
