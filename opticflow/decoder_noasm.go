//go:build noasm || !amd64

package opticflow

// axpy32 reports that there is no assembly kernel.
func axpy32(dst, src []float32, a float32) bool { return false }

// dot32 reports that there is no assembly kernel.
func dot32(a, b []float32) (float32, bool) { return 0, false }
