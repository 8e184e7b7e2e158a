//go:build !unix

package opticflow

// cpuSeconds returns NaN: this system's processor time is not read.
func cpuSeconds() float64 { return nan }
