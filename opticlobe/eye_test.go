package opticlobe

import (
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// eyeTol bounds the difference to PyTorch's box filter: means of 169
// float32 values summed in another order.
const eyeTol = 2e-6

// The eye against testdata/gen/opticlobe_eye.py (torch interpolate,
// conv2d): a 28×28 image that is resized first, and a 400×420 one that is
// not.
func TestEyeTorch(t *testing.T) {
	small, n, h, w, err := LoadMovie(filepath.Join("testdata", "eye_small.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || h != 28 || w != 28 {
		t.Fatalf("small image shape %d×%d×%d", n, h, w)
	}
	want, n, h, w, err := LoadMovie(filepath.Join("testdata", "eye_columns.npy"))
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || h != 2 || w != 721 {
		t.Fatalf("columns fixture has shape %d×%d×%d", n, h, w)
	}
	const lh, lw = 400, 420
	large := make([]float32, lh*lw)
	for y := 0; y < lh; y++ {
		for x := 0; x < lw; x++ {
			large[y*lw+x] = float32(0.5 + 0.4*math.Sin(float64(x)/17)*math.Cos(float64(y)/11))
		}
	}
	eye := NewEye(DefaultExtent, DefaultKernel)
	if mh, mw := eye.MinSize(); mh != 391 || mw != 391 || eye.Columns() != 721 {
		t.Fatalf("eye spans %d×%d with %d columns, want 391×391 and 721", mh, mw, eye.Columns())
	}
	for k, c := range []struct {
		img  []float32
		h, w int
	}{{small, 28, 28}, {large, lh, lw}} {
		got := SampleImage(c.img, c.h, c.w)
		for i, g := range got {
			if d := math.Abs(float64(g - want[k*721+i])); d > eyeTol {
				t.Fatalf("image %d column %d: %v, torch %v", k, i, g, want[k*721+i])
			}
		}
	}
}

// A uniform image gives its level in every column whose box lies inside
// the image, and less at the rim where the box reaches the zero padding.
func TestEyeUniform(t *testing.T) {
	eye := NewEye(DefaultExtent, DefaultKernel)
	img := make([]float32, 391*391)
	for k := range img {
		img[k] = 0.8
	}
	dst := make([]float32, eye.Columns())
	eye.Sample(dst, img, 391, 391)
	c := ColumnIndex(15, 0, 0)
	if math.Abs(float64(dst[c])-0.8) > 1e-6 {
		t.Errorf("central column %v, want 0.8", dst[c])
	}
	if rim := dst[ColumnIndex(15, 15, 0)]; !(rim < 0.8) {
		t.Errorf("rim column (15, 0) %v, want < 0.8 (box reaches the padding)", rim)
	}
}

func TestLoadImage(t *testing.T) {
	m := image.NewGray(image.Rect(0, 0, 3, 2))
	m.SetGray(1, 0, color.Gray{Y: 255})
	m.SetGray(2, 1, color.Gray{Y: 51})
	p := filepath.Join(t.TempDir(), "a.png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, m); err != nil {
		t.Fatal(err)
	}
	f.Close()
	img, h, w, err := LoadImage(p)
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 1, 0, 0, 0, 0.2}
	if h != 2 || w != 3 {
		t.Fatalf("shape %d×%d", h, w)
	}
	for k := range want {
		if math.Abs(float64(img[k]-want[k])) > 1e-6 {
			t.Errorf("pixel %d: %v, want %v", k, img[k], want[k])
		}
	}
	bad := filepath.Join(t.TempDir(), "b.png")
	os.WriteFile(bad, []byte("not a png"), 0o644)
	if _, _, _, err := LoadImage(bad); err == nil {
		t.Error("garbage decoded as an image")
	}
	if _, _, _, _, err := LoadMovie(bad); err == nil {
		t.Error("garbage decoded as a movie")
	}
}
