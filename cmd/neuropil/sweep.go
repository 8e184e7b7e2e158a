package main

import (
	"io"
	"os"

	"github.com/neuropil/neuropil/sweep"
)

func init() {
	register("sweep", "plan a grid of runs of another command and run it here, as a Slurm job array or a Kubernetes Indexed Job", runSweep)
}

// runSweep hands "neuropil sweep ..." to package sweep, with this binary
// to run the runs and commandFlags to check a grid's keys.
func runSweep(args []string, stdout, stderr io.Writer) error {
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return sweep.Main(&sweep.Env{Exe: exe, FlagsOf: commandFlags, Stdout: stdout, Stderr: stderr}, args)
}
