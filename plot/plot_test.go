package plot

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"gonum.org/v1/plot/vg"
)

func TestInfernoEnds(t *testing.T) {
	if c := Inferno(0); c.R != 0 || c.B != 4 {
		t.Errorf("inferno(0) = %v", c)
	}
	if c := Inferno(1); c.R != 0xfc || c.G != 0xff {
		t.Errorf("inferno(1) = %v", c)
	}
}

func TestHeatmapAndLines(t *testing.T) {
	dir := t.TempDir()
	block := make([]float32, 20*30)
	for i := range block {
		block[i] = float32(i % 7)
	}
	hp := filepath.Join(dir, "h.png")
	if err := (Heatmap{Title: "t", XLabel: "Postsynaptic", YLabel: "Presynaptic", Unit: "|w|", Block: block, Rows: 20, Cols: 30}).Save(hp, 3*vg.Inch); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, hp)
	lp := filepath.Join(dir, "l.png")
	s := []Series{{Label: "a", X: []float64{0, 1, 2}, Y: []float64{0, 1, 0}}, {X: []float64{0, 2}, Y: []float64{1, 1}}}
	if err := Lines(lp, "", "Time", "Activity", s, 4*vg.Inch, 3*vg.Inch); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, lp)
}

func checkPNG(t *testing.T, p string) {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("%s: %v", p, err)
	}
}

func TestBadDataIsAnError(t *testing.T) {
	dir := t.TempDir()
	if err := (Heatmap{Block: []float32{1, float32(math.NaN())}, Rows: 1, Cols: 2}).Save(filepath.Join(dir, "x.png"), vg.Inch); err == nil {
		t.Error("NaN heat map drawn")
	}
	if err := (Heatmap{Block: []float32{1}, Rows: 1, Cols: 2}).Save(filepath.Join(dir, "x.png"), vg.Inch); err == nil {
		t.Error("wrong shape drawn")
	}
	if err := Lines(filepath.Join(dir, "y.png"), "", "", "", nil, vg.Inch, vg.Inch); err == nil {
		t.Error("empty plot drawn")
	}
	if err := Lines(filepath.Join(dir, "y.png"), "", "", "", []Series{{X: []float64{1}, Y: []float64{math.NaN()}}}, vg.Inch, vg.Inch); err == nil {
		t.Error("NaN line drawn")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("files left: %v", ents)
	}
}

// A panel's legend gets room beside the data: the y axis reaches beyond
// the data on the legend's side (above by default, below with
// LegendBottom), and not at all without labels.
func TestLegendRoom(t *testing.T) {
	s := Series{X: []float64{0, 1, 2}, Y: []float64{10, 20, 30}}
	for _, c := range []struct {
		label  string
		bottom bool
	}{{"", false}, {"loss", false}, {"loss", true}} {
		s.Label = c.label
		p, err := Panel{Series: []Series{s}, LegendBottom: c.bottom}.plot()
		if err != nil {
			t.Fatal(err)
		}
		above, below := p.Y.Max > 30, p.Y.Min < 10
		if want := c.label != "" && !c.bottom; above != want {
			t.Errorf("label %q, bottom %v: y up to %v", c.label, c.bottom, p.Y.Max)
		}
		if want := c.label != "" && c.bottom; below != want {
			t.Errorf("label %q, bottom %v: y down to %v", c.label, c.bottom, p.Y.Min)
		}
	}
}
