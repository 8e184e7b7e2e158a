// Package team runs parallel loops on a process-wide team of helper
// goroutines that stay awake (spinning) for a moment after each job, so
// that the many short parallel steps of an ODE solve — a sparse product,
// then elementwise work, then the next product — start in microseconds
// instead of waiting for parked goroutines to be woken. The sparse product
// and the solvers' elementwise loops share the one team, so they never
// compete for cores.
package team
