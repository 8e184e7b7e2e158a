package profile

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
)

// Start starts a CPU profile into the file cpu and creates the file mem
// for a heap profile, for the paths that are not empty. The returned stop
// ends the CPU profile and writes the heap profile; call it once, when the
// work to profile is done (a command defers it and reports its error).
func Start(cpu, mem string) (stop func() error, err error) {
	var cpuFile, memFile *os.File
	stopCPU := func() error {
		if cpuFile == nil {
			return nil
		}
		pprof.StopCPUProfile()
		f := cpuFile
		cpuFile = nil
		if err := f.Close(); err != nil {
			return fmt.Errorf("cpu profile %s: %w", cpu, err)
		}
		return nil
	}
	if cpu != "" {
		if cpuFile, err = os.Create(cpu); err != nil {
			return nil, fmt.Errorf("cpu profile: %w", err)
		}
		if err := pprof.StartCPUProfile(cpuFile); err != nil {
			cpuFile.Close()
			return nil, fmt.Errorf("cpu profile %s: %w", cpu, err)
		}
	}
	if mem != "" {
		if memFile, err = os.Create(mem); err != nil {
			stopCPU()
			return nil, fmt.Errorf("memory profile: %w", err)
		}
	}
	return func() error {
		err := stopCPU()
		if memFile != nil {
			err = errors.Join(err, writeHeap(memFile))
			memFile = nil
		}
		return err
	}, nil
}

// writeHeap writes the heap profile (all allocations since the start)
// into f and closes it.
func writeHeap(f *os.File) error {
	runtime.GC() // up-to-date statistics
	err := pprof.Lookup("allocs").WriteTo(f, 0)
	if errClose := f.Close(); err == nil {
		err = errClose
	}
	if err != nil {
		return fmt.Errorf("memory profile %s: %w", f.Name(), err)
	}
	return nil
}

// Flags adds --cpuprofile and --memprofile to a command's flags and
// returns the places their values land, for Start.
func Flags(fs *flag.FlagSet) (cpu, mem *string) {
	cpu = fs.String("cpuprofile", "", "write a CPU profile (pprof) of the command to `FILE`")
	mem = fs.String("memprofile", "", "write a heap profile (pprof, allocations since start) to `FILE` at the end")
	return cpu, mem
}
