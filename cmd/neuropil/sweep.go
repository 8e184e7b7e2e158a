package main

import (
	"io"

	"github.com/neuropil/neuropil/sweep"
)

// sweep runs the other commands: run, the dispatcher, gives it their flags.
func init() {
	register("sweep", "plan a grid of runs of another command and run it here, as a Slurm job array or a Kubernetes Indexed Job", func(args []string, stdout, stderr io.Writer) error {
		return sweep.Main(&sweep.Env{Run: run, Stdout: stdout, Stderr: stderr}, args)
	})
}
