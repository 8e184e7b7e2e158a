package sweep

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// An Executor runs the runs of a sweep on this machine, each as a
// subprocess of the neuropil binary.
type Executor struct {
	Exe     string    // the neuropil binary
	Dir     string    // the sweep's directory
	Plan    *Plan     // its plan
	Workers int       // runs at a time (0: 1)
	Log     io.Writer // one line a run started, skipped, done or failed
	mu      sync.Mutex
}

// Outcome counts what one call of Run or RunIndex did.
type Outcome struct {
	Ran, Skipped, Busy int
	Failed             []int // indices of the runs that failed
}

// Err is an error naming the failed runs, or nil.
func (o Outcome) Err() error {
	if len(o.Failed) == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d runs failed: %v (neuropil sweep status lists their errors)", len(o.Failed), o.Ran, o.Failed)
}

// Run runs every unfinished run, e.Workers at a time; a failed run does
// not stop the others. ctx cancelled: the runs under way are killed and
// left pending.
func (e *Executor) Run(ctx context.Context) (Outcome, error) {
	var (
		o    Outcome
		mu   sync.Mutex
		wg   sync.WaitGroup
		errs []error
		next = make(chan int)
	)
	for range max(e.Workers, 1) {
		wg.Go(func() {
			for i := range next {
				oi, err := e.RunIndex(ctx, i)
				mu.Lock()
				o.add(oi)
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	for i := range e.Plan.Runs {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	return o, errors.Join(append(errs, ctx.Err())...)
}

func (o *Outcome) add(p Outcome) {
	o.Ran += p.Ran
	o.Skipped += p.Skipped
	o.Busy += p.Busy
	o.Failed = append(o.Failed, p.Failed...)
}

// RunIndex runs run i unless it is done or another executor runs it. The
// error is for the sweep's files; a run that fails is in the Outcome.
func (e *Executor) RunIndex(ctx context.Context, i int) (Outcome, error) {
	if i < 0 || i >= len(e.Plan.Runs) {
		return Outcome{}, fmt.Errorf("run index %d: the sweep has runs 0 to %d", i, len(e.Plan.Runs)-1)
	}
	r := &e.Plan.Runs[i]
	rd := Dir(e.Dir, r)
	f, ok, err := lock(rd)
	if err != nil || !ok {
		e.logf("%s: running elsewhere, skipped", r.Name)
		return Outcome{Busy: 1}, err
	}
	defer f.Close()
	s, err := readStatus(rd)
	if err != nil {
		return Outcome{}, err
	}
	if s.State == Done && e.Plan.complete(rd) {
		e.logf("%s: done, skipped", r.Name)
		return Outcome{Skipped: 1}, nil
	}
	s = Status{State: Running, Attempts: s.Attempts + 1, Started: time.Now().UTC()}
	s.Host, _ = os.Hostname()
	if err := writeStatus(rd, s); err != nil {
		return Outcome{}, err
	}
	e.logf("%s: started", r.Name)
	s.Exit, s.Error, err = e.execute(ctx, r, rd, s.Attempts)
	if ctx.Err() != nil {
		return Outcome{}, err // interrupted: its status says running, its lock is free: pending
	}
	s.Finished = time.Now().UTC()
	s.Seconds = s.Finished.Sub(s.Started).Seconds()
	s.State = Done
	if s.Exit == 0 && s.Error == "" && !e.Plan.complete(rd) {
		s.Error = fmt.Sprintf("exited 0 without its outputs (%s)", strings.Join(e.Plan.Markers, ", "))
	}
	if s.Exit != 0 || s.Error != "" {
		s.State = Failed
	}
	if err := writeStatus(rd, s); err != nil {
		return Outcome{}, err
	}
	if s.State == Failed {
		e.logf("%s: failed (exit %d): %s", r.Name, s.Exit, s.Error)
		return Outcome{Ran: 1, Failed: []int{i}}, nil
	}
	e.logf("%s: done in %.1fs", r.Name, s.Seconds)
	return Outcome{Ran: 1}, nil
}

// execute runs the command of r with its output in rd/out, appending its
// stdout and stderr to rd/log.txt. It returns the exit status and, for a
// failure, the log's last line.
func (e *Executor) execute(ctx context.Context, r *Run, rd string, attempt int) (exit int, msg string, err error) {
	out, err := filepath.Abs(filepath.Join(rd, "out"))
	if err != nil {
		return -1, err.Error(), nil
	}
	logf, err := os.OpenFile(filepath.Join(rd, "log.txt"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return -1, err.Error(), nil
	}
	defer logf.Close()
	args := append([]string{e.Plan.Command}, r.Args()...)
	args = append(args, "--out="+out)
	fmt.Fprintf(logf, "== attempt %d, %s: neuropil %s\n", attempt, time.Now().UTC().Format(time.RFC3339), strings.Join(args, " "))
	var tail tailWriter
	cmd := exec.CommandContext(ctx, e.Exe, args...)
	cmd.Stdout = io.MultiWriter(logf, &tail)
	cmd.Stderr = cmd.Stdout
	// The run dies with its executor (Linux), so that a killed "sweep run"
	// leaves no run writing behind it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	runtime.LockOSThread() // Pdeathsig follows the thread that started the child
	err = cmd.Run()
	runtime.UnlockOSThread()
	var ee *exec.ExitError
	switch {
	case err == nil:
		fmt.Fprintf(logf, "== exit 0\n")
		return 0, "", nil
	case errors.As(err, &ee):
		fmt.Fprintf(logf, "== exit %d\n", ee.ExitCode())
		return ee.ExitCode(), tail.last(), nil
	default:
		fmt.Fprintf(logf, "== %v\n", err)
		return -1, err.Error(), nil
	}
}

func (e *Executor) logf(format string, a ...any) {
	if e.Log == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	fmt.Fprintf(e.Log, format+"\n", a...)
}

// tailWriter keeps the last 4 KiB written to it.
type tailWriter struct{ b []byte }

func (t *tailWriter) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = t.b[len(t.b)-4096:]
	}
	return len(p), nil
}

// last returns the last non-empty line written, without its progress
// bar carriage returns.
func (t *tailWriter) last() string {
	lines := strings.Split(string(bytes.TrimSpace(t.b)), "\n")
	l := lines[len(lines)-1]
	if i := strings.LastIndexByte(l, '\r'); i >= 0 {
		l = l[i+1:]
	}
	return strings.TrimSpace(l)
}
