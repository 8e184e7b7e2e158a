package analysis

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/internal/atomic"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// TuningTypes are the types of the paper's polar figure: T4a–d (ON
// edges) and T5a–d (OFF edges).
func TuningTypes() []string {
	return []string{"T4a", "T4b", "T4c", "T4d", "T5a", "T5b", "T5c", "T5d"}
}

// Write writes the moving-edge analysis into dir: dsi.csv (cell_type,
// dsi_off, dsi_on, pd_off_deg, pd_on_deg), peaks.npy
// [types][intensities][speeds][angles] float64, edges.csv (the angles and
// speeds of its axes) and tuning.png (polar plots of T4a–d at ON and
// T5a–d at OFF edges, one curve per speed). It returns the paths written.
func (r *EdgeResult) Write(dir string) ([]string, error) {
	var written []string
	put := putter(dir, &written)
	var flat []float64
	for _, byI := range r.Peaks {
		for _, byS := range byI {
			for _, byA := range byS {
				flat = append(flat, byA...)
			}
		}
	}
	steps := []error{
		put("dsi.csv", func(w io.Writer) error { return r.writeDSI(w) }),
		put("peaks.npy", func(w io.Writer) error {
			return npy.Encode(w, []int{len(r.Types), len(r.Intensities), len(r.Speeds), len(r.Angles)}, flat)
		}),
		put("edges.csv", func(w io.Writer) error {
			var b []byte
			for _, row := range []struct {
				name string
				v    []float64
			}{{"intensity", r.Intensities}, {"speed_columns_per_s", r.Speeds}, {"angle_deg", r.Angles}} {
				b = append(b, row.name...)
				for _, v := range row.v {
					b = fmt.Appendf(b, ",%g", v)
				}
				b = append(b, '\n')
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
	p := filepath.Join(dir, "tuning.png")
	if err := r.plotTuning(p, nil); err != nil {
		return written, err
	}
	return append(written, p), nil
}

// writeDSI writes dsi.csv.
func (r *EdgeResult) writeDSI(w io.Writer) error {
	b := []byte("cell_type,dsi_off,dsi_on,pd_off_deg,pd_on_deg\n")
	for k, name := range r.Types {
		b = append(b, name...)
		for _, v := range []float64{r.DSI[k][0], r.DSI[k][1], r.PD[k][0] * 180 / math.Pi, r.PD[k][1] * 180 / math.Pi} {
			b = append(b, ',')
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
		b = append(b, '\n')
	}
	_, err := w.Write(b)
	return err
}

// typeIndex returns the index of name in r.Types, or -1.
func (r *EdgeResult) typeIndex(name string) int {
	for k, t := range r.Types {
		if t == name {
			return k
		}
	}
	return -1
}

// tuningCurve returns, for type k and intensity i, the peak per angle of
// speed si (si < 0: the mean over the speeds).
func (r *EdgeResult) tuningCurve(k, i, si int) []float64 {
	out := make([]float64, len(r.Angles))
	for a := range out {
		if si >= 0 {
			out[a] = r.Peaks[k][i][si][a]
			continue
		}
		for s := range r.Speeds {
			out[a] += r.Peaks[k][i][s][a] / float64(len(r.Speeds))
		}
	}
	return out
}

// speedColors are matplotlib's first six default colours.
var speedColors = []color.RGBA{
	{0x1f, 0x77, 0xb4, 255}, {0xff, 0x7f, 0x0e, 255}, {0x2c, 0xa0, 0x2c, 255},
	{0xd6, 0x27, 0x28, 255}, {0x94, 0x67, 0xbd, 255}, {0x8c, 0x56, 0x4b, 255},
}

// polarLine draws a closed polar curve of values over angles (degrees).
func polarLine(p *gplot.Plot, angles, values []float64, col color.Color, width vg.Length) error {
	xy := make(plotter.XYs, len(angles)+1)
	for a := range xy {
		k := a % len(angles)
		th := angles[k] * math.Pi / 180
		xy[a].X, xy[a].Y = values[k]*math.Cos(th), values[k]*math.Sin(th)
	}
	l, err := plotter.NewLine(xy)
	if err != nil {
		return err
	}
	l.Color, l.Width = col, width
	p.Add(l)
	return nil
}

// plotTuning draws tuning.png: per tuning type a polar plot of the peak
// response over the directions, one curve per speed; for an ensemble
// (members != nil) each member's speed-averaged curve in grey and their
// median in black.
func (r *EdgeResult) plotTuning(path string, members []*EdgeResult) error {
	names := TuningTypes()
	grid := [][]*gplot.Plot{make([]*gplot.Plot, 4), make([]*gplot.Plot, 4)}
	for n, name := range names {
		k := r.typeIndex(name)
		if k < 0 {
			return fmt.Errorf("analysis: no cell type %s for the tuning figure", name)
		}
		i, edge := 1, "ON"
		if name[:2] == "T5" {
			i, edge = 0, "OFF"
		}
		p := gplot.New()
		p.Title.Text = fmt.Sprintf("%s, %s edges: DSI %.2f, PD %.0f°", name, edge, r.DSI[k][i], r.PD[k][i]*180/math.Pi)
		p.X.Label.Text, p.Y.Label.Text = "peak response · cos θ (a.u.)", "peak response · sin θ (a.u.)"
		if err := r.drawCurves(p, k, i, members, n == 0); err != nil {
			return err
		}
		grid[n/4][n%4] = p
	}
	title := "T4 and T5 direction tuning to moving edges (θ: direction of motion; radius: peak central voltage, a.u.)"
	if members != nil {
		title = fmt.Sprintf("T4 and T5 direction tuning, %d members (grey) and their median (black), mean over speeds", len(members))
	}
	size := 4 * vg.Inch
	img := vgimg.New(4*size, 2*size+vg.Inch/2)
	dc := draw.New(img)
	f := gplot.DefaultFont
	f.Size = vg.Points(16)
	sty := draw.TextStyle{Color: color.Black, Font: f, XAlign: draw.XCenter, YAlign: draw.YCenter, Handler: gplot.DefaultTextHandler}
	dc.FillText(sty, vg.Point{X: 2 * size, Y: 2*size + vg.Inch/4}, title)
	dc.Max.Y -= vg.Inch / 2
	canvases := gplot.Align(grid, draw.Tiles{Rows: 2, Cols: 4, PadX: vg.Points(20), PadY: vg.Points(20), PadTop: vg.Points(10)}, dc)
	for row := range grid {
		for c := range grid[row] {
			grid[row][c].Draw(canvases[row][c])
		}
	}
	return atomic.WriteFile(path, func(w io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(w)
		return err
	})
}

// drawCurves adds the curves of type k at intensity i to p, with a unit
// circle at the largest peak and equal axes; legend: the speeds' legend
// (the same in every panel, so only the first shows it).
func (r *EdgeResult) drawCurves(p *gplot.Plot, k, i int, members []*EdgeResult, legend bool) error {
	var curves [][]float64
	var cols []color.Color
	if members == nil {
		for si, s := range r.Speeds {
			c := speedColors[si%len(speedColors)]
			curves, cols = append(curves, r.tuningCurve(k, i, si)), append(cols, c)
			if legend {
				l, _ := plotter.NewLine(plotter.XYs{{}})
				l.Color = c
				p.Legend.Add(fmt.Sprintf("%g col/s", s), l)
			}
		}
		p.Legend.Top = true
	} else {
		med := make([]float64, len(r.Angles))
		per := make([][]float64, len(members))
		for m, mr := range members {
			per[m] = mr.tuningCurve(k, i, -1)
			curves, cols = append(curves, per[m]), append(cols, color.Gray{Y: 170})
		}
		for a := range med {
			x := make([]float64, len(members))
			for m := range members {
				x[m] = per[m][a]
			}
			med[a] = Quantile(x, 0.5)
		}
		curves, cols = append(curves, med), append(cols, color.Black)
	}
	lim := 0.0
	for _, c := range curves {
		for _, v := range c {
			lim = math.Max(lim, v)
		}
	}
	if lim < 1e-9 { // no response: a unit scale, not axes of rounding noise
		lim = 1
		p.Title.Text += " (no response)"
	}
	for ci, c := range curves {
		w := vg.Points(1.5)
		if members != nil && ci == len(curves)-1 {
			w = vg.Points(3)
		}
		if err := polarLine(p, r.Angles, c, cols[ci], w); err != nil {
			return fmt.Errorf("analysis: %s: %w", r.Types[k], err)
		}
	}
	circle := make([]float64, len(r.Angles))
	for a := range circle {
		circle[a] = lim
	}
	if err := polarLine(p, r.Angles, circle, color.Gray{Y: 220}, vg.Points(0.5)); err != nil {
		return err
	}
	lim *= 1.6 // room for the legend
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -lim, lim, -lim, lim
	return nil
}
