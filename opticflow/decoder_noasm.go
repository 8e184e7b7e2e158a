//go:build noasm || !amd64

package opticflow

// dot32 reports that there is no assembly kernel.
func dot32(a, b []float32) (float32, bool) { return 0, false }

// dotTaps32 reports that there is no assembly kernel.
func dotTaps32(sums, g, in []float32, offs []int) bool { return false }

// convPair32 reports that there is no assembly kernel.
func convPair32(out0, out1, in []float32, offs []int, w2 []float32) bool { return false }

// softplusAffine32 reports that there is no assembly kernel.
func softplusAffine32(dst, x, m []float32, g, b float32) int { return 0 }

// sigmoidGrad32 reports that there is no assembly kernel.
func sigmoidGrad32(gr, x, m []float32, g, b float32) int { return 0 }
