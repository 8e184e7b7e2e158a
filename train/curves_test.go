package train

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// TestLearningCurves: a one-epoch run draws its course (the running
// values of every batch), the trace survives a round trip through
// batches.csv cut at a resumed position, and an empty history is an error.
func TestLearningCurves(t *testing.T) {
	var trace []TracePoint
	for b := 1; b <= 10; b++ {
		trace = append(trace, Progress{Epoch: 0, Batch: b, Batches: 10, Loss: 2.3 - 0.1*float64(b), Accuracy: 0.05 * float64(b)}.Point())
	}
	hist := []Epoch{{Epoch: 1, TrainLoss: 1.8, TrainAccuracy: 0.3, TestLoss: 1.6, TestAccuracy: 0.4}}
	path := filepath.Join(t.TempDir(), "lc.png")
	if err := DrawLearningCurves(path, hist, trace); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(path); err != nil || st.Size() < 1000 {
		t.Errorf("learning curves: %v", err)
	}
	var buf bytes.Buffer
	if err := WriteTraceCSV(&buf, trace); err != nil {
		t.Fatal(err)
	}
	back, err := ReadTraceCSV(&buf, 0.5)
	if err != nil || len(back) != 5 || math.Abs(back[4].Loss-trace[4].Loss) > 1e-6 || back[4].Epochs != trace[4].Epochs {
		t.Errorf("trace read back up to 0.5 epochs: %v, %v", back, err)
	}
	if err := DrawLearningCurves(path, nil, nil); err == nil {
		t.Error("drew learning curves of nothing")
	}
}
