package lif

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/neuropil/neuropil/format/parquet"
)

// WriteOutputs writes the result files into dir: spikes.parquet (Shiu's
// schema, by trial then time), rates.csv (flywire_id,rate_hz,std_hz of
// the neurons that spiked, fastest first), raster.png (trial 0) and
// rates.png (the 30 most active neurons). mean and std are res.Rates().
func WriteOutputs(dir, expName string, net *Network, res *Result, mean, std []float64) error {
	if res.Spikes != nil {
		if err := writeSpikes(filepath.Join(dir, "spikes.parquet"), expName, net, res); err != nil {
			return err
		}
	}
	order := activeByRate(mean)
	if err := atomic(dir, "rates.csv", func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		fmt.Fprintln(bw, "flywire_id,rate_hz,std_hz")
		for _, i := range order {
			fmt.Fprintf(bw, "%d,%s,%s\n", net.ID(i), ftoa(mean[i]), ftoa(std[i]))
		}
		return bw.Flush()
	}); err != nil {
		return err
	}
	if err := atomic(dir, "raster.png", func(w io.Writer) error { return raster(w, res) }); err != nil {
		return err
	}
	return atomic(dir, "rates.png", func(w io.Writer) error { return topRates(w, net, order, mean, std) })
}

func ftoa(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func writeSpikes(path, expName string, net *Network, res *Result) error {
	n := 0
	for _, s := range res.Spikes {
		n += len(s)
	}
	tr, off := 0, 0 // WriteSpikes asks for the rows in order
	return parquet.WriteSpikes(path, expName, n, func(int) parquet.Spike {
		for off == len(res.Spikes[tr]) {
			tr, off = tr+1, 0
		}
		s := res.Spikes[tr][off]
		off++
		// Brian2's spike time is t = step·dt in float64.
		return parquet.Spike{T: float64(s.Step) * res.Dt, Trial: int64(tr), FlywireID: net.ID(int(s.Neuron))}
	})
}

// activeByRate returns the neurons with a positive rate, fastest first.
func activeByRate(mean []float64) []int {
	var order []int
	for i, m := range mean {
		if m > 0 {
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case mean[a] > mean[b]:
			return -1
		case mean[a] < mean[b]:
			return 1
		}
		return 0
	})
	return order
}

// atomic writes dir/name through a temporary file renamed into place.
func atomic(dir, name string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(dir, "."+name+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err = f.Chmod(0o644); err != nil {
		return err
	}
	if err = write(f); err != nil {
		return fmt.Errorf("lif: writing %s: %w", name, err)
	}
	if err = f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), filepath.Join(dir, name))
}

func writeJSON(dir, name string, v any) error {
	return atomic(dir, name, func(w io.Writer) error {
		e := json.NewEncoder(w)
		e.SetIndent("", "  ")
		return e.Encode(v)
	})
}

// maxRasterPoints bounds the dots of raster.png; beyond it every k-th
// spike is drawn.
const maxRasterPoints = 200000

// raster draws trial 0's spikes, neurons numbered by first spike.
func raster(w io.Writer, res *Result) error {
	p := gplot.New()
	p.X.Label.Text, p.Y.Label.Text = "time (s)", "neuron (by first spike)"
	var xy plotter.XYs
	if len(res.Spikes) > 0 {
		s := res.Spikes[0]
		rank := map[int32]int{}
		every := max(1, len(s)/maxRasterPoints)
		for k := 0; k < len(s); k += every {
			r, ok := rank[s[k].Neuron]
			if !ok {
				r = len(rank)
				rank[s[k].Neuron] = r
			}
			xy = append(xy, plotter.XY{X: float64(s[k].Step) * res.Dt, Y: float64(r)})
		}
		p.Title.Text = fmt.Sprintf("trial 0: %d spikes of %d neurons", len(s), len(rank))
	}
	if len(xy) == 0 {
		p.Title.Text = "no spikes"
		xy = plotter.XYs{{X: 0, Y: 0}}
	}
	sc, err := plotter.NewScatter(xy)
	if err != nil {
		return err
	}
	sc.GlyphStyle.Radius = vg.Points(0.6)
	sc.GlyphStyle.Shape = draw.CircleGlyph{}
	p.Add(sc)
	p.X.Min, p.X.Max = 0, res.Duration()
	return png(w, p, 10*vg.Inch, 6*vg.Inch)
}

// topRates draws the mean rates (± std over trials) of the 30 most active
// neurons.
func topRates(w io.Writer, net *Network, order []int, mean, std []float64) error {
	p := gplot.New()
	p.Y.Label.Text = "rate (Hz), mean ± std over trials"
	top := order[:min(30, len(order))]
	if len(top) == 0 {
		p.Title.Text = "no neuron spiked"
		return png(w, p, 10*vg.Inch, 6*vg.Inch)
	}
	vals := make(plotter.Values, len(top))
	names := make([]string, len(top))
	errs := make(plotter.YErrors, len(top))
	xys := make(plotter.XYs, len(top))
	for k, i := range top {
		vals[k] = mean[i]
		names[k] = strconv.FormatInt(net.ID(i), 10)
		errs[k].Low, errs[k].High = std[i], std[i]
		xys[k] = plotter.XY{X: float64(k), Y: mean[i]}
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(14))
	if err != nil {
		return err
	}
	p.Add(bars)
	eb, err := plotter.NewYErrorBars(struct {
		plotter.XYs
		plotter.YErrors
	}{xys, errs})
	if err != nil {
		return err
	}
	p.Add(eb)
	p.NominalX(names...)
	p.X.Tick.Label.Rotation = math.Pi / 2
	p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
	p.Title.Text = fmt.Sprintf("the %d most active of %d spiking neurons", len(top), len(order))
	return png(w, p, 10*vg.Inch, 6*vg.Inch)
}

func png(w io.Writer, p *gplot.Plot, width, height vg.Length) error {
	c := vgimg.PngCanvas{Canvas: vgimg.New(width, height)}
	p.Draw(draw.New(c))
	_, err := c.WriteTo(w)
	return err
}
