package sweep

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/neuropil/neuropil/format/parquet"
)

// The test binary doubles as a fake neuropil: with NEUROPIL_SWEEP_FAKE set
// it runs as a command whose flags say how long it takes, whether it
// fails and what it writes; with NEUROPIL_SWEEP_EXECUTOR set it runs the
// sweep in that directory, as "neuropil sweep run" does.
func TestMain(m *testing.M) {
	if os.Getenv("NEUROPIL_SWEEP_FAKE") != "" {
		os.Exit(fake(os.Args[2:]))
	}
	if dir := os.Getenv("NEUROPIL_SWEEP_EXECUTOR"); dir != "" {
		os.Unsetenv("NEUROPIL_SWEEP_EXECUTOR")
		os.Setenv("NEUROPIL_SWEEP_FAKE", "1") // its runs are fakes
		p, err := Load(dir)
		if err == nil {
			x := &Executor{Exe: os.Args[0], Dir: dir, Plan: p, Workers: 1}
			_, err = x.Run(context.Background())
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// fake writes out/summary.json (value) after sleep ms, or fails with exit
// status 3; each completion appends its --out to --count.
func fake(args []string) int {
	fs := flag.NewFlagSet("fake", flag.ContinueOnError)
	out := fs.String("out", "", "")
	sleep := fs.Int("sleep", 0, "")
	fail := fs.Bool("fail", false, "")
	value := fs.Int("value", 0, "")
	count := fs.String("count", "", "")
	skipMarker := fs.Bool("skip-marker", false, "")
	spikes := fs.Int("spikes", 0, "")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fmt.Println("fake: working")
	time.Sleep(time.Duration(*sleep) * time.Millisecond)
	if *fail {
		fmt.Fprintln(os.Stderr, "neuropil: value 13 is unlucky")
		return 3
	}
	os.MkdirAll(*out, 0o755)
	os.WriteFile(filepath.Join(*out, "metrics.csv"), fmt.Appendf(nil, "epoch,loss,acc\n1,%d,0.5\n2,%d,0.75\n", *value, *value/2), 0o644)
	if *spikes > 0 { // neuron 100+k spikes at k ms, trial k%2; rates.csv gives neuron 100+k k Hz
		parquet.WriteSpikes(filepath.Join(*out, "spikes.parquet"), "lif", *spikes, func(k int) parquet.Spike {
			return parquet.Spike{T: float64(k) / 1000, Trial: int64(k % 2), FlywireID: int64(100 + k)}
		})
		r := "flywire_id,rate_hz,std_hz\n"
		for k := *spikes - 1; k >= 0; k-- {
			r += fmt.Sprintf("%d,%d,0\n", 100+k, k)
		}
		os.WriteFile(filepath.Join(*out, "rates.csv"), []byte(r), 0o644)
	}
	if !*skipMarker {
		os.WriteFile(filepath.Join(*out, "summary.json"), fmt.Appendf(nil, `{"value": %d, "solver": "x", "inner": {"a": 1}, "list": [1,2]}`, *value), 0o644)
	}
	if *count != "" {
		f, _ := os.OpenFile(*count, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		fmt.Fprintln(f, *out)
		f.Close()
	}
	return 0
}

// fakeSweep writes a plan of n fake runs into a new directory; extra
// gives run i more flags.
func fakeSweep(t *testing.T, command string, n int, extra func(i int) []Var) (string, *Plan) {
	t.Helper()
	t.Setenv("NEUROPIL_SWEEP_FAKE", "1")
	dir := filepath.Join(t.TempDir(), "SWEEP")
	p := &Plan{Command: command, Markers: []string{"summary.json"}}
	for i := range n {
		vars := []Var{{"value", fmt.Sprint(i)}}
		r := Run{Index: i, Name: runName(3, i, vars), Vars: vars, Flags: append(vars, extra(i)...)}
		p.Runs = append(p.Runs, r)
	}
	if err := p.Write(dir); err != nil {
		t.Fatal(err)
	}
	return dir, p
}

func exe(t *testing.T) string {
	e, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func count(states []RunState) map[string]int {
	n := map[string]int{}
	for _, s := range states {
		n[s.State]++
	}
	return n
}

func TestRunSkipsDoneRuns(t *testing.T) {
	dir, p := fakeSweep(t, "simulate", 4, func(int) []Var { return nil })
	x := &Executor{Exe: exe(t), Dir: dir, Plan: p, Workers: 2}
	o, err := x.Run(context.Background())
	if err != nil || o.Ran != 4 || o.Err() != nil {
		t.Fatalf("first run: %+v, %v", o, err)
	}
	st, _ := p.States(dir)
	if n := count(st); n[Done] != 4 {
		t.Fatalf("states %v, want 4 done", n)
	}
	log, _ := os.ReadFile(filepath.Join(Dir(dir, &p.Runs[2]), "log.txt"))
	if !strings.Contains(string(log), "fake: working") || !strings.Contains(string(log), "== exit 0") {
		t.Errorf("log of run 2:\n%s", log)
	}
	o, err = x.Run(context.Background())
	if err != nil || o.Ran != 0 || o.Skipped != 4 {
		t.Fatalf("second run: %+v, %v; want 4 skipped", o, err)
	}
	// A run whose outputs went missing is not done: it runs again.
	os.Remove(filepath.Join(Dir(dir, &p.Runs[1]), "out", "summary.json"))
	if o, err = x.RunIndex(context.Background(), 1); err != nil || o.Ran != 1 {
		t.Fatalf("rerun of an incomplete run: %+v, %v", o, err)
	}
	if _, err := x.RunIndex(context.Background(), 4); err == nil {
		t.Error("index 4 of 4 runs: no error")
	}
}

func TestFailuresAreRecordedAndDoNotStopOthers(t *testing.T) {
	dir, p := fakeSweep(t, "simulate", 3, func(i int) []Var {
		switch i {
		case 1:
			return []Var{{"fail", "true"}}
		case 2:
			return []Var{{"skip-marker", "true"}}
		}
		return nil
	})
	x := &Executor{Exe: exe(t), Dir: dir, Plan: p}
	o, err := x.Run(context.Background())
	if err != nil || o.Ran != 3 || len(o.Failed) != 2 || o.Err() == nil {
		t.Fatalf("outcome %+v, %v; want 3 ran, 2 failed", o, err)
	}
	st, _ := p.States(dir)
	if st[0].State != Done || st[1].State != Failed || st[2].State != Failed {
		t.Fatalf("states %s %s %s, want done failed failed", st[0].State, st[1].State, st[2].State)
	}
	if st[1].Exit != 3 || st[1].Error != "neuropil: value 13 is unlucky" {
		t.Errorf("failure recorded as exit %d, %q", st[1].Exit, st[1].Error)
	}
	if st[2].Exit != 0 || !strings.Contains(st[2].Error, "without its outputs (summary.json)") {
		t.Errorf("missing marker recorded as exit %d, %q", st[2].Exit, st[2].Error)
	}
	// Failed runs are run again (and fail again), done ones are not.
	o, _ = x.Run(context.Background())
	if o.Ran != 2 || o.Skipped != 1 {
		t.Errorf("rerun: %+v, want 2 ran, 1 skipped", o)
	}
	if st, _ = p.States(dir); st[1].Attempts != 2 {
		t.Errorf("attempts %d, want 2", st[1].Attempts)
	}
}

// A "sweep run" killed mid-way, and its run with it, leaves that run
// pending; running again completes every run, none twice.
func TestKilledRunResumes(t *testing.T) {
	counts := filepath.Join(t.TempDir(), "completions")
	dir, p := fakeSweep(t, "simulate", 4, func(int) []Var { return []Var{{"sleep", "400"}, {"count", counts}} })
	cmd := exec.Command(exe(t))
	cmd.Env = append(os.Environ(), "NEUROPIL_SWEEP_FAKE=", "NEUROPIL_SWEEP_EXECUTOR="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(counts)
		if strings.Count(string(b), "\n") >= 1 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("no run completed in 30 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the second run is under way
	cmd.Process.Kill()
	cmd.Wait()
	st, _ := p.States(dir)
	if n := count(st); n[Done] == 4 || n[Running] != 0 {
		t.Fatalf("after the kill: %v, want some pending, none running", n)
	}
	time.Sleep(600 * time.Millisecond) // a run that outlived its executor would complete now
	x := &Executor{Exe: exe(t), Dir: dir, Plan: p, Workers: 2}
	if o, err := x.Run(context.Background()); err != nil || o.Err() != nil {
		t.Fatal(o, err)
	}
	st, _ = p.States(dir)
	if n := count(st); n[Done] != 4 {
		t.Fatalf("after the rerun: %v, want 4 done", n)
	}
	b, _ := os.ReadFile(counts)
	seen := map[string]int{}
	for _, l := range strings.Fields(string(b)) {
		seen[l]++
	}
	if len(seen) != 4 {
		t.Errorf("%d runs completed, want 4:\n%s", len(seen), b)
	}
	for out, k := range seen {
		if k != 1 {
			t.Errorf("%s completed %d times", out, k)
		}
	}
}

// While one executor runs a run, another skips it and status says running.
func TestLockedRunIsRunning(t *testing.T) {
	dir, p := fakeSweep(t, "simulate", 1, func(int) []Var { return nil })
	f, ok, err := lock(Dir(dir, &p.Runs[0]))
	if err != nil || !ok {
		t.Fatal(ok, err)
	}
	defer f.Close()
	if err := writeStatus(Dir(dir, &p.Runs[0]), Status{State: Running}); err != nil {
		t.Fatal(err)
	}
	st, _ := p.States(dir)
	if st[0].State != Running {
		t.Errorf("state %s, want running", st[0].State)
	}
	x := &Executor{Exe: exe(t), Dir: dir, Plan: p}
	if o, err := x.RunIndex(context.Background(), 0); err != nil || o.Busy != 1 {
		t.Errorf("%+v, %v: want busy", o, err)
	}
}

// "sweep run" without --index takes an array task's index from Slurm's or
// Kubernetes' variable, and runs that run alone.
func TestMainRunTakesIndexFromEnv(t *testing.T) {
	for _, v := range []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"} {
		dir, p := fakeSweep(t, "simulate", 3, func(int) []Var { return nil })
		var out strings.Builder
		e := &Env{Exe: exe(t), Stdout: &out, Stderr: &out, Getenv: func(k string) string {
			if k == v {
				return "2"
			}
			return ""
		}}
		if err := Main(e, []string{"run", dir}); err != nil {
			t.Fatal(v, err, out.String())
		}
		st, _ := p.States(dir)
		if st[0].State != Pending || st[1].State != Pending || st[2].State != Done {
			t.Errorf("$%s=2: states %s %s %s, want only run 2 done", v, st[0].State, st[1].State, st[2].State)
		}
		out.Reset()
		if err := Main(e, []string{"status", dir}); err != nil || out.String() != "3 runs: 1 done, 0 running, 0 failed, 2 pending\n" {
			t.Errorf("status: %v %q", err, out.String())
		}
	}
}
