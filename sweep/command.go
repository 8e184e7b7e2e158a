package sweep

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/neuropil/neuropil/internal/cli"
)

// Env is what "neuropil sweep" needs from its caller.
type Env struct {
	// Run runs "neuropil ARGS": sweep calls it with a command's name alone
	// and a cli.FlagCatcher as stderr to learn the command's flags.
	Run            func(args []string, stdout, stderr io.Writer) error
	Exe            string // the neuropil binary; "": os.Executable()
	Stdout, Stderr io.Writer
	Getenv         func(string) string // nil: os.Getenv
}

// catcher is a cli.FlagCatcher that keeps the flag set.
type catcher struct {
	io.Writer
	fs *flag.FlagSet
}

// CatchFlags keeps fs.
func (c *catcher) CatchFlags(fs *flag.FlagSet) { c.fs = fs }

// flagsOf returns the flag set of a neuropil command (with --model, when
// model is not ""), from e.Run.
func (e *Env) flagsOf(command, model string) (*flag.FlagSet, error) {
	c := &catcher{Writer: io.Discard}
	args := []string{command}
	if model != "" {
		args = append(args, "--model="+model)
	}
	err := e.Run(args, io.Discard, c)
	if c.fs == nil {
		return nil, fmt.Errorf("not a command configured by flags alone (%v)", err)
	}
	return c.fs, nil
}

// subcommands of "neuropil sweep", with a line each.
var subcommands = []struct {
	name, usage string
	run         func(e *Env, args []string) error
}{
	{"plan", "GRID.toml --out SWEEP: expand a grid into SWEEP (nothing is run)", (*Env).plan},
	{"run", "SWEEP [--workers N] [--index K]: run the unfinished runs here (K: one, default $SLURM_ARRAY_TASK_ID or $JOB_COMPLETION_INDEX)", (*Env).run},
	{"slurm", "SWEEP [--submit] [--partition ...]: write SWEEP/sweep.sbatch, a job array over the unfinished runs", (*Env).slurm},
	{"k8s", "SWEEP --image IMAGE [--pvc ...]: write SWEEP/job.yaml, a Kubernetes Indexed Job", (*Env).k8s},
	{"status", "SWEEP: how many runs are done, running, failed, pending; the failures' errors", (*Env).status},
	{"collect", "SWEEP: merge the results into SWEEP/collected", (*Env).collect},
}

// Main runs "neuropil sweep SUBCOMMAND args".
func Main(e *Env, args []string) error {
	if e.Getenv == nil {
		e.Getenv = os.Getenv
	}
	if e.Exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return err
		}
		e.Exe = exe
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprintln(e.Stderr, "usage: neuropil sweep SUBCOMMAND ...\n\nsubcommands:")
		for _, s := range subcommands {
			fmt.Fprintf(e.Stderr, "  %-7s %s\n", s.name, s.usage)
		}
		if len(args) == 0 {
			return errors.New("sweep: no subcommand given")
		}
		return cli.ErrHelp
	}
	var names []string
	for _, s := range subcommands {
		if s.name == args[0] {
			return s.run(e, args[1:])
		}
		names = append(names, s.name)
	}
	return fmt.Errorf("sweep: unknown subcommand %q (known: %s)", args[0], strings.Join(names, ", "))
}

// parse parses a subcommand's flags, given before or after its one
// argument, and returns the argument.
func (e *Env) parse(fs *flag.FlagSet, args []string, what string) (string, error) {
	fs.SetOutput(e.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(e.Stderr, "usage: neuropil %s %s [flags]\n\nflags:\n", fs.Name(), what)
		fs.PrintDefaults()
	}
	if err := cli.ParseAnywhere(fs, args, 1); err != nil {
		return "", err
	}
	if fs.NArg() != 1 {
		return "", fmt.Errorf("%s: want one %s", fs.Name(), what)
	}
	return fs.Arg(0), nil
}

// load parses a subcommand's flags and loads the plan of its SWEEP.
func (e *Env) load(fs *flag.FlagSet, args []string) (string, *Plan, error) {
	dir, err := e.parse(fs, args, "SWEEP")
	if err != nil {
		return "", nil, err
	}
	p, err := Load(dir)
	return dir, p, err
}

func (e *Env) plan(args []string) error {
	fs := flag.NewFlagSet("sweep plan", flag.ContinueOnError)
	out := fs.String("out", "", "the sweep's `directory` (created)")
	grid, err := e.parse(fs, args, "GRID.toml")
	if err != nil {
		return err
	}
	if *out == "" {
		return errors.New("sweep plan: --out SWEEP is required")
	}
	p, err := NewPlan(grid, e.flagsOf)
	if err != nil {
		return err
	}
	if err := p.Write(*out); err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "planned %d runs of neuropil %s in %s\n", len(p.Runs), p.Command, *out)
	return nil
}

