package opticflow

import (
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/neuropil/neuropil/internal/atomic"
)

// resumeState is what a run needs to go on bit for bit after its last
// validation: Out/resume.gob.
type resumeState struct {
	Rows                  []FitRow
	Vrest, Tau, Strength  []float32
	Decoder               [numDecoderParams][]float32
	RunMean, RunVar       []float32
	OptStep               int64
	OptM, OptV            [][]float32
	Dropout               []byte // the decoder's generator state
	Checkpoints           int
	Seed                  uint64
	Batch, Iterations, Ev int
	Data                  string  // dataKey of the run
	LR                    float64 // the starting learning rate
	Schedule              int     // the learning-rate schedule's span
}

// dataKey names the run's data: "procedural", or MPI-Sintel's directory,
// split and fold.
func (f *fitter) dataKey() string {
	s := f.cfg.Sintel
	if s.Dir == "" {
		return "procedural"
	}
	dir, err := filepath.Abs(s.Dir)
	if err != nil {
		dir = s.Dir
	}
	return fmt.Sprintf("MPI-Sintel in %s, split %q, fold %d", dir, s.Split, s.Fold)
}

func (f *fitter) resumePath() string { return filepath.Join(f.cfg.Out, "resume.gob") }

// save writes the state after the validation of rows' last row.
func (f *fitter) save(rows []FitRow) error {
	if f.cfg.Out == "" {
		return nil
	}
	rng, err := f.dec.pcg.MarshalBinary()
	if err != nil {
		return err
	}
	st := resumeState{Rows: rows, Vrest: f.p.Vrest, Tau: f.p.Tau, Strength: f.p.Strength, Decoder: f.dec.P,
		RunMean: f.dec.RunMean, RunVar: f.dec.RunVar, OptStep: f.opt.Step, OptM: f.opt.M, OptV: f.opt.V,
		Dropout: rng, Checkpoints: f.checkpts, Seed: f.cfg.Seed, Batch: f.cfg.Batch,
		Iterations: f.cfg.Iterations, Ev: f.cfg.EvalEvery, Data: f.dataKey(), LR: f.cfg.LR, Schedule: f.cfg.Schedule}
	return atomic.WriteFile(f.resumePath(), func(w io.Writer) error { return gob.NewEncoder(w).Encode(&st) })
}

// open prepares Out: a fresh metrics.csv, or, when Out holds a saved
// state and the run is not Fresh, that state restored with metrics.csv
// rewritten up to it. It returns the rows so far and the step to go on
// from.
func (f *fitter) open() ([]FitRow, int, error) {
	if f.cfg.Out == "" {
		return nil, 0, nil
	}
	if err := os.MkdirAll(filepath.Join(f.cfg.Out, "chkpts"), 0o755); err != nil {
		return nil, 0, err
	}
	var st resumeState
	b, err := os.Open(f.resumePath())
	switch {
	case err == nil && !f.cfg.Fresh:
		err = gob.NewDecoder(b).Decode(&st)
		b.Close()
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %w", f.resumePath(), err)
		}
		if err := f.restore(&st); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", f.resumePath(), err)
		}
	case err == nil:
		b.Close()
	case !errors.Is(err, os.ErrNotExist):
		return nil, 0, err
	}
	mf, err := os.Create(filepath.Join(f.cfg.Out, "metrics.csv"))
	if err != nil {
		return nil, 0, err
	}
	f.metrics = mf
	fmt.Fprintln(mf, "iteration,train_loss,val_loss,seconds")
	for _, r := range st.Rows {
		if err := f.writeRow(r); err != nil {
			return nil, 0, err
		}
	}
	if len(st.Rows) == 0 {
		return nil, 0, nil
	}
	return st.Rows, st.Rows[len(st.Rows)-1].Iteration, nil
}

// restore puts a saved state in place; a state of other settings is an
// error.
func (f *fitter) restore(st *resumeState) error {
	c := f.cfg
	if st.Iterations != c.Iterations && len(st.Rows) > 0 {
		// A run goes on with more (or fewer, not below where it is)
		// iterations as if it had been started with them, when nothing it
		// did depended on the count: its learning rate's schedule has a
		// span of its own and it stopped on its validation grid.
		last := st.Rows[len(st.Rows)-1].Iteration
		switch {
		case st.Schedule == 0:
			return fmt.Errorf("saved by a run of %d iterations whose learning rate's schedule spans them; a run can be extended only with the schedule's span fixed (--schedule-iterations) from its start; use --fresh", st.Iterations)
		case last%c.EvalEvery != 0:
			return fmt.Errorf("saved by a run of %d iterations that ended at iteration %d, off its validation grid (every %d): going on would not be the run it extends; use --fresh", st.Iterations, last, c.EvalEvery)
		case c.Iterations < last:
			return fmt.Errorf("saved at iteration %d, past the %d iterations asked for; use --fresh", last, c.Iterations)
		}
		st.Iterations = c.Iterations
	}
	if st.Seed != c.Seed || st.Batch != c.Batch || st.Iterations != c.Iterations || st.Ev != c.EvalEvery ||
		len(st.Vrest) != len(f.p.Vrest) || len(st.Strength) != len(f.p.Strength) || len(st.OptM) != len(f.opt.M) {
		return fmt.Errorf("saved by a run of other settings (seed %d, batch %d, %d iterations, validation every %d, %d types); use --fresh",
			st.Seed, st.Batch, st.Iterations, st.Ev, len(st.Vrest))
	}
	if st.Data != f.dataKey() || st.LR != c.LR || st.Schedule != c.Schedule {
		return fmt.Errorf("saved by a run of other settings (data: %s, lr %g, schedule of %d steps); use --fresh", st.Data, st.LR, st.Schedule)
	}
	copy(f.p.Vrest, st.Vrest)
	copy(f.p.Tau, st.Tau)
	copy(f.p.Strength, st.Strength)
	for i := range f.dec.P {
		copy(f.dec.P[i], st.Decoder[i])
	}
	copy(f.dec.RunMean, st.RunMean)
	copy(f.dec.RunVar, st.RunVar)
	f.opt.Step = st.OptStep
	for i := range f.opt.M {
		copy(f.opt.M[i], st.OptM[i])
		copy(f.opt.V[i], st.OptV[i])
	}
	f.checkpts = st.Checkpoints
	return f.dec.pcg.UnmarshalBinary(st.Dropout)
}

// writeRow writes a row of metrics.csv.
func (f *fitter) writeRow(r FitRow) error {
	tl := ""
	if !math.IsNaN(r.TrainLoss) {
		tl = fmt.Sprintf("%.8g", r.TrainLoss)
	}
	_, err := fmt.Fprintf(f.metrics, "%d,%s,%.8g,%.3f\n", r.Iteration, tl, r.ValLoss, r.Seconds)
	return err
}
