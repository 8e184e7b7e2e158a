package sweep

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/neuropil/neuropil/internal/atomic"
)

// SlurmOptions are the resources of each array task; empty ones are left
// to the cluster's defaults.
type SlurmOptions struct {
	Partition, Time, Mem, Account string
	CPUsPerTask, MaxParallel      int
	Extra                         []string // lines added as they are, e.g. "#SBATCH --qos=low"
	Exe                           string   // the neuropil binary the tasks run (absolute)
	Workdir                       string   // the tasks' working directory (absolute)
}

// Slurm writes SWEEP/sweep.sbatch: a job array over the unfinished runs
// (task id = run index) whose task runs "neuropil sweep run SWEEP --index
// $SLURM_ARRAY_TASK_ID", with its output in SWEEP/slurm/. It returns the
// script's path and the indices in the array; none: every run is done.
func (p *Plan) Slurm(dir string, o SlurmOptions) (string, []int, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", nil, err
	}
	states, err := p.States(abs)
	if err != nil {
		return "", nil, err
	}
	var todo []int
	for _, s := range states {
		if s.State != Done {
			todo = append(todo, s.Index)
		}
	}
	if len(todo) == 0 {
		return "", nil, nil
	}
	if err := os.MkdirAll(filepath.Join(abs, "slurm"), 0o755); err != nil {
		return "", nil, err
	}
	path := filepath.Join(abs, "sweep.sbatch")
	err = atomic.WriteFile(path, func(w io.Writer) error {
		_, err := io.WriteString(w, sbatch(abs, todo, o))
		return err
	})
	return path, todo, err
}

// sbatch returns the text of the job array script.
func sbatch(abs string, todo []int, o SlurmOptions) string {
	var b strings.Builder
	b.WriteString("#!/bin/sh\n")
	array := Ranges(todo)
	if o.MaxParallel > 0 {
		array += "%" + strconv.Itoa(o.MaxParallel)
	}
	line := func(k, v string) {
		if v != "" && v != "0" {
			fmt.Fprintf(&b, "#SBATCH --%s=%s\n", k, v)
		}
	}
	line("job-name", "neuropil-sweep-"+clean(filepath.Base(abs)))
	line("array", array)
	line("output", filepath.Join(abs, "slurm", "%A_%a.out"))
	line("chdir", o.Workdir)
	line("partition", o.Partition)
	line("account", o.Account)
	line("time", o.Time)
	line("mem", o.Mem)
	line("cpus-per-task", strconv.Itoa(o.CPUsPerTask))
	for _, x := range o.Extra {
		b.WriteString(x + "\n")
	}
	fmt.Fprintf(&b, "\n# One run of the sweep: its index is the array task's.\nexec %s sweep run %s --index \"$SLURM_ARRAY_TASK_ID\"\n", quote(o.Exe), quote(abs))
	return b.String()
}

// Ranges writes sorted indices as Slurm's --array does: 0-3,5,7-9.
func Ranges(idx []int) string {
	var parts []string
	for i := 0; i < len(idx); {
		j := i
		for j+1 < len(idx) && idx[j+1] == idx[j]+1 {
			j++
		}
		if j == i {
			parts = append(parts, strconv.Itoa(idx[i]))
		} else {
			parts = append(parts, fmt.Sprintf("%d-%d", idx[i], idx[j]))
		}
		i = j + 1
	}
	return strings.Join(parts, ",")
}

// quote returns s single-quoted for sh.
func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Submit submits the script with sbatch and returns the job id.
func Submit(script string) (string, error) {
	out, err := exec.Command("sbatch", "--parsable", script).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("sbatch %s: %w: %s", script, err, strings.TrimSpace(string(out)))
	}
	id, _, _ := strings.Cut(strings.TrimSpace(string(out)), ";")
	return id, nil
}
