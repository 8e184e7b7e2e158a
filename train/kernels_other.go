//go:build noasm || !amd64

package train

// backRows8Fast reports that no assembly kernel is available: the callers
// use the plain Go loop of backRows.
func backRows8Fast(dst, gw []float32, rowPtr, col []int32, val, gz, y []float32, r0, r1 int) bool {
	return false
}
