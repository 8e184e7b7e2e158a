package hexplot

import (
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/plot/vg"
)

func lattice(extent int) (u, v []int32) {
	for a := -extent; a <= extent; a++ {
		for b := max(-extent, -extent-a); b <= min(extent, extent-a); b++ {
			u, v = append(u, int32(a)), append(v, int32(b))
		}
	}
	return u, v
}

func decode(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Neighbouring columns are one unit apart in every direction.
func TestCenterRegular(t *testing.T) {
	for _, d := range [][2]int{{1, 0}, {0, 1}, {1, -1}, {-1, 0}, {0, -1}, {-1, 1}} {
		x, y := Center(d[0], d[1])
		if r := math.Hypot(x, y); math.Abs(r-1) > 1e-12 {
			t.Errorf("neighbour %v at distance %v", d, r)
		}
	}
}

func TestMaps(t *testing.T) {
	u, v := lattice(4)
	vals := make([]float32, len(u))
	for i := range vals {
		vals[i] = float32(u[i])
	}
	p := filepath.Join(t.TempDir(), "maps.png")
	panels := []Panel{{"A", "mV", u, v, vals}, {"B", "", u, v, vals}, {"C", "", u[:5], v[:5], vals[:5]}}
	if err := Maps(p, "test", panels, 2, 2*vg.Inch); err != nil {
		t.Fatal(err)
	}
	m := decode(t, p)
	if b := m.Bounds(); b.Dx() != 2*2*96 || b.Dy() != 2*2*96+48 {
		t.Errorf("image %v, want 384×432 pixels", b)
	}
	// The hexagons use the inferno map: its darkest and brightest ends
	// both appear.
	dark, bright := false, false
	b := m.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := m.At(x, y).RGBA()
			if r>>8 < 8 && g>>8 < 8 && bl>>8 > 0 && bl>>8 < 16 {
				dark = true
			}
			if r>>8 > 0xf0 && g>>8 > 0xf0 && bl>>8 > 0x90 && bl>>8 < 0xb0 {
				bright = true
			}
		}
	}
	if !dark || !bright {
		t.Errorf("colour map ends missing: dark %v, bright %v", dark, bright)
	}
}

func TestTraces(t *testing.T) {
	times := []float64{0, 0.1, 0.2, 0.3}
	tr := []Trace{{"R1", []float32{0, 1, 1, 1}}, {"L1", []float32{0, -1, -0.5, -0.4}}, {"Mi1", []float32{0, 0, 0, 0}}}
	p := filepath.Join(t.TempDir(), "traces.png")
	if err := Traces(p, "flash", times, tr, 2, "time (s)", "V", 2*vg.Inch, false); err != nil {
		t.Fatal(err)
	}
	decode(t, p)
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	u, v := lattice(1)
	nan := make([]float32, len(u))
	nan[2] = float32(math.NaN())
	for _, c := range []struct {
		name string
		err  error
		want string
	}{
		{"no panels", Maps(filepath.Join(dir, "a.png"), "", nil, 2, vg.Inch), "no panels"},
		{"short values", Maps(filepath.Join(dir, "a.png"), "", []Panel{{"X", "", u, v, nan[:2]}}, 2, vg.Inch), `panel "X" has 7 u, 7 v and 2 values`},
		{"nan", Maps(filepath.Join(dir, "a.png"), "", []Panel{{"X", "", u, v, nan}}, 2, vg.Inch), `panel "X" holds NaN`},
		{"trace length", Traces(filepath.Join(dir, "b.png"), "", []float64{0, 1}, []Trace{{"T", []float32{1}}}, 2, "", "", vg.Inch, true), `trace "T" has 1 values for 2 times`},
		{"no traces", Traces(filepath.Join(dir, "b.png"), "", []float64{0, 1}, nil, 2, "", "", vg.Inch, true), "0 traces"},
	} {
		if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, c.err, c.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "a.png")); err == nil {
		t.Error("a failed plot left a file behind")
	}
}

// TestDistinctTicks: a narrow range gets tick labels that differ (central.png
// once showed TmY15's axis as "1.18, 1.18").
func TestDistinctTicks(t *testing.T) {
	for _, r := range [][2]float64{{1.1795, 1.1805}, {1.175, 1.185}, {0.4, 0.6}, {-3e-4, 2e-4}} {
		seen := map[string]bool{}
		n := 0
		for _, tk := range (distinctTicks{}).Ticks(r[0], r[1]) {
			if tk.Label == "" {
				continue
			}
			n++
			if seen[tk.Label] {
				t.Errorf("range %v: label %q twice", r, tk.Label)
			}
			seen[tk.Label] = true
		}
		if n < 2 {
			t.Errorf("range %v: %d labelled ticks", r, n)
		}
	}
	if lo, hi := labels(1.18001, 1.18004); lo == hi {
		t.Errorf("colour bar labels %q and %q are the same", lo, hi)
	}
}
