package sparse

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// Random returns a rows×cols matrix with about nnz entries at random
// positions and values drawn from dist (uniform in [-1, 1) when nil), from
// the given seed. Row lengths follow a log-normal distribution with shape
// sigma (0 gives rows of near-equal length), mimicking the skewed in-degree
// of real connectomes. Positions that collide are summed, so the result can
// hold slightly fewer than nnz entries; use RandomExact for an exact count.
func Random(rows, cols, nnz int, sigma float64, seed uint64, dist func(*rand.Rand) float32) *CSR {
	rng := rand.New(rand.NewPCG(seed, 0x6e6575726f70696c))
	if dist == nil {
		dist = func(r *rand.Rand) float32 { return float32(2*r.Float64() - 1) }
	}
	deg := rowDegrees(rng, rows, cols, nnz, sigma)
	c := NewCOO(rows, cols, nnz)
	for i, d := range deg {
		for range d {
			c.Add(i, rng.IntN(cols), dist(rng))
		}
	}
	return c.ToCSR()
}

// RandomExact is Random with exactly nnz distinct entries: each row draws
// its columns without replacement. It panics if nnz > rows*cols.
func RandomExact(rows, cols, nnz int, sigma float64, seed uint64, dist func(*rand.Rand) float32) *CSR {
	if nnz > rows*cols {
		panic("sparse: RandomExact with nnz > rows*cols")
	}
	rng := rand.New(rand.NewPCG(seed, 0x6e6575726f70696c))
	if dist == nil {
		dist = func(r *rand.Rand) float32 { return float32(2*r.Float64() - 1) }
	}
	deg := rowDegrees(rng, rows, cols, nnz, sigma)
	a := &CSR{Rows: rows, Cols: cols, RowPtr: make([]int32, rows+1),
		ColIdx: make([]int32, 0, nnz), Val: make([]float32, 0, nnz)}
	var row []int32
	for i, d := range deg {
		// Draw with replacement, then redraw the duplicates: rows are far
		// sparser than cols, so this converges in a round or two.
		row = row[:0]
		for len(row) < d {
			for len(row) < d {
				row = append(row, int32(rng.IntN(cols)))
			}
			slices.Sort(row)
			row = slices.Compact(row)
		}
		for _, j := range row {
			v := dist(rng)
			for v == 0 {
				v = dist(rng)
			}
			a.ColIdx = append(a.ColIdx, j)
			a.Val = append(a.Val, v)
		}
		a.RowPtr[i+1] = int32(len(a.Val))
	}
	return a
}

// rowDegrees draws log-normal row lengths that sum to exactly nnz, none
// above cols.
func rowDegrees(rng *rand.Rand, rows, cols, nnz int, sigma float64) []int {
	if int64(nnz) > int64(rows)*int64(cols) {
		panic(fmt.Sprintf("sparse: %d entries do not fit in a %d×%d matrix", nnz, rows, cols))
	}
	deg := make([]int, rows)
	if rows == 0 {
		return deg
	}
	w := make([]float64, rows)
	var sum float64
	for i := range w {
		w[i] = math.Exp(sigma * rng.NormFloat64())
		sum += w[i]
	}
	total := 0
	for i := range w {
		deg[i] = min(cols, int(float64(nnz)*w[i]/sum))
		total += deg[i]
	}
	// Hand out the remainder one by one to random rows with room.
	for total < nnz {
		i := rng.IntN(rows)
		if deg[i] < cols {
			deg[i]++
			total++
		}
	}
	return deg
}
