package sparse

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/neuropil/neuropil/internal/team"
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
			c.Add(i, rng.IntN(cols), float64(dist(rng)))
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
		ColIdx: make([]int32, nnz), Val: make([]float32, nnz)}
	// The draws are sequential (one random stream). Each row draws its
	// columns until it has d distinct ones, skipping repeats (seen marks
	// the columns drawn for the current row), then d weights, which go to
	// the row's columns in ascending order. Sorting the columns, the costly
	// part, is left to a parallel pass over the rows; the weights already
	// sit at their sorted positions.
	seen := make([]int32, cols)
	for j := range seen {
		seen[j] = -1
	}
	k := 0
	for i, d := range deg {
		row := a.ColIdx[k : k+d]
		for got := 0; got < d; {
			j := int32(rng.IntN(cols))
			if seen[j] != int32(i) {
				seen[j] = int32(i)
				row[got] = j
				got++
			}
		}
		for m := range row {
			v := dist(rng)
			for v == 0 {
				v = dist(rng)
			}
			a.Val[k+m] = v
		}
		k += d
		a.RowPtr[i+1] = int32(k)
	}
	passes := 0 // bytes of a column index
	for c := cols - 1; c > 0; c >>= 8 {
		passes++
	}
	team.For(rows, 1024, func(lo, hi int) {
		var buf []int32
		for i := lo; i < hi; i++ {
			buf = radixSort(a.ColIdx[a.RowPtr[i]:a.RowPtr[i+1]], buf, passes)
		}
	})
	return a
}

// radixSort sorts the non-negative v in place by its low passes bytes,
// least significant first, with buf as scratch (grown as needed and
// returned). For the rows of a connectome (about a hundred columns below
// 2¹⁶) it is several times faster than slices.Sort; short rows use that.
func radixSort(v, buf []int32, passes int) []int32 {
	if len(v) < 64 {
		slices.Sort(v)
		return buf
	}
	if cap(buf) < len(v) {
		buf = make([]int32, len(v))
	}
	src, dst := v, buf[:len(v)]
	for p := range passes {
		shift := 8 * p
		var count [257]int32
		for _, x := range src {
			count[(x>>shift)&0xff+1]++
		}
		for b := 1; b < 257; b++ {
			count[b] += count[b-1]
		}
		for _, x := range src {
			d := (x >> shift) & 0xff
			dst[count[d]] = x
			count[d]++
		}
		src, dst = dst, src
	}
	if passes%2 == 1 {
		copy(v, src)
	}
	return buf
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
