package analysis

import (
	"fmt"
	"math"
	"strconv"
)

// Geometry of flyvis's HexEye(721, 25) as MovingEdge renders with it: a
// monitor of 31 ommatidia of 25 pixels, the edge 80 LEDs wide and high.
const (
	monitorPx   = 775 // pixels per side
	pxPerOmm    = 25
	edgeLEDs    = 80
	hexExtent   = 15
	hexEdgeDist = 12.5 // (dist_w + dist_h)/4
)

// hexPixels returns, per column of Columns(15) (flyvis's hexal order: q =
// u ascending, then r = v), the monitor pixels (row·775 + col) that
// flyvis's HexEye(721, 25) puts inside the hexagon centred at column
// 387 + 25v, row 387 + 25(u + v/2), as its is_inside_hex decides it in
// float16 (HexEye's dtype): the six vertices rotated from
// (2/√3·12.5, 0) by 60° in turn (the rotation a float16 matrix product,
// each coordinate one float32 sum of two exact products rounded once to
// float16, as PyTorch's half matmul on the GPU and on newer CPUs
// accumulates), a pixel inside when it lies on the centre's side of every
// edge line (on a line: outside), every addition, subtraction,
// multiplication and division of the test rounded to float16 (Half). The
// centres and pixel coordinates are exact in float16. In float64 the
// hexagons would differ in a few hundred pixels, and the columns by up to
// 0.0063.
func hexPixels() [][]int32 {
	pi := Half(math.Pi)
	c, s := Half(math.Cos(Half(pi/3))), Half(math.Sin(Half(pi/3)))
	var vx, vy [7]float64
	vx[0] = Half(2 / math.Sqrt(3) * hexEdgeDist)
	for i := 1; i < 7; i++ {
		x, y := vx[i-1], vy[i-1]
		vx[i], vy[i] = Half(c*x+(-s)*y), Half(s*x+c*y)
	}
	var out [][]int32
	for u := -hexExtent; u <= hexExtent; u++ {
		for v := max(-hexExtent, -hexExtent-u); v <= min(hexExtent, hexExtent-u); v++ {
			xc := float64(pxPerOmm*v + monitorPx/2)
			yc := pxPerOmm*(float64(u)+float64(v)/2) + monitorPx/2
			e := newHexEdges(&vx, &vy, xc, yc)
			var pix []int32
			r0, c0 := int(yc)-16, int(xc)-16
			for row := max(r0, 0); row < min(r0+34, monitorPx); row++ {
				for col := max(c0, 0); col < min(c0+34, monitorPx); col++ {
					if e.inside(float64(col), float64(row)) {
						pix = append(pix, int32(row*monitorPx+col))
					}
				}
			}
			out = append(out, pix)
		}
	}
	return out
}

// hexEdges are the six edge lines of one hexagon as is_inside_hex tests
// them in float16: through (x1, y1) with the given slope, the centre on
// the side of sign side.
type hexEdges struct {
	x1, y1, slope [6]float64
	side          [6]int
}

// newHexEdges returns the edges of the hexagon of centre (xc, yc) and
// vertices (vx, vy) relative to it.
func newHexEdges(vx, vy *[7]float64, xc, yc float64) *hexEdges {
	e := &hexEdges{}
	for i := range 6 {
		x1, y1 := Half(vx[i]+xc), Half(vy[i]+yc)
		x2, y2 := Half(vx[i+1]+xc), Half(vy[i+1]+yc)
		e.x1[i], e.y1[i] = x1, y1
		e.slope[i] = Half(Half(y2-y1) / Half(x2-x1))
		e.side[i] = sign(Half(Half(y1+Half(e.slope[i]*Half(xc-x1))) - yc))
	}
	return e
}

// inside reports whether pixel (px, py) lies on the centre's side of
// every edge (on a line: outside), in float16.
func (e *hexEdges) inside(px, py float64) bool {
	for i := range 6 {
		if sign(Half(Half(e.y1[i]+Half(e.slope[i]*Half(px-e.x1[i])))-py)) != e.side[i] {
			return false
		}
	}
	return true
}

func sign(x float64) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// edgeImage is one unrotated monitor image of render_bars_cartesian for
// an edge at offset LEDs: the bar covers the full height (80 LEDs) and the
// pixel columns [lo, hi), the rest is grey 0.5, so a pixel's value
// depends on its column only.
type edgeImage struct {
	lo, hi               int
	intensity, bg        float64
	intensityU8, bgU8    float64 // uint8(255·value), as rotate_image stores them
	cos, sin, c, f, half float64 // PIL's affine matrix (a, b, c, d=-b, e=a, f)
	angle                int     // degrees mod 360
	pad, n               int     // edge padding and side of the padded image
}

func newEdgeImage(angle float64, intensity float64, offset int) *edgeImage {
	led, omm := 2.25*(math.Pi/180), 5.8*(math.Pi/180)
	widthPx := int(edgeLEDs * led / omm * pxPerOmm)
	locH := int(monitorPx * (0 + float64(offset)*led) / (180 * (math.Pi / 180)))
	locW := int(float64(locH) - float64(widthPx)/2)
	e := &edgeImage{lo: max(locW, 0), hi: min(locW+widthPx+1, monitorPx), intensity: intensity, bg: Baseline}
	bg := Baseline
	e.intensityU8, e.bgU8 = float64(uint8(255*intensity)), float64(uint8(255*bg))
	diag := int(math.Sqrt(2 * monitorPx * monitorPx))
	e.pad = (diag - monitorPx) / 2
	e.n = monitorPx + 2*e.pad
	e.angle = int(math.Mod(math.Mod(angle, 360)+360, 360))
	r := -angle * math.Pi / 180
	e.cos, e.sin = round15(math.Cos(r)), round15(math.Sin(r))
	e.half = float64(e.n) / 2
	e.c = e.cos*-e.half + e.sin*-e.half + 0 + e.half
	e.f = -e.sin*-e.half + e.cos*-e.half + 0 + e.half
	return e
}

