// Package profile writes pprof profiles of a command: a CPU profile over
// the command's work and a heap profile (allocations since the start of
// the process) at its end. Files are created before the work starts, so
// that a path that cannot be written fails at once.
package profile
