package train

import "time"

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
