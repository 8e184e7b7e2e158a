package sparse

// chooseKernel returns the fastest kernel for the batch size.
func chooseKernel(batch int) kernel {
	switch batch {
	case 1:
		return mulRows1
	case 8:
		return mulRows8
	}
	return mulRowsGeneric
}

// mulRows1 is the reference kernel specialised to batch 1 (a plain SpMV).
func mulRows1(dst []float32, rowPtr, colIdx []int32, val, x []float32, _, r0, r1 int) {
	for i := r0; i < r1; i++ {
		lo, hi := rowPtr[i], rowPtr[i+1]
		var s float32
		cols := colIdx[lo:hi]
		vals := val[lo:hi][:len(cols)]
		for k, j := range cols {
			s += vals[k] * x[j]
		}
		dst[i] = s
	}
}

// mulRows8 is the reference kernel specialised to batch 8, with the eight
// accumulators held in registers.
func mulRows8(dst []float32, rowPtr, colIdx []int32, val, x []float32, _, r0, r1 int) {
	for i := r0; i < r1; i++ {
		lo, hi := rowPtr[i], rowPtr[i+1]
		var s0, s1, s2, s3, s4, s5, s6, s7 float32
		cols := colIdx[lo:hi]
		vals := val[lo:hi][:len(cols)]
		for k, j := range cols {
			v := vals[k]
			xs := x[int(j)*8:][:8]
			s0 += v * xs[0]
			s1 += v * xs[1]
			s2 += v * xs[2]
			s3 += v * xs[3]
			s4 += v * xs[4]
			s5 += v * xs[5]
			s6 += v * xs[6]
			s7 += v * xs[7]
		}
		d := dst[i*8:][:8]
		d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7] = s0, s1, s2, s3, s4, s5, s6, s7
	}
}
