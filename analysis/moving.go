package analysis

import (
	"fmt"

	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/opticlobe"
)

// Defaults of EdgeSettings: flyvis's moving_edge_responses.
const DefaultTPost = 1.0 // s of the last frame held after the edge

// EdgeSettings configure MovingEdge; zero values mean the defaults.
type EdgeSettings struct {
	Dt, TPre, TPost float64           // 0: DefaultDt, DefaultTPre, DefaultTPost
	Speeds          []float64         // columns/s; nil: EdgeSpeeds
	Angles          []float64         // degrees; nil: EdgeAngles
	Params          *opticlobe.Params // nil: the network's initial parameters (seed 0)
	Workers         int               // goroutines of the sparse product; 0: GOMAXPROCS
}

// EdgeIntensities are flyvis's edge intensities: OFF (0) then ON (1).
func EdgeIntensities() []float64 { return []float64{0, 1} }

// EdgeResult holds the peak central responses to the moving edges and
// their direction selectivity.
type EdgeResult struct {
	Types                       []string
	Angles, Speeds, Intensities []float64
	Peaks                       [][][][]float64 // [types][intensities][speeds][angles]
	DSI, PD                     [][]float64     // [types][intensities]; PD in radians
	Time                        [][]float64     // [speeds][frames] flyvis time of each response frame, s
	Traces                      [][][][]float32 // [speeds][samples][frames][types], sample = angle·len(Intensities) + intensity
	Warnings                    []string        // the simulations' warnings (opticlobe.Result), each once
}

func (s EdgeSettings) withDefaults() EdgeSettings {
	if s.Dt == 0 {
		s.Dt = DefaultDt
	}
	if s.TPre == 0 {
		s.TPre = DefaultTPre
	}
	if s.TPost == 0 {
		s.TPost = DefaultTPost
	}
	if s.Speeds == nil {
		s.Speeds = EdgeSpeeds()
	}
	if s.Angles == nil {
		s.Angles = EdgeAngles()
	}
	return s
}

// MovingEdge runs flyvis's moving-edge protocol on net (a 721-column
// lattice): per speed one batch of every (angle, intensity), from the
// grey steady state, explicit Euler at Dt, and reads the peak central
// responses and the direction selectivity of every cell type.
func MovingEdge(net *opticlobe.Network, s EdgeSettings) (*EdgeResult, error) {
	s = s.withDefaults()
	if !(s.Dt > 0 && s.TPre > 0 && s.TPost > 0) || len(s.Speeds) == 0 || len(s.Angles) == 0 {
		return nil, fmt.Errorf("analysis: moving edge dt %g, t_pre %g, t_post %g, %d speeds, %d angles: want positive", s.Dt, s.TPre, s.TPost, len(s.Speeds), len(s.Angles))
	}
	if n := opticlobe.ColumnCount(net.Extent); n != 721 {
		return nil, fmt.Errorf("analysis: moving edges are rendered on flyvis's 721 columns, the network has %d", n)
	}
	r := &EdgeResult{Types: net.Conn.TypeNames, Angles: s.Angles, Speeds: s.Speeds, Intensities: EdgeIntensities()}
	ni, na := len(r.Intensities), len(r.Angles)
	frames := renderAll(r.Angles, r.Intensities) // [samples][offsets][columns]
	for _, speed := range s.Speeds {
		if err := r.runSpeed(net, s, speed, frames); err != nil {
			return nil, err
		}
	}
	r.Peaks = make([][][][]float64, len(r.Types))
	r.DSI, r.PD = make([][]float64, len(r.Types)), make([][]float64, len(r.Types))
	for k := range r.Types {
		p := make([][][]float64, ni) // [intensities][speeds][angles]
		for i := range p {
			p[i] = make([][]float64, len(s.Speeds))
			for si, speed := range s.Speeds {
				t0, t1 := EdgeWindow(speed)
				p[i][si] = make([]float64, na)
				r0 := make([]float64, len(r.Time[si]))
				for a := range na {
					for f := range r0 {
						r0[f] = float64(r.Traces[si][a*ni+i][f][k])
					}
					p[i][si][a] = PeakResponse(r0, r.Time[si], t0, t1)
				}
			}
		}
		r.Peaks[k] = p
		r.DSI[k], r.PD[k] = DirectionSelectivity(p, r.Angles)
	}
	return r, nil
}

// renderAll renders every (angle, intensity) sample's offsets, the
// samples in parallel.
func renderAll(angles, intensities []float64) [][][]float64 {
	pix := hexPixels()
	ni := len(intensities)
	out := make([][][]float64, len(angles)*ni)
	team.For(len(out), 1, func(lo, hi int) {
		for b := lo; b < hi; b++ {
			out[b] = EdgeFrames(pix, angles[b/ni], intensities[b%ni])
		}
	})
	return out
}

// runSpeed simulates every sample at one speed and appends its traces.
func (r *EdgeResult) runSpeed(net *opticlobe.Network, s EdgeSettings, speed float64, frames [][][]float64) error {
	seq, err := edgeSequence(speed, s.TPre, s.TPost, s.Dt)
	if err != nil {
		return err
	}
	nb, nc := len(frames), 721
	xs := make([]float32, len(seq)*nb*nc) // [frames][samples][columns]
	for f, o := range seq {
		for b := range nb {
			row := xs[(f*nb+b)*nc : (f*nb+b+1)*nc]
			for c := range row {
				if o < 0 {
					row[c] = Baseline
				} else {
					row[c] = float32(frames[b][o][c])
				}
			}
		}
	}
	rec := net.CentralNeurons()
	res, err := opticlobe.Simulate(net, xs, len(seq), nb, opticlobe.Settings{Method: "euler", Dt: s.Dt,
		Duration: float64(len(seq)) * s.Dt, Relax: s.TPre, Grey: Baseline, Record: rec, Params: s.Params, Workers: s.Workers})
	if err != nil {
		return err
	}
	nf, nt := len(res.Times)-1, len(rec) // response frame i is output i+1
	time := make([]float64, nf)
	for i := range time {
		time[i] = float64(i)*s.Dt - s.TPre
	}
	tr := make([][][]float32, nb)
	for b := range tr {
		tr[b] = make([][]float32, nf)
		for i := range nf {
			o := ((i+1)*nb + b) * nt
			tr[b][i] = res.Activity[o : o+nt]
		}
	}
	r.Time, r.Traces = append(r.Time, time), append(r.Traces, tr)
	r.Warnings = addWarnings(r.Warnings, res.Warnings)
	return nil
}
