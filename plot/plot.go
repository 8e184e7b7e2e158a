package plot

import (
	"fmt"
	"image"
	"image/color"
	"io"
	"math"
	"strconv"

	"github.com/neuropil/neuropil/internal/atomic"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// inferno holds eleven evenly spaced colours of matplotlib's "inferno"
// colour map (van der Walt & Smith), between which Inferno interpolates.
var inferno = [...][3]uint8{
	{0x00, 0x00, 0x04}, {0x16, 0x0b, 0x39}, {0x42, 0x0a, 0x68}, {0x6a, 0x17, 0x6e},
	{0x93, 0x26, 0x67}, {0xbc, 0x37, 0x54}, {0xdd, 0x51, 0x3a}, {0xf3, 0x78, 0x19},
	{0xfc, 0xa5, 0x0a}, {0xf6, 0xd7, 0x46}, {0xfc, 0xff, 0xa4},
}

// Inferno returns the inferno colour at v in [0, 1] (clamped).
func Inferno(v float64) color.RGBA {
	v = max(0, min(1, v))
	x := v * float64(len(inferno)-1)
	i := min(int(x), len(inferno)-2)
	f := x - float64(i)
	c := func(k int) uint8 {
		return uint8(math.Round(float64(inferno[i][k])*(1-f) + float64(inferno[i+1][k])*f))
	}
	return color.RGBA{c(0), c(1), c(2), 255}
}

// Heatmap describes a heat map: a rows×cols block (row-major) drawn with
// row 0 at the top, as matplotlib's imshow does, in the inferno colour map
// scaled from the block's minimum to its maximum, with ticks at the first
// and last index, a title and a colour bar labelled with the values' unit.
type Heatmap struct {
	Title, XLabel, YLabel string
	Unit                  string    // label of the colour bar, e.g. "|weight| (synapse counts)"
	Block                 []float32 // [rows][cols]
	Rows, Cols            int
}

// Save writes the heat map as a PNG size inches wide.
func (h Heatmap) Save(path string, size vg.Length) error {
	rows, cols, block := h.Rows, h.Cols, h.Block
	if rows < 1 || cols < 1 || len(block) != rows*cols {
		return fmt.Errorf("plot: heat map of %d values cannot be %d×%d", len(block), rows, cols)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range block {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("plot: heat map holds %v", v)
		}
		lo, hi = min(lo, float64(v)), max(hi, float64(v))
	}
	// Each cell is a square of sc×sc pixels, so that the renderer's
	// smoothing cannot blur cells into each other.
	sc := max(1, 600/max(rows, cols))
	img := image.NewRGBA(image.Rect(0, 0, cols*sc, rows*sc))
	for i := 0; i < rows*sc; i++ {
		for j := 0; j < cols*sc; j++ {
			v := 0.0
			if hi > lo {
				v = (float64(block[(i/sc)*cols+j/sc]) - lo) / (hi - lo)
			}
			img.SetRGBA(j, i, Inferno(v))
		}
	}
	p := gplot.New()
	p.Title.Text = h.Title
	p.Title.TextStyle.Font.Size = vg.Points(16)
	p.X.Label.Text, p.Y.Label.Text = h.XLabel, h.YLabel
	p.X.Label.TextStyle.Font.Size = vg.Points(18)
	p.Y.Label.TextStyle.Font.Size = vg.Points(18)
	p.Add(plotter.NewImage(img, -0.5, -0.5, float64(cols)-0.5, float64(rows)-0.5))
	p.X.Min, p.X.Max = -0.5, float64(cols)-0.5
	p.Y.Min, p.Y.Max = -0.5, float64(rows)-0.5
	p.X.Tick.Marker = fixedTicks{{Value: 0, Label: "0"}, {Value: float64(cols - 1), Label: strconv.Itoa(cols - 1)}}
	// The image's top row is row 0: label y positions from the top.
	p.Y.Tick.Marker = fixedTicks{{Value: float64(rows - 1), Label: "0"}, {Value: 0, Label: strconv.Itoa(rows - 1)}}
	bar := ColorBar(lo, hi, h.Unit)
	barWidth := size / 6
	c := vgimg.PngCanvas{Canvas: vgimg.New(size+barWidth, size)}
	dc := draw.New(c)
	p.Draw(draw.Crop(dc, 0, -barWidth, 0, 0))
	// The bar spans the heat map's height: below its x axis, above its
	// title's line.
	bar.Draw(draw.Crop(dc, size, 0, vg.Points(46), -vg.Points(28)))
	return atomic.WriteFile(path, func(wr io.Writer) error {
		_, err := c.WriteTo(wr)
		return err
	})
}

// ColorBar returns a vertical inferno colour bar from lo to hi with the
// value axis on its right, labelled unit.
func ColorBar(lo, hi float64, unit string) *gplot.Plot {
	if !(hi > lo) {
		hi = lo + 1
	}
	const steps = 256
	img := image.NewRGBA(image.Rect(0, 0, 1, steps))
	for i := 0; i < steps; i++ {
		img.SetRGBA(0, steps-1-i, Inferno(float64(i)/(steps-1)))
	}
	p := gplot.New()
	p.Add(plotter.NewImage(img, 0, lo, 1, hi))
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, lo, hi
	p.HideX()
	p.Y.Label.Text = unit
	p.Y.Label.TextStyle.Font.Size = vg.Points(12)
	return p
}

type fixedTicks []gplot.Tick

func (t fixedTicks) Ticks(min, max float64) []gplot.Tick { return t }

// Series is one line of a line plot.
type Series struct {
	Label  string // legend entry; "" for none
	X, Y   []float64
	Marker bool // mark each point (a line joins them when there are several)
}

// tab10 is matplotlib's default colour cycle.
var tab10 = []color.RGBA{
	{0x1f, 0x77, 0xb4, 255}, {0xff, 0x7f, 0x0e, 255}, {0x2c, 0xa0, 0x2c, 255}, {0xd6, 0x27, 0x28, 255},
	{0x94, 0x67, 0xbd, 255}, {0x8c, 0x56, 0x4b, 255}, {0xe3, 0x77, 0xc2, 255}, {0x7f, 0x7f, 0x7f, 255},
	{0xbc, 0xbd, 0x22, 255}, {0x17, 0xbe, 0xcf, 255},
}

// Lines draws the series as lines in matplotlib's default colours and
// writes a width×height PNG.
func Lines(path, title, xlabel, ylabel string, series []Series, width, height vg.Length) error {
	p, err := Panel{Title: title, XLabel: xlabel, YLabel: ylabel, Series: series}.plot()
	if err != nil {
		return err
	}
	return save(path, p, width, height)
}

// Panel is one line plot of a figure of several (Stack).
type Panel struct {
	Title, XLabel, YLabel string
	Series                []Series
	LegendBottom          bool     // the legend at the bottom right instead of the top right (for rising curves)
	XCategories           []string // names of x = 0, 1, ...: a tick each, written vertically (cell types, say)
}

// plot builds the panel's plot: lines in matplotlib's default colours,
// markers where asked, a legend when a series has a label.
func (pn Panel) plot() (*gplot.Plot, error) {
	if len(pn.Series) == 0 {
		return nil, fmt.Errorf("plot: no series to draw")
	}
	p := gplot.New()
	p.Title.Text = pn.Title
	p.X.Label.Text, p.Y.Label.Text = pn.XLabel, pn.YLabel
	p.X.Label.TextStyle.Font.Size = vg.Points(18)
	p.Y.Label.TextStyle.Font.Size = vg.Points(18)
	legend, labels := false, 0
	for k, s := range pn.Series {
		if len(s.X) != len(s.Y) || len(s.X) == 0 {
			return nil, fmt.Errorf("plot: series %d has %d x and %d y values", k, len(s.X), len(s.Y))
		}
		xy := make(plotter.XYs, len(s.X))
		for i := range s.X {
			if math.IsNaN(s.X[i]) || math.IsNaN(s.Y[i]) || math.IsInf(s.Y[i], 0) {
				return nil, fmt.Errorf("plot: series %d holds a non-finite value at %d", k, i)
			}
			xy[i].X, xy[i].Y = s.X[i], s.Y[i]
		}
		col := tab10[k%len(tab10)]
		var thumbs []gplot.Thumbnailer
		if len(xy) > 1 || !s.Marker {
			l, err := plotter.NewLine(xy)
			if err != nil {
				return nil, fmt.Errorf("plot: %w", err)
			}
			l.Color = col
			l.Width = vg.Points(1.5)
			p.Add(l)
			thumbs = append(thumbs, l)
		}
		if s.Marker {
			sc, err := plotter.NewScatter(xy)
			if err != nil {
				return nil, fmt.Errorf("plot: %w", err)
			}
			sc.GlyphStyle = draw.GlyphStyle{Color: col, Radius: vg.Points(4), Shape: draw.CircleGlyph{}}
			p.Add(sc)
			thumbs = append(thumbs, sc)
		}
		if s.Label != "" {
			p.Legend.Add(s.Label, thumbs...)
			legend, labels = true, labels+1
		}
	}
	if legend {
		p.Legend.Top = !pn.LegendBottom
		p.Legend.Padding = vg.Points(4) // the markers are taller than the text
		// room for the legend above (below) the data: it must not hide them
		room := 0.12 * float64(labels) // of the data's span, per entry
		if span := p.Y.Max - p.Y.Min; span > 0 {
			if p.Legend.Top {
				p.Y.Max += room * span
			} else {
				p.Y.Min -= room * span
			}
		}
	}
	if len(pn.XCategories) > 0 {
		ticks := make(fixedTicks, len(pn.XCategories))
		for i, name := range pn.XCategories {
			ticks[i] = gplot.Tick{Value: float64(i), Label: name}
		}
		p.X.Tick.Marker = ticks
		p.X.Tick.Label.Rotation = math.Pi / 2
		p.X.Tick.Label.XAlign, p.X.Tick.Label.YAlign = draw.XRight, draw.YCenter
		p.X.Tick.Label.Font.Size = vg.Points(8)
		p.X.Min, p.X.Max = -0.5, float64(len(pn.XCategories))-0.5
	}
	return p, nil
}

// Stack draws the panels one above the other, each width×height, under a
// title, and writes a PNG.
func Stack(path, title string, panels []Panel, width, height vg.Length) error {
	plots := make([][]*gplot.Plot, len(panels))
	for i, pn := range panels {
		p, err := pn.plot()
		if err != nil {
			return err
		}
		plots[i] = []*gplot.Plot{p}
	}
	head := vg.Length(0)
	if title != "" {
		head = vg.Points(30)
	}
	total := height*vg.Length(len(panels)) + head
	c := vgimg.PngCanvas{Canvas: vgimg.New(width, total)}
	dc := draw.New(c)
	if title != "" {
		f := gplot.DefaultFont
		f.Size = vg.Points(16)
		sty := draw.TextStyle{Color: color.Black, Font: f, XAlign: draw.XCenter, YAlign: draw.YCenter, Handler: gplot.DefaultTextHandler}
		dc.FillText(sty, vg.Point{X: width / 2, Y: total - head/2}, title)
		dc.Max.Y -= head
	}
	dc = draw.Crop(dc, 0, -vg.Points(14), 0, 0)
	tiles := draw.Tiles{Rows: len(panels), Cols: 1, PadY: vg.Points(10), PadBottom: vg.Points(4)}
	canvases := gplot.Align(plots, tiles, dc)
	for i := range plots {
		plots[i][0].Draw(canvases[i][0])
	}
	return atomic.WriteFile(path, func(wr io.Writer) error {
		_, err := c.WriteTo(wr)
		return err
	})
}

// save writes p as a w×h PNG, with a margin on the right so that the
// label of the last x tick is not cut off at the edge.
func save(path string, p *gplot.Plot, w, h vg.Length) error {
	c := vgimg.PngCanvas{Canvas: vgimg.New(w, h)}
	p.Draw(draw.Crop(draw.New(c), 0, -vg.Points(14), 0, -vg.Points(6)))
	return atomic.WriteFile(path, func(wr io.Writer) error {
		_, err := c.WriteTo(wr)
		return err
	})
}
