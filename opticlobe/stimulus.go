package opticlobe

// Replicate returns frames of column values, cols [frames][columns], copied
// to every sample of a batch: [frames][batch][columns], the input of
// Simulate.
func Replicate(cols []float32, frames, batch int) []float32 {
	nc := len(cols) / max(1, frames)
	x := make([]float32, frames*batch*nc)
	for k := 0; k < frames; k++ {
		for b := 0; b < batch; b++ {
			copy(x[(k*batch+b)*nc:(k*batch+b+1)*nc], cols[k*nc:(k+1)*nc])
		}
	}
	return x
}

// Uniform returns the columns of a lattice of the given extent all at one
// light level (1: a full-field flash of light, 0: darkness), [columns].
func Uniform(extent int, level float32) []float32 {
	cols := make([]float32, ColumnCount(extent))
	for i := range cols {
		cols[i] = level
	}
	return cols
}

// SampleInk samples n 8-bit images pix, [n][h][w] with 255 for ink (MNIST's
// convention), into dst, [n][columns], with the ink as light: pixel/255.
func (e *Eye) SampleInk(dst []float32, pix []uint8, n, h, w int) {
	nc := e.Columns()
	img := make([]float32, h*w)
	for k := 0; k < n; k++ {
		for i, p := range pix[k*h*w : (k+1)*h*w] {
			img[i] = float32(p) / 255
		}
		e.Sample(dst[k*nc:(k+1)*nc], img, h, w)
	}
}
