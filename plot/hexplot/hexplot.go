package hexplot

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/plot"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Panel is one hexagonal map: a value per column.
type Panel struct {
	Title  string
	Unit   string    // the values' unit, written under the panel's colour bar
	U, V   []int32   // [cells] column coordinates
	Values []float32 // [cells]
}

// Trace is one small-multiple panel: a time course.
type Trace struct {
	Title string
	Y     []float32 // [len(times)]
}

// Center returns the Cartesian centre of column (u, v).
func Center(u, v int) (x, y float64) {
	return math.Sqrt(3) / 2 * float64(v), -(float64(u) + float64(v)/2)
}

// hexCells is a gonum plotter that fills one hexagon per cell, with a
// colour bar from lo to hi to the right of the map.
type hexCells struct {
	x, y   []float64
	colors []color.RGBA
	lo, hi float64
	unit   string
}

// circumradius of a flat-topped hexagon whose opposite edges are 1 apart.
var circumradius = 1 / math.Sqrt(3)

func (h *hexCells) Plot(c draw.Canvas, p *gplot.Plot) {
	trX, trY := p.Transforms(&c)
	for k := range h.x {
		var path vg.Path
		for j := 0; j <= 6; j++ {
			a := float64(j) * math.Pi / 3
			pt := vg.Point{X: trX(h.x[k] + circumradius*math.Cos(a)), Y: trY(h.y[k] + circumradius*math.Sin(a))}
			if j == 0 {
				path.Move(pt)
			} else {
				path.Line(pt)
			}
		}
		path.Close()
		c.SetColor(h.colors[k])
		c.Fill(path)
	}
	h.colorBar(c, trX, trY)
}

// colorBar draws the colour bar right of the map: the inferno scale from
// lo (bottom) to hi (top), their values beside it and the unit below.
func (h *hexCells) colorBar(c draw.Canvas, trX, trY func(float64) vg.Length) {
	xmin, xmax, ymin, ymax := h.bounds()
	w := xmax - xmin
	x0, x1 := trX(xmax+0.06*w), trX(xmax+0.12*w)
	y0, y1 := trY(ymin+0.1*(ymax-ymin)), trY(ymax-0.1*(ymax-ymin))
	const strips = 64
	for i := 0; i < strips; i++ {
		ya := y0 + (y1-y0)*vg.Length(i)/strips
		yb := y0 + (y1-y0)*vg.Length(i+1)/strips
		c.SetColor(plot.Inferno((float64(i) + 0.5) / strips))
		var r vg.Path
		r.Move(vg.Point{X: x0, Y: ya})
		r.Line(vg.Point{X: x1, Y: ya})
		r.Line(vg.Point{X: x1, Y: yb})
		r.Line(vg.Point{X: x0, Y: yb})
		r.Close()
		c.Fill(r)
	}
	f := gplot.DefaultFont
	f.Size = vg.Points(7)
	sty := draw.TextStyle{Color: color.Black, Font: f, XAlign: draw.XLeft, YAlign: draw.YCenter, Handler: gplot.DefaultTextHandler}
	lo, hi := labels(h.lo, h.hi)
	c.FillText(sty, vg.Point{X: x1 + vg.Points(2), Y: y1}, hi)
	c.FillText(sty, vg.Point{X: x1 + vg.Points(2), Y: y0}, lo)
	if h.unit != "" {
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		c.FillText(sty, vg.Point{X: (x0 + x1) / 2, Y: y0 - vg.Points(3)}, h.unit)
	}
}

// labels formats lo and hi with the fewest significant digits that tell
// them apart.
func labels(lo, hi float64) (string, string) {
	for prec := 3; prec < 8; prec++ {
		a, b := strconv.FormatFloat(lo, 'g', prec, 64), strconv.FormatFloat(hi, 'g', prec, 64)
		if a != b || lo == hi {
			return a, b
		}
	}
	return strconv.FormatFloat(lo, 'g', -1, 64), strconv.FormatFloat(hi, 'g', -1, 64)
}

// bounds returns the extent of the hexagons.
func (h *hexCells) bounds() (xmin, xmax, ymin, ymax float64) {
	xmin, ymin = math.Inf(1), math.Inf(1)
	xmax, ymax = math.Inf(-1), math.Inf(-1)
	for k := range h.x {
		xmin, xmax = min(xmin, h.x[k]-circumradius), max(xmax, h.x[k]+circumradius)
		ymin, ymax = min(ymin, h.y[k]-0.5), max(ymax, h.y[k]+0.5)
	}
	return xmin, xmax, ymin, ymax
}