// round15 is Python's round(x, 15).
func round15(x float64) float64 {
	y, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', 15, 64), 64)
	return y
}

// u8 is the padded uint8 image at padded column x (edge padding).
func (e *edgeImage) u8(x int) float64 {
	c := min(max(x-e.pad, 0), monitorPx-1)
	if c >= e.lo && c < e.hi {
		return e.intensityU8
	}
	return e.bgU8
}

// at is the rotated image at monitor pixel (row, col), as rotate_image
// returns it: PIL's Image.rotate(angle, BILINEAR) of the padded uint8
// image (transposes at 90, 180, 270), over 255.
func (e *edgeImage) at(row, col int) float64 {
	n := e.n
	R, C := row+e.pad, col+e.pad
	switch e.angle {
	case 0:
		if col >= e.lo && col < e.hi {
			return e.intensity
		}
		return e.bg
	case 90: // np.rot90(img, 1)[R, C] = img[C, n-1-R]
		return e.u8(n-1-R) / 255
	case 180:
		return e.u8(n-1-C) / 255
	case 270:
		return e.u8(R) / 255
	}
	X, Y := float64(C)+0.5, float64(R)+0.5
	xin := e.cos*X + e.sin*Y + e.c
	yin := -e.sin*X + e.cos*Y + e.f
	fn := float64(n)
	if xin < 0 || xin >= fn || yin < 0 || yin >= fn {
		return 0
	}
	xin, yin = xin-0.5, yin-0.5
	x, y := pilFloor(xin), pilFloor(yin)
	dx, dy := xin-float64(x), yin-float64(y)
	a, b := e.u8(min(max(x, 0), n-1)), e.u8(min(max(x+1, 0), n-1))
	v1 := a + (b-a)*dx
	v2 := v1
	if y+1 >= 0 && y+1 < n {
		v2 = a + (b-a)*dx // rows are alike: the image depends on the column only
	}
	v1 = v1 + (v2-v1)*dy
	return float64(uint8(v1)) / 255
}

// pilFloor is PIL's FLOOR: floor for negatives, truncation otherwise.
func pilFloor(x float64) int {
	if x < 0 {
		return int(math.Floor(x))
	}
	return int(x)
}

// EdgeFrames renders flyvis's MovingEdge frames (RenderedOffsets with
// width and height 80 LEDs, bar_loc_horizontal 0, grey 0.5) for one
// direction angle (degrees) and intensity: one frame per offset in
// [EdgeStart, EdgeEnd), each [721] columns in Columns(15) order, the mean
// of the monitor pixels in each hexagon (pix: hexPixels, flyvis's float16
// hexagons). It matches a NumPy reimplementation of flyvis's rendering
// (PIL's rotation, which it reproduces exactly, and the float16 hexagons
// included; testdata/gen/moving_edge_render.py) exactly.
func EdgeFrames(pix [][]int32, angle, intensity float64) [][]float64 {
	var out [][]float64
	for off := EdgeStart; off < EdgeEnd; off++ {
		e := newEdgeImage(angle, intensity, off)
		cols := make([]float64, len(pix))
		for k, p := range pix {
			sum := 0.0
			for _, q := range p {
				sum += e.at(int(q)/monitorPx, int(q)%monitorPx)
			}
			cols[k] = sum / float64(len(p))
		}
		out = append(out, cols)
	}
	return out
}

// ResampleIndices is flyvis's resample: torch.linspace(0, offsets−1, n)
// in float32, truncated to integers (frame i shows offset index[i]).
func ResampleIndices(offsets, n int) []int {
	idx := make([]int, n)
	if n == 1 {
		return idx
	}
	start, end := float32(0), float32(offsets-1)
	step := (end - start) / float32(n-1)
	for i := range idx {
		var v float32
		if i < n/2 {
			v = start + step*float32(i)
		} else {
			v = end - step*float32(n-i-1)
		}
		idx[i] = int(v)
	}
	return idx
}

// EdgeTStim is flyvis's t_stim for a speed (columns/s): the time the edge
// takes over the offsets, len(offsets)·2.25°/(speed·5.8°).
func EdgeTStim(speed float64) float64 {
	return float64(EdgeEnd-EdgeStart) * (LEDDegrees * (math.Pi / 180)) / (speed * (ColumnDegrees * (math.Pi / 180)))
}

// edgeSequence returns the frame indices of one speed's sequence, -1 for
// grey: int((t_stim + t_pre)/dt) frames with the resampled offsets at the
// end, then the last offset repeated up to int((t_stim + t_pre +
// t_post)/dt) frames (flyvis's pad, "continue").
func edgeSequence(speed, tPre, tPost, dt float64) ([]int, error) {
	t := EdgeTStim(speed)
	idx := ResampleIndices(EdgeEnd-EdgeStart, int(t/dt))
	nPre := int((t+tPre)/dt) - len(idx)
	nAll := int((t + tPre + tPost) / dt)
	if len(idx) == 0 || nPre < 0 || nAll > 1e7 {
		return nil, fmt.Errorf("analysis: moving edge at %g columns/s: %d frames at dt %g", speed, len(idx), dt)
	}
	seq := make([]int, 0, nAll)
	for range nPre {
		seq = append(seq, -1)
	}
	seq = append(seq, idx...)
	for len(seq) < nAll {
		seq = append(seq, idx[len(idx)-1])
	}
	return seq, nil
}
