package sweep

import (
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"github.com/neuropil/neuropil/internal/atomic"
)

// The states of a run.
const (
	Pending = "pending" // not run, or interrupted
	Running = "running" // an executor holds its lock now
	Done    = "done"    // exited 0 with its outputs complete
	Failed  = "failed"  // exited non-zero or without its outputs
)

// A Status is what runs/NAME/status.json records of a run's last attempt.
type Status struct {
	State    string    `json:"state"`
	Attempts int       `json:"attempts"`        // attempts started, this one included
	Exit     int       `json:"exit"`            // the command's exit status (-1: killed by a signal)
	Error    string    `json:"error,omitempty"` // why it failed: the log's last line
	Host     string    `json:"host"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	Seconds  float64   `json:"seconds"`
}

// Dir returns the directory of run r of the sweep in dir.
func Dir(dir string, r *Run) string { return filepath.Join(dir, "runs", r.Name) }

func readStatus(runDir string) (Status, error) {
	var s Status
	b, err := os.ReadFile(filepath.Join(runDir, "status.json"))
	if errors.Is(err, os.ErrNotExist) {
		return Status{State: Pending}, nil
	}
	if err != nil {
		return s, err
	}
	return s, json.Unmarshal(b, &s)
}

func writeStatus(runDir string, s Status) error {
	return atomic.WriteFile(filepath.Join(runDir, "status.json"), func(w io.Writer) error {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(s)
	})
}

// complete reports whether every marker exists in the run's out/.
func (p *Plan) complete(runDir string) bool {
	for _, m := range p.Markers {
		if _, err := os.Stat(filepath.Join(runDir, "out", m)); err != nil {
			return false
		}
	}
	return true
}

// lock takes the run's lock without waiting; ok false: another executor
// holds it. The kernel releases it when the process dies.
func lock(runDir string) (f *os.File, ok bool, err error) {
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return nil, false, err
	}
	f, err = os.OpenFile(filepath.Join(runDir, ".lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, false, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, err
	}
	return f, true, nil
}

// A RunState is a run with its state now.
type RunState struct {
	Run
	Status
}

// States returns the state of every run of the sweep in dir: done only
// with its outputs complete, running while an executor holds its lock,
// pending when status.json says running but nobody holds it (killed).
func (p *Plan) States(dir string) ([]RunState, error) {
	out := make([]RunState, len(p.Runs))
	for i := range p.Runs {
		rd := Dir(dir, &p.Runs[i])
		s, err := readStatus(rd)
		if err != nil {
			return nil, err
		}
		if s.State == Done && !p.complete(rd) {
			s.State = Pending
		}
		if s.State == Running {
			s.State = Pending
			if _, err := os.Stat(rd); err == nil {
				if f, ok, err := lock(rd); err == nil && !ok {
					s.State = Running
				} else if ok {
					f.Close()
				}
			}
		}
		out[i] = RunState{Run: p.Runs[i], Status: s}
	}
	return out, nil
}
