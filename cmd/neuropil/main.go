package main

import (
	"fmt"
	"os"

	"github.com/neuropil/neuropil/internal/atomic"
)

func main() {
	atomic.CleanOnSignal() // Ctrl-C and SIGTERM leave no temporary files
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "neuropil:", err)
		os.Exit(1)
	}
}
