//go:build unix

package opticflow

import "syscall"

// cpuSeconds returns the processor time (user and system) this process
// has used, all its threads together; NaN where it cannot be read.
func cpuSeconds() float64 {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		return nan
	}
	return float64(u.Utime.Sec+u.Stime.Sec) + float64(u.Utime.Usec+u.Stime.Usec)/1e6
}
