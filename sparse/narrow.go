package sparse

import (
	"fmt"
	"math"
	"strings"
)

// Narrow encodings cut the bytes a product reads per synapse, from 8 (an
// int32 column and a float32 weight) to as few as 4. They are options of a
// Product (ProductOptions.Index16, ProductOptions.Weights), off by default:
// 16-bit weights change the result (by about 2⁻⁹ relative for bf16, 2⁻¹²
// for f16, per weight), 16-bit indices do not.

// Weight formats for ProductOptions.Weights.
const (
	WeightsF32  = "f32"  // float32 as stored in the CSR (the default)
	WeightsBF16 = "bf16" // bfloat16: the top 16 bits of a float32, rounded to nearest even
	WeightsF16  = "f16"  // IEEE 754 binary16 (half), rounded to nearest even
)

var weightFormats = []string{WeightsF32, WeightsBF16, WeightsF16}

// narrow is a CSR re-encoded with 16-bit column offsets, 16-bit weights, or
// both. The entries keep the CSR's order and numbering.
//
// With 16-bit indices the entries of each row are cut into segments whose
// columns lie within 65536 of the segment's first column (one segment per
// row whenever the matrix has at most 65536 columns):
//
//	row i has segments segPtr[i] .. segPtr[i+1]-1
//	segment s holds entries segStart[s] .. segStart[s+1]-1
//	entry k of segment s has column segBase[s] + off[k]
type narrow struct {
	segPtr   []int32  // [rows+1] first segment of each row; nil: int32 columns (CSR.ColIdx)
	segStart []int32  // [segments+1] first entry of each segment
	segBase  []int32  // [segments] column of each segment's first entry
	off      []uint16 // [nnz] column minus the segment's base

	weights string   // one of weightFormats
	val16   []uint16 // [nnz] bf16 or f16 bits; nil for f32 (CSR.Val)
}

// newNarrow encodes a as asked. It returns an error for an unknown weight
// format.
func newNarrow(a *CSR, index16 bool, weights string) (*narrow, error) {
	if weights == "" {
		weights = WeightsF32
	}
	m := &narrow{weights: weights}
	switch weights {
	case WeightsF32:
	case WeightsBF16, WeightsF16:
		m.val16 = make([]uint16, len(a.Val))
		conv := toBF16
		if weights == WeightsF16 {
			conv = toF16
		}
		for k, v := range a.Val {
			m.val16[k] = conv(v)
		}
	default:
		return nil, fmt.Errorf("unknown weight format %q (known: %s)", weights, strings.Join(weightFormats, ", "))
	}
	if index16 {
		m.segPtr = make([]int32, a.Rows+1)
		m.off = make([]uint16, len(a.ColIdx))
		m.segStart = make([]int32, 0, a.Rows+1)
		m.segBase = make([]int32, 0, a.Rows)
		for i := 0; i < a.Rows; i++ {
			var base int64
			open := false
			for k := a.RowPtr[i]; k < a.RowPtr[i+1]; k++ {
				j := int64(a.ColIdx[k])
				if d := j - base; !open || d < 0 || d > math.MaxUint16 {
					base, open = j, true
					m.segBase = append(m.segBase, int32(j))
					m.segStart = append(m.segStart, k)
				}
				m.off[k] = uint16(j - base)
			}
			m.segPtr[i+1] = int32(len(m.segBase))
		}
		m.segStart = append(m.segStart, int32(len(a.ColIdx)))
	}
	return m, nil
}

// value returns the weight of entry k as the kernels see it.
func (m *narrow) value(a *CSR, k int) float32 {
	switch m.weights {
	case WeightsBF16:
		return fromBF16(m.val16[k])
	case WeightsF16:
		return fromF16(m.val16[k])
	}
	return a.Val[k]
}

// decoded returns the CSR the narrow form stands for: a's structure with
// the weights as the kernels see them. Tests hold the narrow kernels to
// the reference kernel on it.
func (m *narrow) decoded(a *CSR) *CSR {
	d := a.Clone()
	for k := range d.Val {
		d.Val[k] = m.value(a, k)
	}
	return d
}

// bytes returns the bytes of matrix data a product reads.
func (m *narrow) bytes(a *CSR) int64 {
	n := int64(a.NNZ())
	b := int64(a.Rows+1) * 4
	if m.segPtr != nil {
		b += int64(len(m.segStart))*4 + int64(len(m.segBase))*4 + n*2
	} else {
		b += n * 4
	}
	if m.val16 != nil {
		return b + n*2
	}
	return b + n*4
}

// mulNarrowGeneric is the plain Go kernel for any narrow encoding and batch:
// mulRowsGeneric with the columns and weights decoded on the fly.
func mulNarrowGeneric(dst []float32, m *narrow, a *CSR, x []float32, batch, r0, r1 int) {
	axpy := func(d []float32, v float32, j int) {
		xs := x[j*batch:][:len(d)]
		for b, xv := range xs {
			d[b] += v * xv
		}
	}
	for i := r0; i < r1; i++ {
		d := dst[i*batch : (i+1)*batch]
		clear(d)
		if m.segPtr == nil {
			for k := int(a.RowPtr[i]); k < int(a.RowPtr[i+1]); k++ {
				axpy(d, m.value(a, k), int(a.ColIdx[k]))
			}
			continue
		}
		for s := m.segPtr[i]; s < m.segPtr[i+1]; s++ {
			base := int(m.segBase[s])
			for k := int(m.segStart[s]); k < int(m.segStart[s+1]); k++ {
				axpy(d, m.value(a, k), base+int(m.off[k]))
			}
		}
	}
}

// toBF16 rounds f to the nearest bfloat16 (ties to even); NaN stays NaN.
func toBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if f != f {
		return uint16(b>>16) | 0x40 // quiet NaN
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// fromBF16 widens a bfloat16 to float32 (exact).
func fromBF16(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// toF16 rounds f to the nearest IEEE binary16 (ties to even), with
// subnormals, overflow to ±Inf, and NaN kept NaN.
func toF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int(b>>23) & 0xff
	man := b & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if man != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp-127 > 15: // too large
		return sign | 0x7c00
	case exp-127 >= -14: // normal half
		e := uint32(exp-127+15) << 10
		h := e | man>>13
		rest := man & 0x1fff
		if rest > 0x1000 || (rest == 0x1000 && h&1 == 1) {
			h++ // may carry into the exponent, up to Inf: correct
		}
		return sign | uint16(h)
	case exp-127 >= -25: // subnormal half (or rounds up to the smallest)
		man |= 0x800000                       // implicit bit
		shift := uint(-(exp - 127) - 14 + 13) // 14..24
		h := man >> shift
		rest := man & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rest > half || (rest == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	}
	return sign // underflows to zero
}

// fromF16 widens an IEEE binary16 to float32 (exact).
func fromF16(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := int(h>>10) & 0x1f
	man := uint32(h & 0x3ff)
	switch {
	case exp == 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | man<<13)
	case exp == 0:
		if man == 0 {
			return math.Float32frombits(sign)
		}
		v := float32(man) * (1.0 / (1 << 24)) // man · 2⁻²⁴, exact
		if sign != 0 {
			v = -v
		}
		return v
	}
	return math.Float32frombits(sign | uint32(exp-15+127)<<23 | man<<13)
}
