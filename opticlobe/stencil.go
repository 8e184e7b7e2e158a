package opticlobe

import (
	"fmt"

	"github.com/neuropil/neuropil/ode"
)

// A stencil is the recurrent weight matrix W of a Network as what it is:
// the same synapses in every column. Each edge of the network belongs to
// one term, a pair and an offset (du, dv) from the presynaptic to the
// postsynaptic column, with one sign·n_syn; every neuron of the pair's
// target type receives the term from the source neuron at its column less
// the offset, where there is one. So W·x is, for each target type, a sum
// of shifted copies of the source types' values (2,355 terms for flyvis's
// optic lobe at extent 15, against 1,513,231 edges), Wᵀ·u the same with the
// shifts reversed, and the gradient of a pair's strength a sum over its
// terms of one dot product each.
//
// The values of each type are laid out on a square map over the lattice,
// (2·extent + 1 + 2·pad)² cells of lanes values each (oblique u, v; v
// fastest), with a margin of pad cells of zeros on every side, pad the
// largest |du| or |dv| of a term: a source outside the lattice, or where a
// strided type has no neuron, reads zero, as the network has no edge there.
// A type's neurons are runs of consecutive cells of a row of its map, in
// neuron order (the lattice's order, u then v): a type with a neuron in
// every column has one run per row of the hexagon, a strided or single one
// a run per neuron.
type stencil struct {
	width, cells int         // side of a map and its cells, width²
	runs         [][]cellRun // [types] the type's neurons as runs of cells

	src, tgt []int32   // [terms] source and target type
	pair     []int32   // [terms] pair
	coef     []float32 // [terms] sign·n_syn
	shift    []int     // [terms] du·width + dv: target cell less source cell

	// The terms of each target type (fwd[fwdPtr[t]:fwdPtr[t+1]]) and of
	// each source type (bwd, bwdPtr), in term order.
	fwdPtr, fwd []int32
	bwdPtr, bwd []int32
}

// typeRun is a run of type t.
type typeRun struct {
	cellRun
	t int32
}

// cellRun is n neurons from neuron on, at cells cell, cell+1, … of their
// type's map.
type cellRun struct{ neuron, cell, n int }

// newStencil finds the terms of net's edges and lays out the maps. It
// returns an error if the edges are not the same in every column (a
// network not expanded by Build).
func newStencil(net *Network) (*stencil, error) {
	e := &net.Edges
	nt := len(net.Spec.Types)
	type key struct{ pair, du, dv int32 }
	index := map[key]int{}
	st := &stencil{runs: make([][]cellRun, nt)}
	var du, dv []int32
	pad := net.MaxOffset()
	for k := range e.Source {
		s, t := e.Source[k], e.Target[k]
		d := key{e.Pair[k], net.U[t] - net.U[s], net.V[t] - net.V[s]}
		c := float32(e.Sign[k]) * e.NSyn[k]
		q, ok := index[d]
		if !ok {
			q = len(st.pair)
			index[d] = q
			st.pair = append(st.pair, d.pair)
			st.coef = append(st.coef, c)
			st.src = append(st.src, net.Conn.Type[s])
			st.tgt = append(st.tgt, net.Conn.Type[t])
			du, dv = append(du, d.du), append(dv, d.dv)
			continue
		}
		if st.coef[q] != c || st.src[q] != net.Conn.Type[s] || st.tgt[q] != net.Conn.Type[t] {
			return nil, fmt.Errorf("opticlobe: edges of pair %d at offset (%d, %d) differ between columns", d.pair, d.du, d.dv)
		}
	}
	st.width = 2*net.Extent + 1 + 2*pad
	st.cells = st.width * st.width
	st.shift = make([]int, len(du))
	for q := range du {
		st.shift[q] = int(du[q])*st.width + int(dv[q])
	}
	for t := range nt {
		for i := net.TypeStart[t]; i < net.TypeStart[t+1]; i++ {
			c := (int(net.U[i])+net.Extent+pad)*st.width + int(net.V[i]) + net.Extent + pad
			r := st.runs[t]
			if len(r) > 0 && r[len(r)-1].neuron+r[len(r)-1].n == i && r[len(r)-1].cell+r[len(r)-1].n == c {
				r[len(r)-1].n++
				continue
			}
			st.runs[t] = append(r, cellRun{neuron: i, cell: c, n: 1})
		}
	}
	st.fwdPtr, st.fwd = groupTerms(st.tgt, nt)
	st.bwdPtr, st.bwd = groupTerms(st.src, nt)
	// Each edge is one term at one target neuron: check the count.
	occupied := make([][]bool, nt)
	for t, runs := range st.runs {
		occupied[t] = make([]bool, st.cells)
		for _, r := range runs {
			for c := r.cell; c < r.cell+r.n; c++ {
				occupied[t][c] = true
			}
		}
	}
	edges := 0
	for q := range st.pair {
		has := occupied[st.src[q]]
		for _, r := range st.runs[st.tgt[q]] {
			for c := r.cell; c < r.cell+r.n; c++ {
				if has[c-st.shift[q]] {
					edges++
				}
			}
		}
	}
	if edges != e.Len() {
		return nil, fmt.Errorf("opticlobe: the network's %d edges are not its %d terms' reach (%d)", e.Len(), len(st.pair), edges)
	}
	if err := st.checkReads(); err != nil {
		return nil, err
	}
	return st, nil
}

