//go:build noasm || !amd64

package opticlobe

// relax4 reports that there is no assembly kernel: it did no neuron.
func relax4(dydt, wv, y, vrest []float32, typ []int32, invTau []float32) int { return 0 }

// dualScale4 reports that there is no assembly kernel.
func dualScale4(u2, kbar, kbar2, k, invTau, biasN, biasN2, tauN []float32) bool { return false }
