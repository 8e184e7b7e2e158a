package opticlobe

import (
	"flag"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var plotDir = flag.String("plots", "", "directory to keep the plots of TestSpotPlots in (default: a temporary one)")

// spotMovie returns 4 frames of the eye's 391×391 image sampled onto the
// columns: grey, a bright disc of radius 80 pixels on grey, grey, grey.
func spotMovie(nc int) []float32 {
	img := make([]float32, 391*391)
	for y := 0; y < 391; y++ {
		for x := 0; x < 391; x++ {
			img[y*391+x] = 0.5
			if math.Hypot(float64(y-195), float64(x-195)) < 80 {
				img[y*391+x] = 1
			}
		}
	}
	spot := SampleImage(img, 391, 391)
	frames := make([]float32, 4*nc)
	for k := range frames {
		frames[k] = 0.5
	}
	copy(frames[nc:2*nc], spot)
	return frames
}

// A spot of light from 0.25 s to 0.5 s: hexagonal maps of R1, L1, L2,
// Mi1, Tm3 and T4a at 0.45 s and the central-column traces of all 65 types.
func TestSpotPlots(t *testing.T) {
	net := loadNet(t)
	nc := ColumnCount(net.Extent)
	res, err := Simulate(net, spotMovie(nc), 4, 1, Settings{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	dir := *plotDir
	if dir == "" {
		dir = t.TempDir()
	}
	k := int(math.Round(0.45 / DefaultDt))
	maps := filepath.Join(dir, "opticlobe_spot_maps.png")
	if err := net.PlotTypes(maps, "light spot, t = 0.45 s", res.At(k, 0), []string{"R1", "L1", "L2", "Mi1", "Tm3", "T4a"}); err != nil {
		t.Fatal(err)
	}
	traces := filepath.Join(dir, "opticlobe_spot_central.png")
	if err := net.PlotCentral(traces, "central column, light spot 0.25–0.5 s", res, 0); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{maps, traces} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := png.Decode(f); err != nil {
			t.Errorf("%s: %v", p, err)
		}
		f.Close()
	}
	// In the maps, R1 inside the spot is depolarised relative to R1 far
	// outside it.
	v := res.At(k, 0)
	s, _, _ := net.TypeNeurons("R1")
	in, out := v[s+ColumnIndex(15, 0, 0)], v[s+ColumnIndex(15, 12, 0)]
	if !(in > out) {
		t.Errorf("R1 in the spot %v, outside %v", in, out)
	}
	if err := net.PlotTypes(maps, "", v, []string{"T4e"}); err == nil || !strings.Contains(err.Error(), `unknown cell type "T4e" (known: R1, R2`) {
		t.Errorf("unknown type: %v", err)
	}
}