func (h *hexCells) DataRange() (xmin, xmax, ymin, ymax float64) {
	xmin, xmax, ymin, ymax = h.bounds()
	xmax += 0.35 * (xmax - xmin) // the colour bar and its labels
	// Square the range so that hexagons keep their shape in square tiles.
	cx, cy := (xmin+xmax)/2, (ymin+ymax)/2
	half := max(xmax-xmin, ymax-ymin) / 2
	return cx - half, cx + half, cy - half, cy + half
}

// valueRange returns the finite range of v or an error naming the panel.
func valueRange(title string, v []float32) (lo, hi float64, err error) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return 0, 0, fmt.Errorf("hexplot: panel %q holds %v", title, x)
		}
		lo, hi = min(lo, float64(x)), max(hi, float64(x))
	}
	return lo, hi, nil
}

// Maps draws the panels as hexagonal maps in a grid of cols columns, each
// in the inferno colour map scaled to its own range, shown by a colour bar
// with the panel's unit, with an overall title, and writes a PNG with
// panels of size inches on a side.
func Maps(path, title string, panels []Panel, cols int, size vg.Length) error {
	if len(panels) == 0 {
		return fmt.Errorf("hexplot: no panels")
	}
	grid, cols := newGrid(len(panels), cols)
	for k, pn := range panels {
		if len(pn.U) != len(pn.Values) || len(pn.V) != len(pn.Values) || len(pn.Values) == 0 {
			return fmt.Errorf("hexplot: panel %q has %d u, %d v and %d values", pn.Title, len(pn.U), len(pn.V), len(pn.Values))
		}
		lo, hi, err := valueRange(pn.Title, pn.Values)
		if err != nil {
			return err
		}
		cells := &hexCells{x: make([]float64, len(pn.U)), y: make([]float64, len(pn.U)), colors: make([]color.RGBA, len(pn.U)),
			lo: lo, hi: hi, unit: pn.Unit}
		for i := range pn.U {
			cells.x[i], cells.y[i] = Center(int(pn.U[i]), int(pn.V[i]))
			t := 0.5
			if hi > lo {
				t = (float64(pn.Values[i]) - lo) / (hi - lo)
			}
			cells.colors[i] = plot.Inferno(t)
		}
		p := gplot.New()
		p.Title.Text = pn.Title
		p.HideAxes()
		p.Add(cells)
		grid[k/cols][k%cols] = p
	}
	tiles := draw.Tiles{PadX: vg.Millimeter, PadY: vg.Millimeter,
		PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: vg.Millimeter}
	return saveGrid(path, title, grid, size, 1, tiles)
}

// minSpan is the smallest y span of a panel of Traces that is not shared.
const minSpan = 0.01

// Traces draws each trace against times in its own small panel, titled,
// in a grid of cols columns, with an overall title and axis labels on the
// panels of the bottom row and left column. With shared, every panel has
// the y range of all traces (amplitudes compare across panels); otherwise
// each panel spans its own trace, but at least minSpan, so that a flat
// trace is not blown up into rounding noise.
func Traces(path, title string, times []float64, traces []Trace, cols int, xlabel, ylabel string, size vg.Length, shared bool) error {
	if len(traces) == 0 || len(times) == 0 {
		return fmt.Errorf("hexplot: %d traces of %d times", len(traces), len(times))
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, tr := range traces {
		if len(tr.Y) != len(times) {
			return fmt.Errorf("hexplot: trace %q has %d values for %d times", tr.Title, len(tr.Y), len(times))
		}
		l, h, err := valueRange(tr.Title, tr.Y)
		if err != nil {
			return err
		}
		lo, hi = min(lo, l), max(hi, h)
	}
	for _, t := range times {
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return fmt.Errorf("hexplot: time %v", t)
		}
	}
	if hi == lo {
		lo, hi = lo-0.5, hi+0.5
	}
	pad := 0.05 * (hi - lo)
	grid, cols := newGrid(len(traces), cols)
	rows := len(grid)
	for k, tr := range traces {
		p := gplot.New()
		p.Title.Text = tr.Title
		p.Title.TextStyle.Font.Size = vg.Points(9)
		xy := make(plotter.XYs, len(times))
		for i, t := range times {
			xy[i] = plotter.XY{X: t, Y: float64(tr.Y[i])}
		}
		l, err := plotter.NewLine(xy)
		if err != nil {
			return fmt.Errorf("hexplot: trace %q: %w", tr.Title, err)
		}
		l.Width = vg.Points(1.2)
		p.Add(l)
		p.Y.Min, p.Y.Max = lo-pad, hi+pad
		if !shared {
			l, h, _ := valueRange(tr.Title, tr.Y)
			if h-l < minSpan {
				m := (l + h) / 2
				l, h = m-minSpan/2, m+minSpan/2
			}
			p.Y.Min, p.Y.Max = l-0.05*(h-l), h+0.05*(h-l)
		}
		p.X.Min, p.X.Max = times[0], times[len(times)-1]
		p.X.Tick.Label.Font.Size = vg.Points(7)
		p.Y.Tick.Label.Font.Size = vg.Points(7)
		p.Y.Tick.Marker = distinctTicks{}
		r, c := k/cols, k%cols
		if r == rows-1 || k+cols >= len(traces) {
			p.X.Label.Text = xlabel
		}
		if c == 0 {
			p.Y.Label.Text = ylabel
		}
		grid[r][c] = p
	}
	tiles := draw.Tiles{PadX: vg.Millimeter * 2, PadY: vg.Millimeter * 2,
		PadTop: vg.Millimeter, PadBottom: vg.Millimeter, PadLeft: vg.Millimeter, PadRight: vg.Millimeter * 2}
	return saveGrid(path, title, grid, size, 0.75, tiles)
}