// checkReads returns an error if a term reads, for a run of its target
// (forward) or its source (transposed), a cell outside the other type's
// map: the products then read within the maps at any number of lanes,
// unchecked.
func (st *stencil) checkReads() error {
	for q := range st.pair {
		for _, c := range [2]struct{ own, sign int }{{int(st.tgt[q]), -1}, {int(st.src[q]), 1}} {
			for _, r := range st.runs[c.own] {
				first := r.cell + c.sign*st.shift[q]
				if first < 0 || first+r.n > st.cells {
					return fmt.Errorf("opticlobe: term %d reads cells [%d, %d) of a map of %d", q, first, first+r.n, st.cells)
				}
			}
		}
	}
	return nil
}

// groupTerms returns the terms grouped by the type of each (a counting
// sort, term order kept).
func groupTerms(of []int32, types int) (ptr, terms []int32) {
	ptr = make([]int32, types+1)
	for _, t := range of {
		ptr[t+1]++
	}
	for t := range types {
		ptr[t+1] += ptr[t]
	}
	next := append([]int32(nil), ptr[:types]...)
	terms = make([]int32, len(of))
	for q, t := range of {
		terms[next[t]] = int32(q)
		next[t]++
	}
	return ptr, terms
}

// mapIndex returns the index in a set of maps of lanes values a cell of
// the cell c of type t's map.
func (st *stencil) mapIndex(t, c, lanes int) int { return (t*st.cells + c) * lanes }

// offsets returns, for the terms of a group (fwd: sources read at the
// target's cells; bwd: targets read at the source's cells), the offset of
// the map value each term reads at cell 0 of the group's own type, in maps
// of lanes values a cell.
func (st *stencil) offsets(group []int32, forward bool, lanes int) []int {
	off := make([]int, len(group))
	for k, q := range group {
		if forward {
			off[k] = (int(st.src[q])*st.cells - st.shift[q]) * lanes
		} else {
			off[k] = (int(st.tgt[q])*st.cells + st.shift[q]) * lanes
		}
	}
	return off
}

// stencilRun writes dst[i] = Σ_k w[k]·src[base+off[k]+i] for i < len(dst),
// the sum over k in order from 0. float32 runs an assembly kernel where
// there is one (fused multiply-adds), the plain Go reference otherwise.
// It panics on a read outside src.
func stencilRun[T ode.Float](dst, src []T, base int, off []int, w []T) {
	if len(off) != len(w) {
		panic(fmt.Sprintf("opticlobe: stencil of %d offsets and %d weights", len(off), len(w)))
	}
	for _, o := range off {
		if len(dst) > 0 && (base+o < 0 || base+o+len(dst) > len(src)) {
			panic(fmt.Sprintf("opticlobe: stencil reads [%d, %d) of %d values", base+o, base+o+len(dst), len(src)))
		}
	}
	stencilRunTo(dst, src, base, off, w)
}

// stencilRunTo is stencilRun without its checks, for the reads the
// stencil has checked (checkReads).
func stencilRunTo[T ode.Float](dst, src []T, base int, off []int, w []T) {
	if len(dst) == 0 {
		return
	}
	if d32, ok := any(dst).([]float32); ok {
		if done := stencilRunFast(d32, any(src).([]float32), base, off, any(w).([]float32)); done == len(dst) {
			return
		} else if done > 0 {
			stencilRunGo(dst[done:], src, base+done, off, w)
			return
		}
	}
	stencilRunGo(dst, src, base, off, w)
}

