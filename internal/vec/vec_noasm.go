//go:build noasm || !amd64

package vec

// This build has no assembly (the noasm tag, or an architecture without
// it): the arch functions do nothing and the Go twins do all the work.

const useAsm = false

func sigmoidArch(dst, x []float32) int                     { return 0 }
func tanhArch(dst, x []float32) int                        { return 0 }
func reluArch(dst, x []float32) int                        { return 0 }
func addArch(dst, x []float32) int                         { return 0 }
func addRowsArch(dst, v []float32, batch int) bool         { return false }
func relaxRowsArch(dst, r, h, w []float32, batch int) bool { return false }
func axpyPatternArch(dst, src, x, coef []float32) int      { return 0 }

func errorSqArch(sums []float64, k [][]float32, c [][]float64, y, y1 []float32, atol, rtol float64) bool {
	return false
}
