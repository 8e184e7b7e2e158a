package train

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Dataset is a labelled set of inputs held in memory.
type Dataset struct {
	X      []float32 // [n][inputs] inputs, already normalised
	Labels []int     // [n] classes
	Inputs int
}

// Len returns the number of samples.
func (d *Dataset) Len() int { return len(d.Labels) }

// Check returns an error if the dataset's shapes disagree with a model
// of the given inputs and classes.
func (d *Dataset) Check(inputs, classes int, name string) error {
	if d.Inputs != inputs {
		return fmt.Errorf("%s: samples have %d inputs, the model takes %d", name, d.Inputs, inputs)
	}
	if len(d.X) != len(d.Labels)*d.Inputs {
		return fmt.Errorf("%s: %d input values for %d samples of %d", name, len(d.X), len(d.Labels), d.Inputs)
	}
	for i, l := range d.Labels {
		if l < 0 || l >= classes {
			return fmt.Errorf("%s: sample %d has label %d, outside [0, %d)", name, i, l, classes)
		}
	}
	return nil
}

// Progress is reported after every training batch.
type Progress struct {
	Epoch, Epochs   int // 0-based epoch and the total
	Batch, Batches  int // batches done in this epoch and per epoch
	Loss, Accuracy  float64
	GradNorm, LR    float64
	BatchSeconds    float64
	ExamplesPerSec  float64
	CheckpointSaved bool
}

// RunConfig sets up a training run.
type RunConfig struct {
	Epochs    int
	Batch     int    // training batch (the last partial batch of an epoch is dropped)
	EvalBatch int    // evaluation batch; 0: Batch
	Seed      uint64 // shuffling and dropout; with the same seed a run is reproducible
	Solve     Solve
	Frozen    []string // parameter names not trained
	Workers   int      // goroutines (0: GOMAXPROCS); results are reproducible for a fixed count

	// Checkpoint, when not empty, is written after every CheckpointEvery
	// batches (0: only at epoch ends) and at the end of every epoch.
	Checkpoint      string
	CheckpointEvery int
	Settings        []byte // the caller's settings, stored in checkpoints

	Progress     func(Progress)              // may be nil
	TestProgress func(done, total int)       // called after each batch of the test pass at the end of an epoch; may be nil
	OnEpoch      func(Epoch, *State) error   // after each epoch's evaluation; may be nil
	Stop         func(epoch, batch int) bool // test hook: stop (as if killed) before this batch; may be nil
}

// ErrStopped is returned by Fit when RunConfig.Stop asked it to stop.
var ErrStopped = errors.New("training stopped")