// stencilRunGo is the plain Go stencilRun, the kernel's reference.
func stencilRunGo[T ode.Float](dst, src []T, base int, off []int, w []T) {
	clear(dst)
	for k, o := range off {
		x, a := src[base+o:base+o+len(dst)], w[k]
		for i := range dst {
			dst[i] += a * x[i]
		}
	}
}

// termDots adds to out[j], for each term j, Σ_{i<n} Σ_{l<lanes}
// u[ub+i·us+l]·a[ab+off[j]+i·lanes+l]: the dot products of n cells of a
// map of us values a cell (its first lanes values) with n cells of maps of
// lanes values a cell, one at each offset. float32 at 4 lanes runs an
// assembly kernel where there is one, the plain Go reference otherwise
// (another order of summation). It panics on a read outside u or a.
func termDots[T ode.Float](out, u []T, ub, us int, a []T, ab int, off []int, lanes, n int) {
	if n <= 0 {
		return
	}
	if len(out) < len(off) || us < lanes || ub < 0 || ub+(n-1)*us+lanes > len(u) {
		panic(fmt.Sprintf("opticlobe: %d dots of %d cells at %d (stride %d) of %d values into %d", len(off), n, ub, us, len(u), len(out)))
	}
	for _, o := range off {
		if ab+o < 0 || ab+o+n*lanes > len(a) {
			panic(fmt.Sprintf("opticlobe: dot reads [%d, %d) of %d values", ab+o, ab+o+n*lanes, len(a)))
		}
	}
	termDotsTo(out, u, ub, us, a, ab, off, lanes, n)
}

// termDotsTo is termDots without its checks, for the reads the stencil
// has checked (checkReads).
func termDotsTo[T ode.Float](out, u []T, ub, us int, a []T, ab int, off []int, lanes, n int) {
	if lanes == 4 {
		if o32, ok := any(out).([]float32); ok && termDots4Fast(o32, any(u).([]float32)[ub:], us, any(a).([]float32), ab, off, n) {
			return
		}
	}
	termDotsGo(out, u, ub, us, a, ab, off, lanes, n)
}

// termDotsGo is the plain Go termDots, the kernel's reference.
func termDotsGo[T ode.Float](out, u []T, ub, us int, a []T, ab int, off []int, lanes, n int) {
	for j, o := range off {
		var s T
		for i := range n {
			x, y := u[ub+i*us:ub+i*us+lanes], a[ab+o+i*lanes:ab+o+i*lanes+lanes]
			for l, v := range x {
				s += v * y[l]
			}
		}
		out[j] += s
	}
}

// dualRelu applies relu's adjoint, less the identity, to both halves of
// d ([neurons][2b], the transposed product of both adjoints): with a =
// relu(V) ([neurons][b]) and own the adjoints over tau ([neurons][2b]),
// dst1 = [a > 0]·d[:b] − own[:b], and ybar2 += [a > 0]·d[b:] − own[b:]
// (the difference rounded, then added). float32 at 4 lanes runs an
// assembly kernel where there is one, the plain Go reference otherwise
// (the same values).
func dualRelu[T ode.Float](dst1, ybar2, d, own, a []T, b int) {
	n := len(a) / b
	if len(dst1) < n*b || len(ybar2) < n*b || len(d) < 2*n*b || len(own) < 2*n*b {
		panic(fmt.Sprintf("opticlobe: relu adjoint of %d neurons into %d, %d from %d, %d", n, len(dst1), len(ybar2), len(d), len(own)))
	}
	if b == 4 {
		if a32, ok := any(a).([]float32); ok && dualRelu4(any(dst1).([]float32), any(ybar2).([]float32), any(d).([]float32), any(own).([]float32), a32) {
			return
		}
	}
	dualReluGo(dst1, ybar2, d, own, a, b)
}

// dualReluGo is the plain Go dualRelu, the kernel's reference.
func dualReluGo[T ode.Float](dst1, ybar2, d, own, a []T, b int) {
	for j := range len(a) / b {
		dj, oj := d[j*2*b:(j+1)*2*b], own[j*2*b:(j+1)*2*b]
		for l, v := range a[j*b : (j+1)*b] {
			e1, e2 := dj[l], dj[b+l]
			if !(v > 0) {
				e1, e2 = 0, 0
			}
			dst1[j*b+l] = e1 - oj[l]
			ybar2[j*b+l] += e2 - oj[b+l]
		}
	}
}
