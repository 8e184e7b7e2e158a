package train

import (
	"strings"
	"testing"
)

// A movie input cuts the fixed grid at the frame changes and tells each
// step its frame; an adaptive method is refused.
func TestSolveFrames(t *testing.T) {
	r, err := Solve{Method: "rk4", Steps: 2, T1: 0.3, Frames: 3}.resolve()
	if err != nil {
		t.Fatal(err)
	}
	hs, _, err := r.fixedGrid()
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 3 {
		t.Fatalf("%d steps for 3 frames and 2 requested steps, want 3 (no step straddles a frame change)", len(hs))
	}
	tt := 0.0
	for k, h := range hs {
		if f := r.frameOf(tt, h); f != k {
			t.Errorf("step %d: frame %d", k, f)
		}
		tt += h
	}
	if _, err := (Solve{Method: "dopri5", Frames: 3}).resolve(); err == nil || !strings.Contains(err.Error(), "fixed-step") {
		t.Errorf("adaptive solve with frames: error %v", err)
	}
	if _, err := (Solve{Frames: -1}).resolve(); err == nil {
		t.Error("negative frames accepted")
	}
}
