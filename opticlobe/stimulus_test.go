package opticlobe

import "testing"

func TestStimuli(t *testing.T) {
	cols := []float32{1, 2, 3, 4, 5, 6} // 2 frames of 3 columns
	x := Replicate(cols, 2, 2)
	want := []float32{1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}
	for k := range want {
		if x[k] != want[k] {
			t.Fatalf("Replicate: %v, want %v", x, want)
		}
	}
	if u := Uniform(2, 0.5); len(u) != ColumnCount(2) || u[0] != 0.5 || u[len(u)-1] != 0.5 {
		t.Errorf("Uniform: %v", u)
	}
	// SampleInk is Sample of pixel/255.
	eye := NewEye(2, DefaultKernel)
	h, w := eye.MinSize()
	pix := make([]uint8, 2*h*w)
	img := make([]float32, 2*h*w)
	for i := range pix {
		pix[i] = uint8(i * 7)
		img[i] = float32(pix[i]) / 255
	}
	nc := eye.Columns()
	got, want2 := make([]float32, 2*nc), make([]float32, 2*nc)
	eye.SampleInk(got, pix, 2, h, w)
	eye.SampleFrames(want2, img, 2, h, w)
	for c := range got {
		if got[c] != want2[c] {
			t.Fatalf("value %d: %v, want %v", c, got[c], want2[c])
		}
	}
}
