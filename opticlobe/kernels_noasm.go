//go:build noasm || !amd64

package opticlobe

// relax4 reports that there is no assembly kernel: it did no neuron.
func relax4(dydt, wv, y, vrest []float32, typ []int32, invTau []float32) int { return 0 }

// dualScale4 reports that there is no assembly kernel.
func dualScale4(u2, kbar, ybar2, c2, k, invTau, biasN, biasN2, tauN []float32) bool { return false }

// stencilRunFast reports that there is no assembly kernel: it wrote no value.
func stencilRunFast(dst, src []float32, base int, off []int, w []float32) int { return 0 }

// termDots4Fast reports that there is no assembly kernel.
func termDots4Fast(out, u []float32, us int, a []float32, ab int, off []int, n int) bool {
	return false
}

// dualRelu4 reports that there is no assembly kernel.
func dualRelu4(dst1, ybar2, d, own, a []float32) bool { return false }
