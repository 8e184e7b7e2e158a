//go:build noasm || !amd64

package sparse

// mulGradFast reports that no assembly kernel is available: MulGradRowsTo
// runs the plain Go reference.
func mulGradFast(batch int, dst, gw []float32, rowPtr, col []int32, val, gz, y []float32, r0, r1 int) bool {
	return false
}

func hasAVX2Grad() bool { return false }

// mulGradHalfReluFast reports that no assembly kernel is available.
func mulGradHalfReluFast(dst1, dst2, gw []float32, rowPtr, col []int32, val, gz, y []float32, r0, r1 int) bool {
	return false
}
