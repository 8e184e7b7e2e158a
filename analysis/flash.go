package analysis

import (
	"fmt"
	"math"

	"github.com/neuropil/neuropil/opticlobe"
)

// Defaults of FlashSettings: flyvis's flash_responses.
const (
	DefaultDt    = 1.0 / 200 // s
	DefaultTPre  = 1.0       // s of grey before and after the flash
	DefaultTStim = 1.0       // s of flash
	Baseline     = 0.5       // grey level
)

// DefaultRadii are flyvis's flash radii: -1 (full field) and 6 columns.
func DefaultRadii() []int { return []int{-1, 6} }

// FlashSettings configure Flash; zero values mean the defaults.
type FlashSettings struct {
	Dt, TPre, TStim float64
	Radii           []int             // nil: DefaultRadii
	Params          *opticlobe.Params // nil: the network's initial parameters (seed 0)
	Workers         int               // goroutines of the sparse product; 0: GOMAXPROCS
}

// FlashSample is one flash of the dataset.
type FlashSample struct {
	Intensity float64 // 0 (OFF) or 1 (ON)
	Radius    int     // -1: full field
}

// FlashResult holds the central responses to the flashes and their FRIs.
type FlashResult struct {
	Types   []string
	Samples []FlashSample
	Time    []float64     // [frames] flyvis time of each response frame, s
	Traces  [][][]float32 // [samples][frames][types]
	Radii   []int
	FRI     [][]float64 // [radii][types]
	// Warnings are the simulation's (opticlobe.Result), e.g. a network
	// not at rest after the grey.
	Warnings []string
}

func (s FlashSettings) withDefaults() FlashSettings {
	if s.Dt == 0 {
		s.Dt = DefaultDt
	}
	if s.TPre == 0 {
		s.TPre = DefaultTPre
	}
	if s.TStim == 0 {
		s.TStim = DefaultTStim
	}
	if s.Radii == nil {
		s.Radii = DefaultRadii()
	}
	return s
}

// Flash runs flyvis's flash protocol on net (one batch of every sample)
// and computes the FRI of every cell type's central cell for each radius.
func Flash(net *opticlobe.Network, s FlashSettings) (*FlashResult, error) {
	s = s.withDefaults()
	if !(s.Dt > 0 && s.TPre > 0 && s.TStim > 0) {
		return nil, fmt.Errorf("analysis: flash dt %g, t_pre %g, t_stim %g: want positive", s.Dt, s.TPre, s.TStim)
	}
	r := &FlashResult{Types: net.Conn.TypeNames, Radii: s.Radii}
	for _, in := range []float64{0, 1} {
		for _, rad := range s.Radii {
			r.Samples = append(r.Samples, FlashSample{in, rad})
		}
	}
	cols := opticlobe.Columns(net.Extent)
	nb, nc := len(r.Samples), len(cols)
	x := make([]float32, 3*nb*nc) // [grey, flash, grey][samples][columns]
	for k := range x {
		x[k] = Baseline
	}
	for b, sm := range r.Samples {
		for c, col := range cols {
			if sm.Radius < 0 || hexDistance(col.U, col.V) <= sm.Radius {
				x[(nb+b)*nc+c] = float32(sm.Intensity)
			}
		}
	}
	// One input frame per step, as flyvis renders the sequence.
	nPre, okPre := steps(s.TPre, s.Dt)
	nStim, okStim := steps(s.TStim, s.Dt)
	if !okPre || !okStim {
		return nil, fmt.Errorf("analysis: t_pre %g and t_stim %g must be multiples of dt %g", s.TPre, s.TStim, s.Dt)
	}
	xs := make([]float32, 0, (2*nPre+nStim)*nb*nc)
	for seg, n := range []int{nPre, nStim, nPre} {
		for range n {
			xs = append(xs, x[seg*nb*nc:(seg+1)*nb*nc]...)
		}
	}
	frames := 2*nPre + nStim
	dur := float64(frames) * s.Dt
	rec := net.CentralNeurons()
	res, err := opticlobe.Simulate(net, xs, frames, nb, opticlobe.Settings{Method: "euler", Dt: s.Dt,
		Duration: dur, Relax: s.TPre, Grey: Baseline, Record: rec, Params: s.Params, Workers: s.Workers})
	if err != nil {
		return nil, err
	}
	r.Warnings = res.Warnings
	nf := len(res.Times) - 1 // response frame i is output i+1
	r.Time = make([]float64, nf)
	for i := range r.Time {
		r.Time[i] = float64(i)*s.Dt - s.TPre
	}
	nt := len(rec)
	r.Traces = make([][][]float32, nb)
	for b := range r.Traces {
		r.Traces[b] = make([][]float32, nf)
		for i := range nf {
			o := ((i+1)*nb + b) * nt
			r.Traces[b][i] = res.Activity[o : o+nt]
		}
	}
	r.FRI = make([][]float64, len(s.Radii))
	for ri := range s.Radii {
		r.FRI[ri] = r.fri(ri, len(s.Radii), s)
	}
	return r, nil
}

// fri computes the FRI of every type for radius index ri.
func (r *FlashResult) fri(ri, nr int, s FlashSettings) []float64 {
	var win []int
	for i, t := range r.Time {
		if -s.Dt <= t && t <= s.TStim {
			win = append(win, i)
		}
	}
	off, on := r.Traces[ri], r.Traces[nr+ri]
	out := make([]float64, len(r.Types))
	a, b := make([]float64, len(win)), make([]float64, len(win))
	for k := range out {
		for j, i := range win {
			a[j], b[j] = float64(on[i][k]), float64(off[i][k])
		}
		out[k] = FRI(a, b)
	}
	return out
}

// FRI is flyvis's flash response index of one cell from its ON and OFF
// traces over the analysis window: both shifted by |min| of the two
// together, then (on − off)/(on + off + 1e-16) of their peaks.
func FRI(on, off []float64) float64 {
	lo := math.Inf(1)
	for _, v := range on {
		lo = math.Min(lo, v)
	}
	for _, v := range off {
		lo = math.Min(lo, v)
	}
	shift := math.Abs(lo)
	pOn, pOff := math.Inf(-1), math.Inf(-1)
	for _, v := range on {
		pOn = math.Max(pOn, v+shift)
	}
	for _, v := range off {
		pOff = math.Max(pOff, v+shift)
	}
	return (pOn - pOff) / (pOn + pOff + 1e-16)
}

// steps returns t/dt rounded and whether t is that many steps.
func steps(t, dt float64) (int, bool) {
	n := math.Round(t / dt)
	return int(n), n >= 1 && n < 1e7 && math.Abs(n*dt-t) <= 1e-9*t
}

// hexDistance is the hexagonal distance of column (u, v) from the centre.
func hexDistance(u, v int) int {
	return max(abs(u), abs(v), abs(u+v))
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}
