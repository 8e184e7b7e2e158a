package train

import (
	"math/rand/v2"
	"slices"
	"time"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/sparse"
)

// BenchResult is the timing of repeated training steps (forward and
// backward pass) of one Runner.
type BenchResult struct {
	Step       []float64 // [reps] seconds of each forward and backward pass
	Forward    []float64 // [reps] seconds of its forward part
	StateBytes int64     // Runner.StateBytes after the last pass
	Loss       float64   // the last pass's loss
}

// Bench times reps forward and backward passes of the classifier m on the batch x
// ([batch][inputs]) with labels, on a Runner of its own (so that the
// states it reports are those of s alone).
func Bench(m Classifier, x []float32, labels []int, s Solve, reps, workers int) (BenchResult, error) {
	r := NewRunner(m, len(labels), workers)
	defer r.Close()
	var res BenchResult
	for range reps {
		start := time.Now()
		out, err := r.Forward(x, labels, nil, s)
		if err != nil {
			return res, err
		}
		f := time.Since(start).Seconds()
		r.Backward()
		res.Step = append(res.Step, time.Since(start).Seconds())
		res.Forward = append(res.Forward, f)
		res.Loss = out.Loss
	}
	res.StateBytes = r.StateBytes()
	return res, nil
}

// BenchReport is the JSON report of BenchStep ("neuropil bench-train").
type BenchReport struct {
	Connectome            string    `json:"connectome"`
	Neurons               int       `json:"neurons"`
	Synapses              int       `json:"synapses"`
	Batch                 int       `json:"batch"`
	Steps                 int       `json:"steps"`
	Nonlinearity          string    `json:"nonlinearity"`
	Workers               int       `json:"workers"`
	TrainStepSeconds      float64   `json:"train_step_seconds"`              // median, stored pre-activations (neuropil train's default)
	TrainStepSecondsCkpt  float64   `json:"train_step_seconds_checkpointed"` // median, one state per step
	ForwardSeconds        float64   `json:"forward_seconds"`                 // median forward part of train_step_seconds
	StepTimes             []float64 `json:"step_times"`
	StepTimesCheckpointed []float64 `json:"step_times_checkpointed"`
	StateBytes            int64     `json:"state_bytes"`
	StateBytesCkpt        int64     `json:"state_bytes_checkpointed"`
	Loss                  float64   `json:"loss"`
	PeakRSSBytes          int64     `json:"peak_rss_bytes"` // filled in by the caller
}

// BenchStep times one forward and backward pass of the MNIST classifier
// on the connectome w (loss on the last state) with steps euler steps over
// [0, 1] at the given batch, reps times in each memory mode (stored
// pre-activations, checkpointed), on a random input. The model is
// neuropil train's: identity input projection onto 784 seeded random
// neurons, all neurons read out, hidden layer 128, 10 classes.
func BenchStep(w *sparse.CSR, desc string, batch, steps, reps, workers int, phi model.Nonlinearity) (*BenchReport, error) {
	m, err := New(Config{W: w, Inputs: 784, Nonlinearity: phi, Seed: 1})
	if err != nil {
		return nil, err
	}
	rng := rand.New(rand.NewPCG(2, 3))
	x := make([]float32, batch*784)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	labels := make([]int, batch)
	for i := range labels {
		labels[i] = rng.IntN(10)
	}
	res := &BenchReport{Connectome: desc, Neurons: w.Rows, Synapses: w.NNZ(), Batch: batch, Steps: steps,
		Nonlinearity: phi.String(), Workers: workers}
	stored, err := Bench(m, x, labels, Solve{Steps: steps, StoreZ: true}, reps, workers)
	if err != nil {
		return nil, err
	}
	ckpt, err := Bench(m, x, labels, Solve{Steps: steps}, reps, workers)
	if err != nil {
		return nil, err
	}
	res.StepTimes, res.StateBytes, res.Loss = stored.Step, stored.StateBytes, stored.Loss
	res.StepTimesCheckpointed, res.StateBytesCkpt = ckpt.Step, ckpt.StateBytes
	res.TrainStepSeconds = median(res.StepTimes)
	res.TrainStepSecondsCkpt = median(res.StepTimesCheckpointed)
	res.ForwardSeconds = median(stored.Forward)
	return res, nil
}

// median returns the middle value of v (the upper one of an even count),
// 0 for none.
func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[len(s)/2]
}
