package opticflow

import (
	"fmt"

	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/train"
)

// Task is the flow task as a train.Loss: the decoder reads the states
// after each of the last Frames output times (the states after each
// frame's step) and the loss is flyvis's l2norm against Target.
//
// With a Penalty, Forward also computes the activity penalty of the same
// states (PenaltyValue), and Backward differentiates the penalty instead
// of the flow loss while PenaltyPhase is set.
type Task[T ode.Float] struct {
	Decoder       *Decoder[T]
	Target        []T // [frames][batch][2][columns] the true flow
	Frames, Batch int
	Penalty       *ActivityPenalty
	PenaltyPhase  bool
	PenaltyValue  float64 // the penalty of the last Forward
	flow, gflow   []T
	states        [][]T
}

// Forward decodes the states and returns the l2norm loss.
func (k *Task[T]) Forward(states [][]T) (float64, error) {
	if len(states) < k.Frames {
		return 0, fmt.Errorf("opticflow: %d output times for %d frames", len(states), k.Frames)
	}
	k.states = states[len(states)-k.Frames:]
	if k.Penalty != nil {
		k.PenaltyValue = penalty(k.Penalty, nil, k.states, k.Batch)
	}
	k.flow = k.Decoder.Forward(k.states, k.Batch)
	return L2Norm(nil, k.flow, k.Target, k.Frames, k.Batch), nil
}

// Backward writes the adjoints of the decoded states and accumulates the
// decoder's gradients.
func (k *Task[T]) Backward(grads [][]T) {
	if k.PenaltyPhase {
		penalty(k.Penalty, grads[len(grads)-k.Frames:], k.states, k.Batch)
		return
	}
	if len(k.gflow) != len(k.flow) {
		k.gflow = make([]T, len(k.flow))
	}
	L2Norm(k.gflow, k.flow, k.Target, k.Frames, k.Batch)
	k.Decoder.Backward(grads[len(grads)-k.Frames:], k.gflow, k.Batch)
}

// Solve returns the integration of a movie of frames at dt: one euler
// step per frame, the output times every frame's end (and the start). Each
// step's sparse product is kept (StoreZ), so that the backward passes (the
// loss's and the activity penalty's) replay it instead of recomputing it.
func Solve(frames int, dt float64) train.Solve {
	return train.Solve{Method: "euler", Steps: frames, T1: float64(frames) * dt, Frames: frames,
		LossAll: true, Evals: frames + 1, StoreZ: true}
}

var _ train.Loss[float32] = (*Task[float32])(nil)
