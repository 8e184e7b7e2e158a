package analysis

import (
	"fmt"
	"math"
	"math/cmplx"
)

// Moving edges as flyvis's MovingEdge dataset and moving_edge_responses
// define them: offsets −10..10 LEDs of 2.25° from the central column, 12
// directions, six speeds in columns (5.8°) per second.
const (
	LEDDegrees    = 2.25 // width of one LED (half an ommatidium)
	ColumnDegrees = 5.8  // angle between neighbouring ommatidia
	EdgeStart     = -10  // first offset, LEDs
	EdgeEnd       = 11   // one past the last offset, LEDs
)

// EdgeSpeeds are flyvis's moving-edge speeds, columns per second.
func EdgeSpeeds() []float64 { return []float64{2.4, 4.8, 9.7, 13, 19, 25} }

// EdgeAngles are flyvis's 12 directions of motion, degrees.
func EdgeAngles() []float64 {
	a := make([]float64, 12)
	for i := range a {
		a[i] = float64(30 * i)
	}
	return a
}

// EdgeWindow is the time window of flyvis's peak_responses with its
// default columns: from EdgeStart·2.25/5.8 to (EdgeEnd−1)·2.25/5.8 columns,
// the edge's passage over the central column (time_window).
func EdgeWindow(speed float64) (t0, t1 float64) {
	return TimeWindow(speed, EdgeStart*LEDDegrees/ColumnDegrees, (EdgeEnd-1)*LEDDegrees/ColumnDegrees, EdgeStart, EdgeEnd)
}

// TimeWindow is flyvis's time_window: the times (from the stimulus onset)
// at which an edge moving at speed columns/s from offset start to end
// (LEDs) passes from fromColumn to toColumn (plus one LED, to be
// symmetric about the central column). It panics, as flyvis asserts, if
// the columns lie outside the offsets.
func TimeWindow(speed, fromColumn, toColumn float64, start, end int) (t0, t1 float64) {
	startCols := float64(start) * LEDDegrees / ColumnDegrees
	endCols := float64(end) * LEDDegrees / ColumnDegrees
	toColumn += LEDDegrees / ColumnDegrees
	if math.Abs(startCols) < math.Abs(fromColumn) || math.Abs(endCols) < math.Abs(toColumn) {
		panic(fmt.Sprintf("analysis: columns [%g, %g] outside the offsets [%d, %d]", fromColumn, toColumn, start, end))
	}
	t0 = (math.Abs(startCols) - math.Abs(fromColumn)) / speed
	return t0, t0 + (toColumn-fromColumn)/speed
}

// PeakResponse is flyvis's peak_responses for one cell and stimulus: the
// largest rectified response max(0, r) over the frames with t0 <= time
// <= t1 (0 when no frame is inside).
func PeakResponse(r, time []float64, t0, t1 float64) float64 {
	peak := 0.0
	for i, t := range time {
		if t >= t0 && t <= t1 {
			peak = math.Max(peak, r[i])
		}
	}
	return peak
}

// DirectionSelectivity is flyvis's direction_selectivity_index and
// preferred_direction (averaged) for one cell from its peak responses
// peaks[intensity][speed][angle] at angles in degrees: with z(i, s) =
// Σ_angle peak·e^{iθ},
//
//	DSI[i] = mean over s of |z(i, s)| / (max over i' of Σ_angle |peak(i', s, ·)| + 1e-15)
//	PD[i]  = arg Σ_s z(i, s)   (radians in (−π, π])
func DirectionSelectivity(peaks [][][]float64, angles []float64) (dsi, pd []float64) {
	ni := len(peaks)
	if ni == 0 {
		return nil, nil
	}
	ns := len(peaks[0])
	norm := make([]float64, ns)
	for _, bySpeed := range peaks {
		for s, byAngle := range bySpeed {
			sum := 0.0
			for _, p := range byAngle {
				sum += math.Abs(p)
			}
			norm[s] = math.Max(norm[s], sum)
		}
	}
	dsi, pd = make([]float64, ni), make([]float64, ni)
	for i, bySpeed := range peaks {
		var total complex128
		for s, byAngle := range bySpeed {
			var z complex128
			for a, p := range byAngle {
				z += complex(p, 0) * cmplx.Exp(complex(0, angles[a]*math.Pi/180))
			}
			dsi[i] += cmplx.Abs(z) / (norm[s] + 1e-15)
			total += z
		}
		dsi[i] /= float64(ns)
		pd[i] = cmplx.Phase(total)
	}
	return dsi, pd
}