// newGrid returns an empty grid for n panels in at most cols columns (at
// least one), and the number of columns it has.
func newGrid(n, cols int) ([][]*gplot.Plot, int) {
	cols = max(1, min(cols, n))
	grid := make([][]*gplot.Plot, (n+cols-1)/cols)
	for r := range grid {
		grid[r] = make([]*gplot.Plot, cols)
	}
	return grid, cols
}

// saveGrid draws the plots of grid, each in a panel size wide and
// size·aspect high laid out with the paddings of tiles, under title (none
// when ""), and writes the image to path as a PNG.
func saveGrid(path, title string, grid [][]*gplot.Plot, size vg.Length, aspect float64, tiles draw.Tiles) error {
	rows, cols := len(grid), len(grid[0])
	head := vg.Length(0)
	if title != "" {
		head = vg.Inch / 2
	}
	w, h := size*vg.Length(cols), size*vg.Length(rows)*vg.Length(aspect)+head
	img := vgimg.New(w, h)
	dc := draw.New(img)
	if title != "" {
		drawTitle(&dc, title, w/2, h-head/2)
		dc.Max.Y -= head
	}
	tiles.Rows, tiles.Cols = rows, cols
	canvases := gplot.Align(grid, tiles, dc)
	for r := range grid {
		for c := range grid[r] {
			if grid[r][c] != nil {
				grid[r][c].Draw(canvases[r][c])
			}
		}
	}
	return writePNG(path, img)
}

func writePNG(path string, img *vgimg.Canvas) error {
	c := vgimg.PngCanvas{Canvas: img}
	return atomic.WriteFile(path, func(w io.Writer) error {
		_, err := c.WriteTo(w)
		return err
	})
}

// drawTitle writes title centred at (x, y).
func drawTitle(dc *draw.Canvas, title string, x, y vg.Length) {
	f := gplot.DefaultFont
	f.Size = vg.Points(14)
	sty := draw.TextStyle{Color: color.Black, Font: f, XAlign: draw.XCenter, YAlign: draw.YCenter, Handler: gplot.DefaultTextHandler}
	dc.FillText(sty, vg.Point{X: x, Y: y}, title)
}

// distinctTicks are gonum's default ticks with labels given as many
// significant digits as it takes to tell every labelled tick apart (a
// narrow range around 1.18 gets 1.176, 1.18, 1.184, not 1.18 twice).
type distinctTicks struct{}

func (distinctTicks) Ticks(lo, hi float64) []gplot.Tick {
	ts := gplot.DefaultTicks{}.Ticks(lo, hi)
	for prec := 2; prec <= 8; prec++ {
		seen := map[string]bool{}
		unique := true
		for i := range ts {
			if ts[i].Label == "" {
				continue
			}
			l := strconv.FormatFloat(ts[i].Value, 'g', prec, 64)
			unique = unique && !seen[l]
			seen[l] = true
		}
		if unique {
			for i := range ts {
				if ts[i].Label != "" {
					ts[i].Label = strconv.FormatFloat(ts[i].Value, 'g', prec, 64)
				}
			}
			return ts
		}
	}
	return ts
}
