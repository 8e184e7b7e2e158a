package analysis

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/neuropil/neuropil/format/npy"
)

// The rendered edges against testdata/gen/moving_edge_render.py's NumPy
// reimplementation of flyvis's rendering: PIL's rotation, which the
// generator checks it reproduces exactly, and flyvis's float16 hexagons,
// which it checks PyTorch's float16 tensors give too. With float64
// hexagons the columns would differ by up to 0.0063.
func TestEdgeFramesMatchReference(t *testing.T) {
	// The same pixels in both: the means differ at most by the order of
	// a float64 sum of about 530 values.
	const edgeFramesTol = 1e-13
	a, err := npy.ReadFile(filepath.Join("testdata", "moving_edge_frames.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want := a.Data.([]float64)
	angles := []float64{0, 30, 90, 150, 180, 240, 330}
	offsets := []int{-10, -4, 0, 3, 10}
	pix := hexPixels()
	if len(pix) != 721 {
		t.Fatalf("%d hexagons", len(pix))
	}
	worst := 0.0
	for ai, ang := range angles {
		for ii, in := range []float64{0, 1} {
			frames := EdgeFrames(pix, ang, in)
			for oi, off := range offsets {
				got := frames[off-EdgeStart]
				for k := range got {
					worst = math.Max(worst, math.Abs(got[k]-want[((ai*2+ii)*len(offsets)+oi)*721+k]))
				}
			}
		}
	}
	t.Logf("largest difference from the reference: %g", worst)
	if worst > edgeFramesTol {
		t.Errorf("rendered columns differ from the reference by %g", worst)
	}
}

// ResampleIndices against torch.linspace(...).long() for flyvis's speeds.
func TestResampleIndicesMatchTorch(t *testing.T) {
	a, err := npy.ReadFile(filepath.Join("testdata", "moving_edge_indices.npy"))
	if err != nil {
		t.Fatal(err)
	}
	var want []int
	switch d := a.Data.(type) {
	case []int64:
		for _, v := range d {
			want = append(want, int(v))
		}
	default:
		t.Fatalf("indices of type %T", a.Data)
	}
	var got []int
	for _, s := range EdgeSpeeds() {
		got = append(got, ResampleIndices(EdgeEnd-EdgeStart, int(EdgeTStim(s)/DefaultDt))...)
	}
	if len(got) != len(want) {
		t.Fatalf("%d indices, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("index %d: %d, want %d", i, got[i], want[i])
		}
	}
}
