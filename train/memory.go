package train

import (
	"fmt"

	"github.com/neuropil/neuropil/internal/budget"
	"github.com/neuropil/neuropil/ode"
)

// MNIST's split sizes and image size, the datasets a run holds when its
// limits are 0.
const (
	mnistTrain  = 60000
	mnistTest   = 10000
	mnistPixels = 784
)

// adaptiveSteps is the number of steps assumed of an adaptive solver,
// which chooses its own: a typical count, not a bound.
const adaptiveSteps = 20

// solveBytes estimates the memory of one forward and backward pass of a
// batch of batch samples through neurons neurons: the states stored for
// the backward pass, one per step (1 + stages with StoreZ), and the
// stage buffers.
func (s *Settings) solveBytes(neurons, batch int) float64 {
	stages := 1
	adaptive := false
	if m, err := ode.Lookup(s.Solver); err == nil {
		stages, adaptive = m.Stages(), m.Adaptive()
	}
	steps := float64(s.Steps)
	switch {
	case adaptive && s.Steps == 0:
		steps = adaptiveSteps
	case steps <= 0:
		steps = 20
	}
	perStep := 1.0
	if s.StoreZ {
		perStep += float64(stages)
	}
	state := 4 * float64(neurons) * float64(batch)
	return state * (steps*perStep + float64(stages) + 4)
}

// modelBytes estimates a model of neurons neurons and nnz synapses with
// its gradients and optimiser state (4 float32 per parameter), the
// readout included.
func (s *Settings) modelBytes(neurons, nnz int) float64 {
	outputs := s.Outputs
	if outputs <= 0 {
		outputs = neurons
	}
	params := float64(nnz) + 4*float64(neurons) + float64(outputs)*float64(s.Hidden) + 10*float64(s.Hidden)
	if s.OutProjection {
		params += float64(outputs) * float64(outputs)
	}
	return 16*params + 8*float64(nnz)
}

// images returns limit, or all n when it is 0.
func images(limit, n int) float64 {
	if limit > 0 {
		return float64(min(limit, n))
	}
	return float64(n)
}

// TrainBytes estimates the memory of a training run of s on a connectome
// of neurons neurons and nnz synapses, from the settings alone: the
// datasets, the model with its optimiser state, and the passes of a
// training and an evaluation batch.
func (s *Settings) TrainBytes(neurons, nnz int) float64 {
	data := 4 * mnistPixels * (images(s.TrainLimit, mnistTrain) + images(s.TestLimit, mnistTest))
	mask := 4 * float64(s.Hidden) * float64(s.Batch) * 21
	return data + s.modelBytes(neurons, nnz) + mask + s.solveBytes(neurons, max(s.Batch, s.EvalBatch))
}

// EvalBytes estimates the memory of evaluating a model of s on tests test
// images in batches of batch.
func (s *Settings) EvalBytes(neurons, nnz, tests, batch int) float64 {
	return 4*mnistPixels*images(tests, mnistTest) + s.modelBytes(neurons, nnz) + s.solveBytes(neurons, batch)
}

// CheckMemory refuses, before any work, a run whose estimate (TrainBytes
// or EvalBytes) exceeds the memory budget (--max-memory), naming the
// settings that drive it.
func (s *Settings) CheckMemory(what string, need float64) error {
	return budget.Check(fmt.Sprintf("%s (%s solver, %d steps, batch %d, hidden %d)", what, s.Solver, s.Steps, s.Batch, s.Hidden), need)
}
