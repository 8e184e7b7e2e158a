package opticlobe

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The stencil's terms are the network's edges: W·x, Wᵀ·u and the
// strengths' gradient Σ_edges sign·n_syn·u_post·x_pre per pair, computed
// on the maps, equal the same computed edge by edge from the edge table,
// in float64, for the optic lobe at extent 15 (two strided types) and at
// extents 0, 1 and 2.
func TestStencilIsW(t *testing.T) {
	s, err := LoadSpec(specPath(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, extent := range []int{0, 1, 2, DefaultExtent} {
		net, err := Build(s, extent)
		if err != nil {
			t.Fatal(err)
		}
		st, err := newStencil(net)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(1, uint64(extent)))
		strength := make([]float32, len(net.Pairs))
		for p := range strength {
			strength[p] = float32(rng.Float64())
		}
		n, b := net.Neurons(), 3
		x, u := make([]float64, n*b), make([]float64, n*b)
		for i := range x {
			x[i], u[i] = rng.NormFloat64(), rng.NormFloat64()
		}
		// the edge-by-edge reference
		want, wantT := make([]float64, n*b), make([]float64, n*b)
		wantG := make([]float64, len(net.Pairs))
		e := &net.Edges
		for k := range e.Source {
			i, j, p := int(e.Target[k]), int(e.Source[k]), e.Pair[k]
			c := float64(e.Sign[k]) * float64(e.NSyn[k])
			for l := range b {
				want[i*b+l] += c * float64(strength[p]) * x[j*b+l]
				wantT[j*b+l] += c * float64(strength[p]) * u[i*b+l]
				wantG[p] += c * u[i*b+l] * x[j*b+l]
			}
		}
		// the stencil's
		nt := len(net.Spec.Types)
		xm, um := make([]float64, nt*st.cells*b), make([]float64, nt*st.cells*b)
		for ty, runs := range st.runs {
			for _, r := range runs {
				copy(xm[st.mapIndex(ty, r.cell, b):], x[r.neuron*b:(r.neuron+r.n)*b])
				copy(um[st.mapIndex(ty, r.cell, b):], u[r.neuron*b:(r.neuron+r.n)*b])
			}
		}
		fOff, bOff := st.offsets(st.fwd, true, b), st.offsets(st.bwd, false, b)
		weights := func(group []int32) []float64 {
			v := make([]float64, len(group))
			for k, q := range group {
				v[k] = float64(st.coef[q]) * float64(strength[st.pair[q]])
			}
			return v
		}
		fw, bw := weights(st.fwd), weights(st.bwd)
		got, gotT, tg := make([]float64, n*b), make([]float64, n*b), make([]float64, len(st.fwd))
		for ty, runs := range st.runs {
			f0, f1, b0, b1 := st.fwdPtr[ty], st.fwdPtr[ty+1], st.bwdPtr[ty], st.bwdPtr[ty+1]
			for _, r := range runs {
				stencilRun(got[r.neuron*b:(r.neuron+r.n)*b], xm, r.cell*b, fOff[f0:f1], fw[f0:f1])
				stencilRun(gotT[r.neuron*b:(r.neuron+r.n)*b], um, r.cell*b, bOff[b0:b1], bw[b0:b1])
				termDots(tg[f0:f1], um, st.mapIndex(ty, r.cell, b), b, xm, r.cell*b, fOff[f0:f1], b, r.n)
			}
		}
		gotG := make([]float64, len(net.Pairs))
		for k, q := range st.fwd {
			gotG[st.pair[q]] += float64(st.coef[q]) * tg[k]
		}
		for _, c := range []struct {
			name      string
			got, want []float64
		}{{"W·x", got, want}, {"Wᵀ·u", gotT, wantT}, {"strength gradient", gotG, wantG}} {
			for i := range c.got {
				if d := math.Abs(c.got[i] - c.want[i]); d > 1e-9*(1+math.Abs(c.want[i])) {
					t.Fatalf("extent %d: %s[%d] = %v, want %v", extent, c.name, i, c.got[i], c.want[i])
				}
			}
		}
		t.Logf("extent %d: %d edges as %d terms on maps of %d×%d cells", extent, e.Len(), len(st.pair), st.width, st.width)
	}
}

// A network whose edges differ between columns is refused.
func TestStencilRefusesVaryingEdges(t *testing.T) {
	net, _ := smallLobe(t)
	net.Edges.NSyn = append([]float32(nil), net.Edges.NSyn...)
	// the second edge of the first pair with two edges at one offset
	e := &net.Edges
	for k := 1; k < e.Len(); k++ {
		s0, t0, s1, t1 := e.Source[k-1], e.Target[k-1], e.Source[k], e.Target[k]
		if e.Pair[k] == e.Pair[k-1] && net.U[t1]-net.U[s1] == net.U[t0]-net.U[s0] && net.V[t1]-net.V[s1] == net.V[t0]-net.V[s0] {
			e.NSyn[k]++
			if _, err := newStencil(net); err == nil {
				t.Fatal("edges of one term with two synapse counts accepted")
			}
			return
		}
	}
	t.Fatal("no two edges of one term")
}

// The kernels (float32, assembly where the CPU has AVX2 and FMA) against
// their plain Go twins: stencilRun and termDots within float32 rounding
// of sums of the same terms in another order, dualRelu value for value,
// over lengths that take every block and tail, and offsets below and
// above the base.
func TestStencilKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	src := make([]float32, 4000)
	for i := range src {
		src[i] = float32(rng.NormFloat64())
	}
	for _, n := range []int{0, 1, 3, 4, 8, 12, 28, 32, 36, 64, 68, 100, 124, 200} {
		for _, k := range []int{0, 1, 3, 8, 9, 17} {
			off, w := make([]int, k), make([]float32, k)
			for j := range off {
				off[j] = rng.IntN(1600) - 800
				w[j] = float32(rng.NormFloat64())
			}
			base := 1000
			got, want := make([]float32, n), make([]float32, n)
			for i := range got {
				got[i] = float32(math.NaN()) // overwritten
			}
			stencilRun(got, src, base, off, w)
			stencilRunGo(want, src, base, off, w)
			for i := range got {
				if !close32(got[i], want[i], k) {
					t.Fatalf("stencilRun n %d, k %d: [%d] = %v, want %v", n, k, i, got[i], want[i])
				}
			}
			for _, us := range []int{4, 8} {
				cells := n / 4
				if cells == 0 {
					continue
				}
				g1, g2 := make([]float32, k), make([]float32, k)
				for j := range g1 {
					g1[j] = float32(j)
					g2[j] = float32(j)
				}
				termDots(g1, src, 17, us, src, base, off, 4, cells)
				termDotsGo(g2, src, 17, us, src, base, off, 4, cells)
				for j := range g1 {
					if !close32(g1[j], g2[j], 4*cells) {
						t.Fatalf("termDots %d cells, stride %d, %d terms: [%d] = %v, want %v", cells, us, k, j, g1[j], g2[j])
					}
				}
			}
		}
	}
	for _, n := range []int{1, 2, 7, 50} {
		a, d, own := make([]float32, 4*n), make([]float32, 8*n), make([]float32, 8*n)
		for i := range a {
			a[i] = float32(rng.NormFloat64())
			switch i % 5 {
			case 0:
				a[i] = 0
			case 1:
				a[i] = float32(math.NaN())
			}
		}
		for i := range d {
			d[i], own[i] = float32(rng.NormFloat64()), float32(rng.NormFloat64())
		}
		g1, g2, w1, w2 := make([]float32, 4*n), make([]float32, 4*n), make([]float32, 4*n), make([]float32, 4*n)
		for i := range g2 {
			g2[i] = float32(rng.NormFloat64())
			w2[i] = g2[i]
		}
		dualRelu(g1, g2, d, own, a, 4)
		dualReluGo(w1, w2, d, own, a, 4)
		for i := range g1 {
			if math.Float32bits(g1[i]) != math.Float32bits(w1[i]) || math.Float32bits(g2[i]) != math.Float32bits(w2[i]) {
				t.Fatalf("dualRelu %d neurons: [%d] = %v %v, want %v %v", n, i, g1[i], g2[i], w1[i], w2[i])
			}
		}
	}
}

// close32 reports whether a and b agree to the rounding of a float32 sum
// of terms terms of about unit size.
func close32(a, b float32, terms int) bool {
	return math.Abs(float64(a)-float64(b)) <= 1e-6*float64(terms+1)*(1+math.Abs(float64(b)))
}

// MaxOffset is the largest column offset of an edge: none at extent 0 (a
// single column), 6 at flyvis's extent 15 (the stencil's margin).
func TestMaxOffset(t *testing.T) {
	s, err := LoadSpec(specPath(t))
	if err != nil {
		t.Fatal(err)
	}
	for extent, want := range map[int]int{0: 0, DefaultExtent: 6} {
		net, err := Build(s, extent)
		if err != nil {
			t.Fatal(err)
		}
		if got := net.MaxOffset(); got != want {
			t.Errorf("extent %d: MaxOffset %d, want %d", extent, got, want)
		}
	}
}
