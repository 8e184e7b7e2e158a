package sim

import (
	"errors"
	"fmt"
	"math"
	"runtime"
	"strings"

	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/plot"
	"gonum.org/v1/plot/vg"
)

// Span returns the interval a run covers: [T0, T1], or [0, frames] for a
// discrete run, whose time counts frames (h_k is the state after frame k).
func (n *Network) Span() (t0, t1 float64) {
	if n.cfg.Discrete {
		return 0, float64(n.Input.Frames)
	}
	return n.cfg.T0, n.cfg.T1
}

// Run simulates the network: Evals output times evenly spaced over
// [T0, T1] with both ends (a discrete run: the state after every frame).
// progress, when not nil, is Settings.Progress.
func (n *Network) Run(progress func(t float64, evals int)) (*Result, error) {
	c := &n.cfg
	s := Settings{Solver: c.Solver, Times: ode.Linspace(c.T0, c.T1, n.Evals), Y0: n.Y0, Progress: progress}
	if c.Discrete {
		s.Times = nil
	}
	return Run(n.Model, n.Input, n.Readout, s)
}

// NetworkSummary is what a network run writes to summary.json (last: its
// presence marks a complete run).
type NetworkSummary struct {
	Neurons       int       `json:"neurons"`
	Synapses      int       `json:"synapses"`
	Inputs        int       `json:"inputs"`
	Batch         int       `json:"batch"`
	Evals         int       `json:"evals"`
	Frames        int       `json:"frames"`
	T0            float64   `json:"t0"`
	T1            float64   `json:"t1"`
	Solver        string    `json:"solver"`
	Rtol          float64   `json:"rtol,omitempty"` // adaptive solvers only
	Atol          float64   `json:"atol,omitempty"`
	SharedStep    bool      `json:"shared_step"`
	Nonlinearity  string    `json:"nonlinearity"`
	RHSEvals      int       `json:"rhs_evals"`
	Accepted      int       `json:"accepted_steps"`
	Rejected      int       `json:"rejected_steps"`
	AcceptedBy    []int     `json:"accepted_steps_per_sample"`
	RejectedBy    []int     `json:"rejected_steps_per_sample"`
	LoadSeconds   float64   `json:"load_seconds"`
	SolveSeconds  float64   `json:"solve_seconds"`
	PeakRSS       int64     `json:"peak_rss_bytes"` // when Summary was called
	Layout        string    `json:"activity_layout"`
	Connectome    string    `json:"connectome"`
	Input         string    `json:"input"`
	Labels        []int     `json:"labels,omitempty"` // a list of digits, not []uint8 (which JSON writes as base64)
	Seed          uint64    `json:"seed"`
	Threads       int       `json:"threads"`
	ActivityRange []float32 `json:"activity_range"` // [min, max] of the activity
}

// Summary returns the summary of res, a run of n. Take it while
// res.Activity is there (for ActivityRange).
func (n *Network) Summary(res *Result) NetworkSummary {
	c, st := &n.cfg, res.Stats
	lo, hi := res.Range()
	s := NetworkSummary{Neurons: n.Conn.Neurons(), Synapses: n.Conn.Synapses(), Inputs: n.Inputs, Batch: c.Batch,
		Evals: n.Evals, Frames: n.Input.Frames, Solver: strings.ToLower(c.Solver.Method), SharedStep: c.Solver.Shared,
		Nonlinearity: c.Nonlinearity.String(), RHSEvals: st.RHSEvals, Accepted: st.TotalAccepted(), Rejected: st.TotalRejected(),
		AcceptedBy: st.Accepted, RejectedBy: st.Rejected, LoadSeconds: n.LoadSeconds, SolveSeconds: res.Seconds,
		PeakRSS: PeakRSS(), Layout: "[evals][batch][neurons]", Connectome: n.ConnName, Input: n.InputName,
		Labels: IntLabels(n.Labels), Seed: c.Seed, Threads: runtime.GOMAXPROCS(0), ActivityRange: []float32{lo, hi}}
	s.T0, s.T1 = n.Span()
	if c.BatchFirst {
		s.Layout = "[batch][evals][neurons]"
	}
	if c.Discrete {
		s.Solver = "rnn"
	} else if Adaptive(c.Solver) {
		s.Rtol, s.Atol = orDefault(c.Solver.Rtol, ode.DefaultRtol), orDefault(c.Solver.Atol, ode.DefaultAtol)
	}
	return s
}

// orDefault returns v, or def for 0.
func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// IntLabels returns class labels as ints, for JSON (which writes []uint8
// as base64); nil for none.
func IntLabels(l []uint8) []int {
	if l == nil {
		return nil
	}
	out := make([]int, len(l))
	for i, v := range l {
		out[i] = int(v)
	}
	return out
}

// Figures holds what the plots of a network run show.
type Figures struct {
	Block  []float32 // [pre][post] |W| of the first Extent×Extent block, rows presynaptic
	Extent int
	Traces []plot.Series // activity of random neurons of the first sample against time
	Sample string        // which sample the traces show, for the title
}

// Figures takes the data of the plots from res, a run of n that holds
// its States: |W| of the first 100×100 block (transposed so that rows are
// presynaptic, as in the tutorial) and 25 neurons of the first sample,
// drawn from the seeded generator.
func (n *Network) Figures(res *Result) *Figures {
	nn := n.Conn.Neurons()
	e := min(100, nn)
	blk := n.Conn.W.Block(e, e) // [post][pre]
	fig := &Figures{Block: make([]float32, e*e), Extent: e, Sample: "sample 0"}
	if len(n.Labels) > 0 {
		fig.Sample = fmt.Sprintf("sample 0 (digit %d)", n.Labels[0])
	}
	for i := 0; i < e; i++ {
		for j := 0; j < e; j++ {
			fig.Block[j*e+i] = float32(math.Abs(float64(blk[i*e+j])))
		}
	}
	for k := 0; k < min(25, nn); k++ {
		i := n.rng.IntN(nn)
		s := plot.Series{X: res.Times, Y: make([]float64, len(res.Times))}
		for t := range res.Times {
			s.Y[t] = float64(res.States[(t*res.Batch+0)*nn+i])
		}
		fig.Traces = append(fig.Traces, s)
	}
	return fig
}

// Draw draws connectome.png (the block) and traces.png into d. The two
// are drawn at the same time, one per core: each takes about 25 ms,
// mostly rendering and PNG compression.
func (f *Figures) Draw(d *Dir) error {
	heat, lines := d.Path("connectome.png"), d.Path("traces.png")
	done := make(chan error, 1)
	go func() {
		done <- plot.Heatmap{Title: fmt.Sprintf("Connectome: |W| of the first %d×%d neurons", f.Extent, f.Extent),
			XLabel: "Postsynaptic", YLabel: "Presynaptic", Unit: "|weight|",
			Block: f.Block, Rows: f.Extent, Cols: f.Extent}.Save(heat, 6*vg.Inch)
	}()
	title := fmt.Sprintf("Activity of %d random neurons, %s", len(f.Traces), f.Sample)
	errLines := plot.Lines(lines, title, "Time (a.u., units of tau)", "Activity h (a.u.)", f.Traces, 6*vg.Inch, 6*vg.Inch)
	errHeat := <-done
	if errHeat == nil {
		d.Wrote(heat)
	}
	if errLines == nil {
		d.Wrote(lines)
	}
	return errors.Join(errHeat, errLines)
}
