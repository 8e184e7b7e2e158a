package train

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/neuropil/neuropil/plot"
	"gonum.org/v1/plot/vg"
)

// A TracePoint is the state of an epoch after one of its batches: the
// running mean loss and accuracy of the epoch so far.
type TracePoint struct {
	Epochs         float64 // epochs done: the 0-based epoch plus the fraction of its batches
	Loss, Accuracy float64
}

// Point returns the trace point of a progress report.
func (p Progress) Point() TracePoint {
	return TracePoint{Epochs: float64(p.Epoch) + float64(p.Batch)/float64(max(1, p.Batches)), Loss: p.Loss, Accuracy: p.Accuracy}
}

// WriteTraceCSV writes the trace as CSV: epochs, running loss, running
// accuracy (the file batches.csv of a run).
func WriteTraceCSV(w io.Writer, trace []TracePoint) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"epochs", "running_loss", "running_accuracy"})
	for _, p := range trace {
		cw.Write([]string{strconv.FormatFloat(p.Epochs, 'g', 8, 64), strconv.FormatFloat(p.Loss, 'g', 7, 64), strconv.FormatFloat(p.Accuracy, 'g', 7, 64)})
	}
	cw.Flush()
	return cw.Error()
}

// ReadTraceCSV reads what WriteTraceCSV wrote, keeping the points up to
// (and including) epochs done: a resumed run continues the trace from
// its checkpoint.
func ReadTraceCSV(r io.Reader, upTo float64) ([]TracePoint, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = 3
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, err
	}
	var trace []TracePoint
	for i, row := range rows {
		if i == 0 {
			continue
		}
		var v [3]float64
		for k := range v {
			if v[k], err = strconv.ParseFloat(row[k], 64); err != nil {
				return nil, fmt.Errorf("line %d: %w", i+1, err)
			}
		}
		if v[0] <= upTo {
			trace = append(trace, TracePoint{Epochs: v[0], Loss: v[1], Accuracy: v[2]})
		}
	}
	return trace, nil
}

// DrawLearningCurves writes a PNG of two panels, loss and accuracy against
// epochs: the running training values after every batch as lines, and
// each epoch's training and test values as marked points, so that even a
// one-epoch run shows its course.
func DrawLearningCurves(path string, hist []Epoch, trace []TracePoint) error {
	run := [2]plot.Series{{Label: "training, running mean"}, {Label: "training, running mean"}}
	for _, p := range trace {
		run[0].X, run[0].Y = append(run[0].X, p.Epochs), append(run[0].Y, p.Loss)
		run[1].X, run[1].Y = append(run[1].X, p.Epochs), append(run[1].Y, p.Accuracy)
	}
	epochs := [4]plot.Series{{Label: "training, epoch", Marker: true}, {Label: "test", Marker: true},
		{Label: "training, epoch", Marker: true}, {Label: "test", Marker: true}}
	for _, e := range hist {
		for k, v := range []float64{e.TrainLoss, e.TestLoss, e.TrainAccuracy, e.TestAccuracy} {
			epochs[k].X, epochs[k].Y = append(epochs[k].X, float64(e.Epoch)), append(epochs[k].Y, v)
		}
	}
	panel := func(name string, r plot.Series, train, test plot.Series) plot.Panel {
		pn := plot.Panel{XLabel: "epochs", YLabel: name}
		for _, s := range []plot.Series{r, train, test} {
			if len(s.X) > 0 {
				pn.Series = append(pn.Series, s)
			}
		}
		return pn
	}
	loss, acc := panel("loss", run[0], epochs[0], epochs[1]), panel("accuracy", run[1], epochs[2], epochs[3])
	acc.LegendBottom = true // accuracy rises towards the top right
	if len(loss.Series) == 0 {
		return fmt.Errorf("train: no learning curve to draw yet")
	}
	return plot.Stack(path, "Learning curves", []plot.Panel{loss, acc}, 6*vg.Inch, 3.5*vg.Inch)
}
