package analysis

import (
	"math"
	"testing"
)

// A synthetic tuning r(θ) = A(1 + a cos(θ − θ0)) over the 12 directions
// sums to 6Aa·e^{iθ0}, with Σ|r| = 12A: DSI = a/2 for the stronger
// intensity, scaled by A/A_max for the other, and PD = θ0.
func TestDirectionSelectivitySynthetic(t *testing.T) {
	angles := EdgeAngles()
	tuning := func(amp, a, theta0 float64) []float64 {
		r := make([]float64, len(angles))
		for k, th := range angles {
			r[k] = amp * (1 + a*math.Cos((th-theta0)*math.Pi/180))
		}
		return r
	}
	peaks := [][][]float64{
		{tuning(0.5, 0.8, 240), tuning(0.5, 0.8, 240)}, // OFF, two speeds
		{tuning(1, 0.8, 60), tuning(1, 0.4, 60)},       // ON
	}
	dsi, pd := DirectionSelectivity(peaks, angles)
	want := []float64{0.5 * 0.4, (0.4 + 0.2) / 2}
	wantPD := []float64{-2 * math.Pi / 3, math.Pi / 3}
	for i := range want {
		if math.Abs(dsi[i]-want[i]) > 1e-12 || math.Abs(pd[i]-wantPD[i]) > 1e-12 {
			t.Errorf("intensity %d: DSI %v PD %v, want %v %v", i, dsi[i], pd[i], want[i], wantPD[i])
		}
	}
}

// time_window by hand for speed 13 columns/s and flyvis's default
// columns ±22.5°/5.8°: from 0 to (22.5 + 2.25 + 22.5)/5.8/13 s.
func TestEdgeWindow(t *testing.T) {
	t0, t1 := EdgeWindow(13)
	if math.Abs(t0) > 1e-15 || math.Abs(t1-47.25/5.8/13) > 1e-12 {
		t.Errorf("window [%v, %v], want [0, %v]", t0, t1, 47.25/5.8/13)
	}
	r := []float64{5, -1, 0.25, 0.5, 9}
	time := []float64{-0.1, 0, 0.2, 0.6, 0.7}
	if p := PeakResponse(r, time, t0, t1); p != 0.5 {
		t.Errorf("peak %v, want 0.5 (inside the window, rectified)", p)
	}
	if p := PeakResponse([]float64{-1}, []float64{0.1}, t0, t1); p != 0 {
		t.Errorf("peak of a negative response %v, want 0", p)
	}
}
