package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// profileFlags adds --cpuprofile and --memprofile to a command's flags and
// returns the places their values land.
func profileFlags(fs *flag.FlagSet) (cpu, mem *string) {
	cpu = fs.String("cpuprofile", "", "write a CPU profile (pprof) of the command to `FILE`")
	mem = fs.String("memprofile", "", "write a heap profile (pprof, allocations since start) to `FILE` at the end")
	return cpu, mem
}

// startProfiles starts a CPU profile into cpu and arranges a heap profile
// into mem, for the paths that are not empty. The returned stop ends the
// CPU profile and writes the heap profile; call it once, when the work to
// profile is done (a command defers it and reports its error).
func startProfiles(cpu, mem string) (stop func() error, err error) {
	var cpuFile *os.File
	if cpu != "" {
		cpuFile, err = os.Create(cpu)
		if err != nil {
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(cpuFile); err != nil {
			cpuFile.Close()
			return nil, fmt.Errorf("cpu profile %s: %w", cpu, err)
		}
	}
	// Create the heap profile's file now, so that a path we cannot write
	// fails before the work rather than after it.
	var memFile *os.File
	if mem != "" {
		if memFile, err = os.Create(mem); err != nil {
			if cpuFile != nil {
				pprof.StopCPUProfile()
				cpuFile.Close()
			}
			return nil, fmt.Errorf("memory profile: %w", err)
		}
	}
	stopped := false
	return func() error {
		if stopped {
			return nil
		}
		stopped = true
		var errs []error
		if cpuFile != nil {
			pprof.StopCPUProfile()
			if err := cpuFile.Close(); err != nil {
				errs = append(errs, fmt.Errorf("cpu profile %s: %w", cpu, err))
			}
		}
		if memFile != nil {
			if err := writeHeapProfile(memFile); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}, nil
}

func writeHeapProfile(f *os.File) error {
	runtime.GC() // up-to-date statistics
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return fmt.Errorf("memory profile %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("memory profile %s: %w", f.Name(), err)
	}
	return nil
}
