package opticflow

import (
	"math"
	"testing"
)

// Sample's frames (the boxes' means on the grid of the columns, cosines
// as products of per-coordinate factors) are BoxMean's, box by box,
// within a float32 rounding, for scenes of every motion and texture.
func TestSampleMatchesBoxMean(t *testing.T) {
	d, err := New(Config{Extent: 6, Seed: 11})
	if err != nil {
		t.Fatal(err)
	}
	nf, nc, k := d.cfg.Frames, d.Columns(), d.cfg.Kernel
	frames, flow := make([]float32, nf*nc), make([]float32, nf*2*nc)
	kinds := map[[2]int]bool{}
	for i := range 24 {
		s := d.Scene(Train, i)
		kinds[[2]int{int(s.MotionKind), int(s.TextureKind)}] = true
		d.Sample(frames, flow, s)
		for f := range nf {
			for c := range nc {
				dy, dx := d.eye.Offset(c)
				want := float32(s.BoxMean(complex(float64(dx), float64(dy)), k, float64(f)*d.cfg.Dt))
				if got := frames[f*nc+c]; math.Abs(float64(got-want)) > 1e-7*math.Max(1, math.Abs(float64(want))) {
					t.Fatalf("scene %d frame %d column %d: %v, BoxMean %v", i, f, c, got, want)
				}
			}
		}
	}
	if len(kinds) < 8 {
		t.Errorf("only %d of 16 motion and texture kinds drawn", len(kinds))
	}
}

// BenchmarkBatch is a training step's data: four movies of 19 frames on
// the full eye, with their flow.
func BenchmarkBatch(b *testing.B) {
	d, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	nf, nc := d.cfg.Frames, d.Columns()
	x, v := make([]float32, nf*4*nc), make([]float32, nf*8*nc)
	for i := 0; b.Loop(); i++ {
		d.Batch(x, v, Train, 4*i)
	}
}
