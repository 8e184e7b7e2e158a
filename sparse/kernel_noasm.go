//go:build noasm || !amd64

package sparse

// archKernels returns no assembly kernels: this build uses the plain Go
// kernels only (the noasm tag, or an architecture without assembly).
func archKernels() []variant { return nil }