func (e *Env) run(args []string) error {
	fs := flag.NewFlagSet("sweep run", flag.ContinueOnError)
	workers := fs.Int("workers", 1, "runs at a time")
	index := fs.Int("index", -1, "run only run `K` (default: $SLURM_ARRAY_TASK_ID, else $JOB_COMPLETION_INDEX, else every run)")
	dir, p, err := e.load(fs, args)
	if err != nil {
		return err
	}
	if *workers < 1 {
		return fmt.Errorf("sweep run: --workers %d: must be at least 1", *workers)
	}
	if *index < 0 {
		for _, v := range []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"} {
			if s := e.Getenv(v); s != "" {
				if *index, err = strconv.Atoi(s); err != nil {
					return fmt.Errorf("sweep run: $%s=%q: not an index", v, s)
				}
				break
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	x := &Executor{Exe: e.Exe, Dir: dir, Plan: p, Workers: *workers, Log: e.Stdout}
	var o Outcome
	if *index >= 0 {
		o, err = x.RunIndex(ctx, *index)
	} else {
		o, err = x.Run(ctx)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "ran %d, skipped %d done, %d running elsewhere, %d failed\n", o.Ran, o.Skipped, o.Busy, len(o.Failed))
	return o.Err()
}

func (e *Env) slurm(args []string) error {
	fs := flag.NewFlagSet("sweep slurm", flag.ContinueOnError)
	var o SlurmOptions
	var extra string
	submit := fs.Bool("submit", false, "submit the array with sbatch and print its job id")
	fs.StringVar(&o.Partition, "partition", "", "Slurm partition")
	fs.StringVar(&o.Time, "time", "", "time limit per task (Slurm's format: MIN, HH:MM:SS, ...)")
	fs.StringVar(&o.Mem, "mem", "", "memory per task, e.g. 4G")
	fs.IntVar(&o.CPUsPerTask, "cpus-per-task", 0, "CPUs per task")
	fs.IntVar(&o.MaxParallel, "max-parallel", 0, "tasks at a time (the array's %M)")
	fs.StringVar(&o.Account, "account", "", "Slurm account")
	fs.StringVar(&extra, "extra", "", "lines added to the script as they are, separated by newlines or ';' (e.g. \"#SBATCH --qos=low\")")
	dir, p, err := e.load(fs, args)
	if err != nil {
		return err
	}
	for _, l := range strings.FieldsFunc(extra, func(r rune) bool { return r == '\n' || r == ';' }) {
		o.Extra = append(o.Extra, strings.TrimSpace(l))
	}
	o.Exe = e.Exe
	if o.Workdir, err = os.Getwd(); err != nil {
		return err
	}
	script, todo, err := p.Slurm(dir, o)
	if err != nil || todo == nil {
		if err == nil {
			fmt.Fprintf(e.Stdout, "all %d runs are done: nothing to submit\n", len(p.Runs))
		}
		return err
	}
	fmt.Fprintf(e.Stdout, "wrote %s: %d of %d runs (array %s)\n", script, len(todo), len(p.Runs), Ranges(todo))
	if !*submit {
		return nil
	}
	id, err := Submit(script)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.Stdout, id)
	return os.WriteFile(filepath.Join(dir, "slurm", "job_id"), []byte(id+"\n"), 0o644)
}

func (e *Env) k8s(args []string) error {
	fs := flag.NewFlagSet("sweep k8s", flag.ContinueOnError)
	var o K8sOptions
	fs.StringVar(&o.Image, "image", "", "container image with neuropil on its PATH (built from the Dockerfile)")
	fs.StringVar(&o.PVC, "pvc", "neuropil-sweep", "PersistentVolumeClaim holding SWEEP")
	fs.StringVar(&o.Mount, "mount", "/sweep", "where the PVC, SWEEP, is mounted; relative paths in flags are relative to it")
	fs.StringVar(&o.CPU, "cpu", "1", "CPU request per pod")
	fs.StringVar(&o.Memory, "memory", "4Gi", "memory request and limit per pod")
	fs.IntVar(&o.MaxParallel, "max-parallel", 0, "pods at a time (default: all)")
	dir, err := e.parse(fs, args, "SWEEP")
	if err != nil {
		return err
	}
	if o.Image == "" {
		return errors.New("sweep k8s: --image IMAGE is required")
	}
	if !filepath.IsAbs(o.Mount) {
		return fmt.Errorf("sweep k8s: --mount %q: want an absolute path", o.Mount)
	}
	p, err := Load(dir)
	if err != nil {
		return err
	}
	path, err := p.K8s(dir, o)
	if err == nil {
		fmt.Fprintf(e.Stdout, "wrote %s: %d runs (kubectl apply -f %s)\n", path, len(p.Runs), path)
	}
	return err
}

func (e *Env) status(args []string) error {
	fs := flag.NewFlagSet("sweep status", flag.ContinueOnError)
	dir, p, err := e.load(fs, args)
	if err != nil {
		return err
	}
	states, err := p.States(dir)
	if err != nil {
		return err
	}
	n := map[string]int{}
	for _, s := range states {
		n[s.State]++
		if s.State == Failed {
			fmt.Fprintf(e.Stdout, "failed %s (exit %d): %s\n", s.Name, s.Exit, s.Error)
		}
	}
	fmt.Fprintf(e.Stdout, "%d runs: %d done, %d running, %d failed, %d pending\n", len(states), n[Done], n[Running], n[Failed], n[Pending])
	return nil
}

func (e *Env) collect(args []string) error {
	fs := flag.NewFlagSet("sweep collect", flag.ContinueOnError)
	dir, p, err := e.load(fs, args)
	if err != nil {
		return err
	}
	paths, err := p.Collect(dir)
	for _, path := range paths {
		fmt.Fprintln(e.Stdout, "wrote", path)
	}
	return err
}
