//go:build !noasm

package opticlobe

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/cpu"
)

var hasAVX2 = cpu.X86.HasAVX2

// relax4AVX2 is relaxRows at batch 4 for pairs·2 neurons (relax_amd64.s).
//
//go:noescape
func relax4AVX2(dydt, wv, y, vrest *float32, typ *int32, invTau *float32, pairs int)

// relax4 runs relaxRows at batch 4 on the neurons of typ (dydt, wv and y
// their [neurons][4] values, invTau theirs) in assembly, pairs of neurons
// at a time, and returns how many neurons it did. It panics if a type is
// outside vrest.
func relax4(dydt, wv, y, vrest []float32, typ []int32, invTau []float32) int {
	pairs := len(typ) / 2
	if !hasAVX2 || pairs == 0 {
		return 0
	}
	if len(dydt) != 4*len(typ) || len(wv) != len(dydt) || len(y) != len(dydt) || len(invTau) != len(typ) {
		panic(fmt.Sprintf("opticlobe: relax of %d neurons with %d, %d, %d values and %d time constants", len(typ), len(dydt), len(wv), len(y), len(invTau)))
	}
	for _, t := range typ[:2*pairs] {
		if t < 0 || int(t) >= len(vrest) {
			panic(fmt.Sprintf("opticlobe: type %d outside %d resting potentials", t, len(vrest)))
		}
	}
	relax4AVX2(unsafe.SliceData(dydt), unsafe.SliceData(wv), unsafe.SliceData(y), unsafe.SliceData(vrest),
		unsafe.SliceData(typ), unsafe.SliceData(invTau), pairs)
	return 2 * pairs
}

// dualScale4AVX2 is dualScale at batch 4 for n neurons (kernels_amd64.s).
//
//go:noescape
func dualScale4AVX2(u2, kbar, ybar2, c2, k, invTau, biasN, biasN2, tauN *float32, n int)

// dualScale4 runs dualScale at batch 4 in assembly and reports whether it
// could. It panics if the lengths do not fit invTau's neurons.
func dualScale4(u2, kbar, ybar2, c2, k, invTau, biasN, biasN2, tauN []float32) bool {
	n := len(invTau)
	if !hasAVX2 || n == 0 {
		return false
	}
	if len(u2) < 8*n || len(kbar) < 4*n || len(ybar2) < 4*n || len(c2) < 4 || len(k) < 4*n || len(biasN) < n || len(biasN2) < n || len(tauN) < n {
		panic(fmt.Sprintf("opticlobe: dual scale of %d neurons with %d, %d, %d, %d, %d, %d, %d, %d values", n,
			len(u2), len(kbar), len(ybar2), len(c2), len(k), len(biasN), len(biasN2), len(tauN)))
	}
	dualScale4AVX2(unsafe.SliceData(u2), unsafe.SliceData(kbar), unsafe.SliceData(ybar2), unsafe.SliceData(c2), unsafe.SliceData(k),
		unsafe.SliceData(invTau), unsafe.SliceData(biasN), unsafe.SliceData(biasN2), unsafe.SliceData(tauN), n)
	return true
}
