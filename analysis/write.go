package analysis

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/plot"
	"github.com/neuropil/neuropil/plot/hexplot"
	"gonum.org/v1/plot/vg"
)

// Write writes the flash analysis into dir: fri.csv (cell_type, then one
// column fri_radius_R per radius), traces.npy [samples][frames][types]
// float32, time.npy [frames], samples.csv (index, intensity, radius), and
// the figures fri.png (FRI per type and radius) and central_on.png,
// central_off.png (the central responses to the first radius's ON and
// OFF flashes). It returns the paths written.
func (r *FlashResult) Write(dir string) ([]string, error) {
	var written []string
	put := putter(dir, &written)
	nf, nt := len(r.Time), len(r.Types)
	tr := make([]float32, 0, len(r.Samples)*nf*nt)
	for _, s := range r.Traces {
		for _, f := range s {
			tr = append(tr, f...)
		}
	}
	steps := []error{
		put("fri.csv", func(w io.Writer) error { return r.writeFRI(w) }),
		put("traces.npy", func(w io.Writer) error { return npy.Encode(w, []int{len(r.Samples), nf, nt}, tr) }),
		put("time.npy", func(w io.Writer) error { return npy.Encode(w, []int{nf}, r.Time) }),
		put("samples.csv", func(w io.Writer) error {
			b := []byte("index,intensity,radius\n")
			for i, s := range r.Samples {
				b = fmt.Appendf(b, "%d,%g,%d\n", i, s.Intensity, s.Radius)
			}
			_, err := w.Write(b)
			return err
		}),
	}
	for _, err := range steps {
		if err != nil {
			return written, err
		}
	}
	return r.plots(dir, written)
}

// putter returns a function that writes the file name in dir with write
// and appends its path to *written.
func putter(dir string, written *[]string) func(name string, write func(w io.Writer) error) error {
	return func(name string, write func(w io.Writer) error) error {
		p := filepath.Join(dir, name)
		if err := atomic.WriteFile(p, write); err != nil {
			return fmt.Errorf("analysis: %w", err)
		}
		*written = append(*written, p)
		return nil
	}
}

// writeFRI writes fri.csv.
func (r *FlashResult) writeFRI(w io.Writer) error {
	b := []byte("cell_type")
	for _, rad := range r.Radii {
		b = append(b, ",fri_radius_"+strconv.Itoa(rad)...)
	}
	b = append(b, '\n')
	for k, name := range r.Types {
		b = append(b, name...)
		for ri := range r.Radii {
			b = append(b, ',')
			b = strconv.AppendFloat(b, r.FRI[ri][k], 'g', -1, 64)
		}
		b = append(b, '\n')
	}
	_, err := w.Write(b)
	return err
}

// plots draws fri.png, central_on.png and central_off.png.
func (r *FlashResult) plots(dir string, written []string) ([]string, error) {
	var series []plot.Series
	for ri, rad := range r.Radii {
		s := plot.Series{Label: "radius " + strconv.Itoa(rad) + " columns", Marker: true}
		if rad < 0 {
			s.Label = "full field"
		}
		for k := range r.Types {
			s.X, s.Y = append(s.X, float64(k)), append(s.Y, r.FRI[ri][k])
		}
		series = append(series, s)
	}
	p := filepath.Join(dir, "fri.png")
	panel := plot.Panel{XLabel: "cell type", YLabel: "flash response index", Series: series, XCategories: r.Types}
	if err := plot.Stack(p, "Flash response index per cell type (> 0: ON, < 0: OFF)", []plot.Panel{panel}, 12*vg.Inch, 4.5*vg.Inch); err != nil {
		return written, err
	}
	written = append(written, p)
	nr := len(r.Radii)
	for _, c := range []struct {
		name, title string
		b           int
	}{{"central_off.png", "OFF flash", 0}, {"central_on.png", "ON flash", nr}} {
		traces := make([]hexplot.Trace, len(r.Types))
		for k, name := range r.Types {
			y := make([]float32, len(r.Time))
			for i := range y {
				y[i] = r.Traces[c.b][i][k]
			}
			traces[k] = hexplot.Trace{Title: name, Y: y}
		}
		p := filepath.Join(dir, c.name)
		title := fmt.Sprintf("central responses, %s (radius %d)", c.title, r.Radii[0])
		if err := hexplot.Traces(p, title, r.Time, traces, 8, "time (s)", "voltage (a.u.)", 2*vg.Inch, false); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	return written, nil
}