// Fit trains the classifier c with opt on train for rc.Epochs epochs from
// position st (a zero State starts a new run; a State from a checkpoint
// resumes it), evaluating on test after every epoch. Each epoch visits a
// permutation of the training set drawn from (Seed, epoch); dropout masks
// are drawn from (Seed, epoch, batch); so a resumed run repeats an
// uninterrupted one exactly. opt must have been made for the parameters
// of c (Runner.Params). Checkpoints (rc.Checkpoint) are written for a
// *Model only. Errors: a non-finite loss or gradient (naming the epoch and
// batch), a failing solver, or a checkpoint that cannot be written.
func Fit(c Classifier, opt *Optimizer, st *State, train, test *Dataset, rc RunConfig) error {
	if rc.Batch < 1 || rc.Epochs < 1 {
		return fmt.Errorf("batch %d and epochs %d must be at least 1", rc.Batch, rc.Epochs)
	}
	m, isModel := c.(*Model)
	if rc.Checkpoint != "" && !isModel {
		return fmt.Errorf("train: checkpoints hold a *Model; a %T has no checkpoint format", c)
	}
	r, err := newRunner(c, rc.Batch, rc.Workers)
	if err != nil {
		return err
	}
	defer r.Close()
	h, inputs := c.Readout(), r.nt.rnn.Inputs()
	if err := train.Check(inputs, h.Classes, "training set"); err != nil {
		return err
	}
	if test != nil {
		if err := test.Check(inputs, h.Classes, "test set"); err != nil {
			return err
		}
	}
	batches := train.Len() / rc.Batch
	if batches == 0 {
		return fmt.Errorf("training set of %d samples is smaller than one batch of %d", train.Len(), rc.Batch)
	}
	if err := st.fits(batches, rc.Batch); err != nil {
		return err
	}
	frozen, err := r.frozen(rc.Frozen)
	if err != nil {
		return err
	}
	r.nt.setFrozen(frozen)
	evals, err := rc.Solve.EvalCount()
	if err != nil {
		return err
	}
	x := make([]float32, rc.Batch*inputs)
	labels := make([]int, rc.Batch)
	var mask []float32
	if h.Dropout > 0 {
		mask = make([]float32, evals*h.Hidden*rc.Batch)
	}
	params := r.nt.p
	save := func() error {
		if rc.Checkpoint == "" {
			return nil
		}
		c := &Checkpoint{Model: m, Opt: opt, State: *st, Settings: rc.Settings}
		return c.Save(rc.Checkpoint)
	}
	for st.Epoch < rc.Epochs {
		perm := rand.New(rand.NewPCG(rc.Seed, uint64(st.Epoch))).Perm(train.Len())
		for st.Batch < batches {
			if rc.Stop != nil && rc.Stop(st.Epoch, st.Batch) {
				return ErrStopped
			}
			start := time.Now()
			idx := perm[st.Batch*rc.Batch : (st.Batch+1)*rc.Batch]
			for s, i := range idx {
				copy(x[s*inputs:(s+1)*inputs], train.X[i*inputs:(i+1)*inputs])
				labels[s] = train.Labels[i]
			}
			if mask != nil {
				DropoutMask(mask, h.Dropout, rand.New(rand.NewPCG(rc.Seed^0x64726f70, uint64(st.Epoch)<<32|uint64(st.Batch))))
			}
			res, err := r.Forward(x, labels, mask, rc.Solve)
			if err != nil {
				return fmt.Errorf("epoch %d, batch %d: %w", st.Epoch+1, st.Batch+1, err)
			}
			r.Backward()
			norm, lr, err := opt.Update(params, r.Grads, frozen)
			if err != nil {
				return fmt.Errorf("epoch %d, batch %d: %w", st.Epoch+1, st.Batch+1, err)
			}
			c.Project()
			sec := time.Since(start).Seconds()
			st.Batch++
			st.LossSum += res.Loss * float64(rc.Batch)
			st.Correct += res.Correct
			st.Seen += rc.Batch
			st.Seconds += sec
			saved := false
			if rc.CheckpointEvery > 0 && st.Batch%rc.CheckpointEvery == 0 && st.Batch < batches {
				if err := save(); err != nil {
					return err
				}
				saved = true
			}
			if rc.Progress != nil {
				rc.Progress(Progress{Epoch: st.Epoch, Epochs: rc.Epochs, Batch: st.Batch, Batches: batches,
					Loss: st.LossSum / float64(st.Seen), Accuracy: float64(st.Correct) / float64(st.Seen),
					GradNorm: norm, LR: lr, BatchSeconds: sec, ExamplesPerSec: float64(rc.Batch) / sec,
					CheckpointSaved: saved})
			}
		}
		e := Epoch{Epoch: st.Epoch + 1, TrainLoss: st.LossSum / float64(st.Seen),
			TrainAccuracy: float64(st.Correct) / float64(st.Seen), Seconds: st.Seconds}
		if test != nil && test.Len() > 0 {
			eb := rc.EvalBatch
			if eb == 0 {
				eb = rc.Batch
			}
			loss, acc, err := EvaluateWith(c, test, eb, rc.Workers, rc.Solve, rc.TestProgress)
			if err != nil {
				return fmt.Errorf("epoch %d, evaluation: %w", st.Epoch+1, err)
			}
			e.TestLoss, e.TestAccuracy = loss, acc
		}
		st.History = append(st.History, e)
		st.Epoch++
		st.Batch, st.LossSum, st.Correct, st.Seen, st.Seconds = 0, 0, 0, 0, 0
		st.Done = st.Epoch >= rc.Epochs
		if err := save(); err != nil {
			return err
		}
		if rc.OnEpoch != nil {
			if err := rc.OnEpoch(e, st); err != nil {
				return err
			}
		}
	}
	return nil
}

// DropoutMask fills mask with inverted-dropout scales: 0 with probability
// p, else 1/(1 − p).
func DropoutMask(mask []float32, p float64, rng *rand.Rand) {
	keep := float32(1 / (1 - p))
	for i := range mask {
		if rng.Float64() < p {
			mask[i] = 0
		} else {
			mask[i] = keep
		}
	}
}

// Evaluate returns the mean loss and the accuracy of the classifier c on
// d (no dropout), in batches of the given size; a last partial batch runs
// at its own size.
func Evaluate(c Classifier, d *Dataset, batch, workers int, s Solve) (loss, accuracy float64, err error) {
	return EvaluateWith(c, d, batch, workers, s, nil)
}

// EvaluateWith is Evaluate that calls progress, when not nil, after each
// batch with the samples done and their total.
func EvaluateWith(c Classifier, d *Dataset, batch, workers int, s Solve, progress func(done, total int)) (loss, accuracy float64, err error) {
	n := d.Len()
	batch = max(1, min(batch, n))
	r, err := newRunner(c, batch, workers)
	if err != nil {
		return 0, 0, err
	}
	defer func() {
		if r != nil {
			r.Close()
		}
	}()
	if err := d.Check(r.nt.rnn.Inputs(), c.Readout().Classes, "evaluation set"); err != nil {
		return 0, 0, err
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("evaluation set is empty")
	}
	sum, correct := 0.0, 0
	for lo := 0; lo < n; lo += batch {
		hi := min(lo+batch, n)
		if r.Batch() != hi-lo {
			r.Close()
			if r, err = newRunner(c, hi-lo, workers); err != nil {
				return 0, 0, err
			}
		}
		labels := d.Labels[lo:hi]
		res, err := r.Forward(d.X[lo*d.Inputs:hi*d.Inputs], labels, nil, s)
		if err != nil {
			return 0, 0, fmt.Errorf("samples %d to %d: %w", lo, hi-1, err)
		}
		sum += res.Loss * float64(hi-lo)
		correct += res.Correct
		if progress != nil {
			progress(hi, n)
		}
	}
	return sum / float64(n), float64(correct) / float64(n), nil
}
