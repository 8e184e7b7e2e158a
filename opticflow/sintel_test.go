package opticflow

import (
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/flo"
	"github.com/neuropil/neuropil/opticlobe"
)

// The tiny Sintel of these tests: frames of tinyW×tinyH pixels, an eye of
// extent 2 and kernel 3 (13×13 pixels, splits 19 wide: every box lies
// inside its split), movies of tinyFrames Sintel frames, resampled to
// ceil(50/24·5) = 11 frames at 0.02 s.
const (
	tinyW, tinyH = 64, 48
	tinyFrames   = 5
	tinyOut      = 11
	tinyKernel   = 3
	tinyExtent   = 2
)

// tinyFlow is a scene's flow field t (from frame t+1 to t+2, 1-based):
// the constant (u, v) pixels.
type tinyFlow func(t int) (u, v float32)

// writeScene writes a scene of n frames into dir (training/final/name and
// training/flow/name): frame i (0-based) has the uniform grey i·10/255, or
// noise when noisy; flow field t is flow(t).
func writeScene(t testing.TB, dir, name string, n int, flow tinyFlow) {
	t.Helper()
	fd, ld := filepath.Join(dir, "training", "final", name), filepath.Join(dir, "training", "flow", name)
	for _, d := range []string{fd, ld} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for i := range n {
		img := image.NewRGBA(image.Rect(0, 0, tinyW, tinyH))
		for p := range tinyW * tinyH {
			img.Set(p%tinyW, p/tinyW, color.RGBA{uint8(10 * i), uint8(10 * i), uint8(10 * i), 255})
		}
		writePNG(t, filepath.Join(fd, "frame_"+pad4(i+1)+".png"), img)
		if i == n-1 {
			break
		}
		u, v := flow(i)
		f := &flo.Flow{W: tinyW, H: tinyH, UV: make([]float32, 2*tinyW*tinyH)}
		for p := 0; p < len(f.UV); p += 2 {
			f.UV[p], f.UV[p+1] = u, v
		}
		if err := flo.WriteFile(filepath.Join(ld, "frame_"+pad4(i+1)+".flo"), f); err != nil {
			t.Fatal(err)
		}
	}
}

func pad4(i int) string { return strings.Repeat("0", 4-len(strconv.Itoa(i))) + strconv.Itoa(i) }

func writePNG(t testing.TB, path string, img image.Image) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// tinySintel writes scenes a … with 8 frames each and the given flow and
// returns the directory.
func tinySintel(t testing.TB, scenes int, flow tinyFlow) string {
	dir := t.TempDir()
	for k := range scenes {
		writeScene(t, dir, string(rune('a'+k))+"_1", 8, flow)
	}
	return dir
}

func tinyConfig(dir string) SintelConfig {
	return SintelConfig{Dir: dir, Extent: tinyExtent, Kernel: tinyKernel, Frames: tinyFrames, Split: "folds", Seed: 3}
}

func constFlow(t int) (float32, float32) { return 2, -1.5 }

// A constant flow of (2, −1.5) pixels per frame reaches every column as
// flyvis's units: summed over the 3×3 box, divided by the height, y up.
func TestSintelConstantFlow(t *testing.T) {
	s, err := NewSintel(tinyConfig(tinySintel(t, 4, constFlow)))
	if err != nil {
		t.Fatal(err)
	}
	if c := s.Config(); c.Frames != tinyOut || c.Dt != 0.02 || s.Columns() != opticlobe.ColumnCount(tinyExtent) {
		t.Fatalf("config %+v, %d columns", c, s.Columns())
	}
	nc, b := s.Columns(), 3
	x, v := make([]float32, tinyOut*b*nc), make([]float32, tinyOut*b*2*nc)
	wantU, wantV := 9*2.0/tinyH, 9*1.5/tinyH
	turned := 0 // training movies whose flow was flipped or rotated
	for _, split := range []Split{Validation, Train, Train, Train} {
		s.Batch(x, v, split, turned)
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
		for f := range tinyOut {
			for m := range b {
				u, w := v[((f*b+m)*2)*nc:][:nc], v[((f*b+m)*2+1)*nc:][:nc]
				for c := range nc {
					if split == Validation && (math.Abs(float64(u[c])-wantU) > 1e-6 || math.Abs(float64(w[c])-wantV) > 1e-6) {
						t.Fatalf("frame %d, movie %d, column %d: flow (%v, %v), want (%v, %v)", f, m, c, u[c], w[c], wantU, wantV)
					}
					// flips and rotations turn the vector, not its length
					if n := math.Hypot(float64(u[c]), float64(w[c])); math.Abs(n-math.Hypot(wantU, wantV)) > 1e-6 {
						t.Fatalf("%v frame %d, movie %d, column %d: |flow| %v, want %v", split, f, m, c, n, math.Hypot(wantU, wantV))
					}
				}
				if split == Train && f == 0 && math.Abs(float64(u[0])-wantU) > 1e-6 {
					turned++
				}
			}
		}
	}
	// p_flip = p_rot = 1/2: 3/4 of the movies turned
	t.Logf("turned %d", turned)
	if turned < 3 || turned > 8 {
		t.Errorf("%d of 9 training movies flipped or rotated", turned)
	}
}

// Frames are Sintel's frames 2 … in order, resampled nearest-exact; the
// flow is interpolated linearly (align_corners) between the fields.
func TestSintelTime(t *testing.T) {
	dir := tinySintel(t, 4, func(t int) (float32, float32) { return float32(t + 1), 0 })
	s, err := NewSintel(tinyConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	nc := s.Columns()
	x, v := make([]float32, tinyOut*nc), make([]float32, tinyOut*2*nc)
	s.Batch(x, v, Validation, 1)
	for o := range tinyOut {
		src := int((float64(o) + 0.5) * tinyFrames / tinyOut)
		// the movie starts at Sintel's second frame (0-based 1), grey 10/255
		if want := float32(10*(src+1)) / 255; math.Abs(float64(x[o*nc]-want)) > 1e-6 {
			t.Errorf("frame %d: %v, want frame %d's %v", o, x[o*nc], src+1, want)
		}
		pos := float64(o) * (tinyFrames - 1) / (tinyOut - 1)
		if want := 9 * (pos + 1) / tinyH; math.Abs(float64(v[o*2*nc])-want) > 1e-5 {
			t.Errorf("flow %d: %v, want %v", o, v[o*2*nc], want)
		}
	}
}

// The splits of a Sintel frame (1024 wide) are flyvis's: a crop of 716
// from column 154, three splits of 417 at 0, 149 and 298.
func TestSintelSplitWindows(t *testing.T) {
	s := &Sintel{cfg: SintelConfig{}.withDefaults(), eye: opticlobe.NewEye(15, 13)}
	lo, starts, width, err := s.splitWindows(1024)
	if err != nil || lo != 154 || !slices.Equal(starts, []int{0, 149, 298}) || width != 417 {
		t.Errorf("splitWindows(1024) = %d, %v, %d, %v", lo, starts, width, err)
	}
	if _, _, _, err := s.splitWindows(500); err == nil {
		t.Error("a frame 500 wide (crop 350 < 417): no error")
	}
}

// The training stream is deterministic for a seed, depends on it, and
// its augmentations change the frames; validation is not augmented.
func TestSintelDeterministic(t *testing.T) {
	dir := tinySintel(t, 4, constFlow)
	batch := func(seed uint64, split Split, cache int) ([]float32, []float32) {
		c := tinyConfig(dir)
		c.Seed, c.CacheBytes = seed, cache
		s, err := NewSintel(c)
		if err != nil {
			t.Fatal(err)
		}
		nc := s.Columns()
		x, v := make([]float32, tinyOut*4*nc), make([]float32, tinyOut*4*2*nc)
		s.Batch(x, v, split, 5)
		s.Batch(x, v, split, 5) // again, from the cache
		return x, v
	}
	x1, v1 := batch(7, Train, 0)
	x2, v2 := batch(7, Train, 1) // a cache of one scene
	x3, _ := batch(8, Train, 0)
	if !slices.Equal(x1, x2) || !slices.Equal(v1, v2) {
		t.Error("the same seed gave different batches")
	}
	if slices.Equal(x1, x3) {
		t.Error("seeds 7 and 8 gave the same batch")
	}
	xv1, _ := batch(7, Validation, 0)
	xv2, _ := batch(8, Validation, 0)
	if !slices.Equal(xv1, xv2) {
		t.Error("validation movies depend on the seed")
	}
	greyLevels := func(x []float32) bool {
		for _, val := range x {
			if math.Abs(float64(val)*255-math.Round(float64(val)*255)) > 1e-4 {
				return false
			}
		}
		return true
	}
	if !greyLevels(xv1) {
		t.Error("validation frames are not the files' grey levels: augmented?")
	}
	if greyLevels(x1) {
		t.Error("training frames are the files' grey levels: not augmented")
	}
	// noise of std 0.08 times a contrast near 1 across the uniform frames' columns
	nc := opticlobe.ColumnCount(tinyExtent)
	var sd float64
	for f := range tinyOut * 4 {
		var m, m2 float64
		for _, val := range x1[f*nc : (f+1)*nc] {
			m, m2 = m+float64(val), m2+float64(val)*float64(val)
		}
		m /= float64(nc)
		sd += math.Sqrt(m2/float64(nc)-m*m) / float64(tinyOut*4)
	}
	t.Logf("spread %v", sd)
	if sd < 0.04 || sd > 0.12 {
		t.Errorf("training frames' spread over the columns %v, want about 0.08", sd)
	}
}

// The folds' validation movies partition the movies; the training movies
// are the rest.
func TestSintelFolds(t *testing.T) {
	dir := tinySintel(t, 5, constFlow) // 15 movies: folds of 4, 4, 4, 3
	seen := map[int]int{}
	for k := range 4 {
		c := tinyConfig(dir)
		c.Fold = k
		s, err := NewSintel(c)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.train)+len(s.val) != 15 || len(s.val) != []int{4, 4, 4, 3}[k] {
			t.Errorf("fold %d: %d training, %d validation movies", k, len(s.train), len(s.val))
		}
		for _, q := range s.val {
			seen[q]++
			if slices.Contains(s.train, q) {
				t.Errorf("fold %d: movie %d in both", k, q)
			}
		}
	}
	for q := range 15 {
		if seen[q] != 1 {
			t.Errorf("movie %d in %d validation folds", q, seen[q])
		}
	}
	c := tinyConfig(dir)
	c.Fold = 4
	if _, err := NewSintel(c); err == nil {
		t.Error("fold 4 of 4: no error")
	}
	c.Fold, c.Split = 0, "random"
	if _, err := NewSintel(c); err == nil || !strings.Contains(err.Error(), "known: original, folds") {
		t.Errorf("unknown split: %v", err)
	}
}

// flyvis's original split: 17 training scenes and 6 validation scenes,
// cave_4's second and third splits left out.
func TestSintelOriginalSplit(t *testing.T) {
	dir := t.TempDir()
	names := append(slices.Clone(sintelTrainScenes), sintelValScenes...)
	for _, n := range names {
		writeScene(t, dir, n, 6, constFlow)
	}
	c := tinyConfig(dir)
	c.Split = ""
	s, err := NewSintel(c)
	if err != nil {
		t.Fatal(err)
	}
	if tr, val := s.Movies(); tr != 51 || val != 16 {
		t.Errorf("%d training and %d validation movies, want 51 and 16", tr, val)
	}
	// sorted, cave_4 is scene 12: movies 36, 37, 38 (flyvis drops 37 and 38)
	if !slices.Contains(s.val, 36) || slices.Contains(s.val, 37) || slices.Contains(s.val, 38) || slices.Contains(s.train, 37) {
		t.Errorf("validation movies %v", s.val)
	}
	c.Dir = tinySintel(t, 2, constFlow) // no Sintel names
	if _, err := NewSintel(c); err == nil || !strings.Contains(err.Error(), "0 training") {
		t.Errorf("original split without Sintel's scenes: %v", err)
	}
}

// loadGrey reads a PNG's grey levels as flyvis (PIL convert("L") / 255).
func TestSintelGreyIsPIL(t *testing.T) {
	var want struct {
		H, W int
		Grey []string
	}
	b, err := os.ReadFile("testdata/sintel_grey.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &want); err != nil {
		t.Fatal(err)
	}
	g, h, w, err := loadGrey("testdata/sintel_grey.png")
	if err != nil || h != want.H || w != want.W {
		t.Fatalf("%d×%d, %v", h, w, err)
	}
	for i, s := range want.Grey {
		v, _ := strconv.ParseFloat(s, 32)
		if g[i] != float32(v) {
			t.Errorf("pixel %d: %v, PIL %v", i, g[i], v)
		}
	}
	// the same colours translucent (alpha ignored, as PIL's) and in a palette
	fd, err := os.Open("testdata/sintel_grey.png")
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	src, err := png.Decode(fd)
	if err != nil {
		t.Fatal(err)
	}
	nrgba, pal := image.NewNRGBA(src.Bounds()), image.NewPaletted(src.Bounds(), nil)
	for y := range h {
		for x := range w {
			c := src.At(x, y).(color.RGBA)
			nrgba.SetNRGBA(x, y, color.NRGBA{c.R, c.G, c.B, 100})
			pal.Palette = append(pal.Palette, c)
			pal.SetColorIndex(x, y, uint8(len(pal.Palette)-1))
		}
	}
	for _, m := range []image.Image{nrgba, pal} {
		path := filepath.Join(t.TempDir(), "frame_0001.png")
		writePNG(t, path, m)
		g2, _, _, err := loadGrey(path)
		if err != nil || !slices.Equal(g2, g) {
			t.Errorf("%T: grey %v (%v), want %v", m, g2, err, g)
		}
	}
}

// Bad data is an error naming the file or directory at fault.
func TestSintelBadData(t *testing.T) {
	flowPath := func(dir string) string { return filepath.Join(dir, "training", "flow", "a_1", "frame_0003.flo") }
	framePath := func(dir string) string { return filepath.Join(dir, "training", "final", "a_1", "frame_0004.png") }
	cases := []struct {
		name  string
		spoil func(dir string) string // returns the path the error must name
		want  string
	}{
		{"flo magic", func(d string) string {
			b, _ := os.ReadFile(flowPath(d))
			copy(b, "XXXX")
			os.WriteFile(flowPath(d), b, 0o644)
			return flowPath(d)
		}, "magic"},
		{"flo size", func(d string) string {
			b, _ := os.ReadFile(flowPath(d))
			os.WriteFile(flowPath(d), b[:len(b)-4], 0o644)
			return flowPath(d)
		}, "bytes, but a 64×48 field takes"},
		{"flo of another size", func(d string) string {
			flo.WriteFile(flowPath(d), &flo.Flow{W: 10, H: 48, UV: make([]float32, 960)})
			return flowPath(d)
		}, "flow of 10×48"},
		{"frame of another size", func(d string) string {
			writePNG(t, framePath(d), image.NewGray(image.Rect(0, 0, 60, 48)))
			return framePath(d)
		}, "frame of 60×48"},
		{"png that does not decode", func(d string) string {
			os.WriteFile(framePath(d), []byte("not a png at all"), 0o644)
			return framePath(d)
		}, "not a PNG"},
		{"scene without flow", func(d string) string {
			p := filepath.Join(d, "training", "flow", "a_1")
			os.RemoveAll(p)
			return p
		}, "without flow"},
		{"flow without frames", func(d string) string {
			p := filepath.Join(d, "training", "flow", "z_9")
			os.MkdirAll(p, 0o755)
			return p
		}, "flow without frames"},
		{"missing flow field", func(d string) string {
			os.Remove(flowPath(d))
			return filepath.Join(d, "training", "final", "a_1")
		}, "8 frames and 6 flow fields"},
		{"empty directory", func(d string) string {
			os.RemoveAll(filepath.Join(d, "training"))
			os.MkdirAll(filepath.Join(d, "training", "final"), 0o755)
			return filepath.Join(d, "training", "final")
		}, "no scenes"},
		{"no directory", func(d string) string {
			os.RemoveAll(filepath.Join(d, "training"))
			return filepath.Join(d, "training", "final")
		}, "no such file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := tinySintel(t, 2, constFlow)
			path := c.spoil(dir)
			_, err := NewSintel(tinyConfig(dir))
			if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%v\nwant an error naming %s and saying %q", err, path, c.want)
			}
		})
	}
}

// A PNG whose header is sound but whose pixels are cut short is found
// when its scene is read: Batch leaves zeros and Err names the file.
func TestSintelTruncatedPNG(t *testing.T) {
	dir := tinySintel(t, 2, constFlow)
	var cut string
	for _, sc := range []string{"a_1", "b_1"} {
		p := filepath.Join(dir, "training", "final", sc, "frame_0002.png")
		b, _ := os.ReadFile(p)
		os.WriteFile(p, b[:60], 0o644)
		cut = p
	}
	s, err := NewSintel(tinyConfig(dir))
	if err != nil {
		t.Fatal(err)
	}
	nc := s.Columns()
	x, v := make([]float32, tinyOut*nc), make([]float32, tinyOut*2*nc)
	x[0] = 1
	s.Batch(x, v, Validation, 0)
	if err := SourceErr(s); err == nil || !strings.Contains(err.Error(), filepath.Dir(filepath.Dir(cut))) || !strings.Contains(err.Error(), "does not decode") {
		t.Errorf("Err() = %v, want one naming a cut PNG", err)
	}
	if x[0] != 0 {
		t.Error("the batch was not cleared")
	}
	var d Source = &Data{}
	if SourceErr(d) != nil {
		t.Error("the procedural data has an error")
	}
}

// latticeXY returns flyvis's Cartesian position of each column
// (hex_to_pixel: x = 3v/2, y = −√3(u + v/2), y up).
func latticeXY(extent int) (xs, ys []float64) {
	for _, c := range opticlobe.Columns(extent) {
		xs = append(xs, 1.5*float64(c.V))
		ys = append(ys, -math.Sqrt(3)*(float64(c.U)+float64(c.V)/2))
	}
	return xs, ys
}

// A flip or rotation moves the columns and turns the flow vectors
// together: an expansion field stays itself, a rotation field stays
// itself under rotations and reverses under flips, a uniform field turns
// by M; rotating by 180° twice, or 60° six times, or flipping twice, is
// the identity, and rotations compose.
func TestHexTransform(t *testing.T) {
	const e = 3
	xs, ys := latticeXY(e)
	nc := len(xs)
	field := func(f func(x, y float64) (float64, float64)) []float32 {
		v := make([]float32, 2*nc)
		for c := range nc {
			a, b := f(xs[c], ys[c])
			v[c], v[nc+c] = float32(a), float32(b)
		}
		return v
	}
	expand := field(func(x, y float64) (float64, float64) { return x, y })
	swirl := field(func(x, y float64) (float64, float64) { return -y, x })
	uniform := field(func(x, y float64) (float64, float64) { return 1, 0.25 })
	near := func(a, b []float32, sign float32) bool {
		for i := range a {
			if math.Abs(float64(a[i]-sign*b[i])) > 1e-5 {
				return false
			}
		}
		return true
	}
	out := make([]float32, 2*nc)
	for flip := range 4 {
		for rot := range 6 {
			tr := NewHexTransform(e, flip, rot)
			tr.Apply(out, expand, 2)
			if !near(out, expand, 1) {
				t.Errorf("flip %d, rot %d: the expansion field changed", flip, rot)
			}
			tr.Apply(out, swirl, 2)
			if sign := float32(1 - 2*min(flip, 1)); !near(out, swirl, sign) {
				t.Errorf("flip %d, rot %d: the rotation field is not %v times itself", flip, rot, sign)
			}
			tr.Apply(out, uniform, 2)
			mx, my := tr.M[0][0]+0.25*tr.M[0][1], tr.M[1][0]+0.25*tr.M[1][1]
			if !near(out, field(func(x, y float64) (float64, float64) { return mx, my }), 1) {
				t.Errorf("flip %d, rot %d: the uniform field is not turned by M", flip, rot)
			}
		}
	}
	twice := func(a, b HexTransform, src []float32, dims int) []float32 {
		mid, dst := make([]float32, len(src)), make([]float32, len(src))
		a.Apply(mid, src, dims)
		b.Apply(dst, mid, dims)
		return dst
	}
	ramp := make([]float32, 2*nc)
	for i := range ramp {
		ramp[i] = float32(i%97) - 40
	}
	if r := NewHexTransform(e, 0, 3); !near(twice(r, r, ramp, 2), ramp, 1) || !near(twice(r, r, ramp[:nc], 1), ramp[:nc], 1) {
		t.Error("180° twice is not the identity")
	}
	for flip := 1; flip < 4; flip++ {
		if f := NewHexTransform(e, flip, 0); !near(twice(f, f, ramp, 2), ramp, 1) {
			t.Errorf("flip %d twice is not the identity", flip)
		}
	}
	if !near(twice(NewHexTransform(e, 0, 2), NewHexTransform(e, 0, 3), ramp, 2), twice(NewHexTransform(e, 0, 5), NewHexTransform(e, 0, 0), ramp, 2), 1) {
		t.Error("rotating by 2 then 3 steps is not rotating by 5")
	}
	id := NewHexTransform(e, 0, 6)
	for i, j := range id.Perm {
		if i != j {
			t.Fatal("six rotations are not the identity")
		}
	}
	// rotation 1 moves the column at (u, v) = (1, 0) (straight down) to (0, 1)
	r := NewHexTransform(e, 0, 1)
	if got := r.Perm[opticlobe.ColumnIndex(e, 0, 1)]; got != opticlobe.ColumnIndex(e, 1, 0) {
		t.Errorf("rotation 1: column (0, 1) comes from %d, want %d", got, opticlobe.ColumnIndex(e, 1, 0))
	}
}

// Fit trains on a tiny Sintel directory, and a Sintel read error stops it
// with the file's name.
func TestFitSintel(t *testing.T) {
	net := smallNet(t, tinyExtent)
	dir := tinySintel(t, 4, constFlow)
	sc := SintelConfig{Dir: dir, Kernel: tinyKernel, Frames: tinyFrames, Split: "folds"}
	rows, err := Fit(net, FitConfig{Iterations: 4, EvalEvery: 2, LR: 1e-2, Seed: 1, Batch: 2, ValBatches: 1, Sintel: sc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || math.IsNaN(rows[2].ValLoss) || rows[2].ValLoss == rows[0].ValLoss {
		t.Errorf("rows %+v", rows)
	}
	p := filepath.Join(dir, "training", "final", "a_1", "frame_0003.png")
	b, _ := os.ReadFile(p)
	os.WriteFile(p, b[:70], 0o644)
	if _, err := Fit(net, FitConfig{Iterations: 2, Seed: 1, Batch: 2, ValBatches: 1, Sintel: sc}, nil); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("Fit on a cut PNG: %v", err)
	}
}

// resample is flyvis's Interpolate: PyTorch's interpolate, nearest-exact
// for the frames and linear with align_corners for the flow (fixture by
// testdata/gen/flo_sintel_resample.py).
func TestSintelResampleIsTorch(t *testing.T) {
	var cases []struct {
		Frames, Out     int
		Dt              float64
		Lum, Flow, X, V []string
	}
	b, err := os.ReadFile("testdata/sintel_resample.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	parse := func(s []string) []float32 {
		out := make([]float32, len(s))
		for i, v := range s {
			f, err := strconv.ParseFloat(v, 32)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = float32(f)
		}
		return out
	}
	const nc = 3
	for _, c := range cases {
		s := &Sintel{cfg: SintelConfig{Frames: c.Frames, Dt: c.Dt}}
		if n := s.outFrames(); n != c.Out {
			t.Errorf("%d frames at dt %v: %d, torch %d", c.Frames, c.Dt, n, c.Out)
			continue
		}
		x, v := make([]float32, c.Out*nc), make([]float32, c.Out*2*nc)
		resample(x, v, parse(c.Lum), parse(c.Flow), c.Frames, c.Out, nc)
		if want := parse(c.X); !slices.Equal(x, want) {
			t.Errorf("%d frames at dt %v: frames %v, torch %v", c.Frames, c.Dt, x, want)
		}
		for i, w := range parse(c.V) {
			if math.Abs(float64(v[i]-w)) > 1e-6 {
				t.Errorf("%d frames at dt %v: flow %d %v, torch %v", c.Frames, c.Dt, i, v[i], w)
			}
		}
	}
}

// sintelSized writes one scene of 20 frames of Sintel's size (1024×436,
// RGB noise) with a constant flow.
func sintelSized(b *testing.B) string {
	dir := b.TempDir()
	fd, ld := filepath.Join(dir, "training", "final", "alley_1"), filepath.Join(dir, "training", "flow", "alley_1")
	os.MkdirAll(fd, 0o755)
	os.MkdirAll(ld, 0o755)
	const w, h = 1024, 436
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	f := &flo.Flow{W: w, H: h, UV: make([]float32, 2*w*h)}
	for i := range f.UV {
		f.UV[i] = float32(i%7) - 3
	}
	for i := range 20 {
		for p := range img.Pix {
			img.Pix[p] = uint8(p*31 + i*17 + p/4096)
		}
		writePNG(b, filepath.Join(fd, "frame_"+pad4(i+1)+".png"), img)
		if i < 19 {
			if err := flo.WriteFile(filepath.Join(ld, "frame_"+pad4(i+1)+".flo"), f); err != nil {
				b.Fatal(err)
			}
		}
	}
	return dir
}

// BenchmarkSintelRender reads and renders a Sintel-sized scene of 20
// frames onto the default eye (721 columns, 3 splits).
func BenchmarkSintelRender(b *testing.B) {
	s, err := NewSintel(SintelConfig{Dir: sintelSized(b), Split: "folds", Folds: 2})
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := s.render(0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSintelBatch assembles a training batch of flyvis's size (4
// movies of 40 frames, augmented) from rendered scenes.
func BenchmarkSintelBatch(b *testing.B) {
	s, err := NewSintel(SintelConfig{Dir: sintelSized(b), Split: "folds", Folds: 2})
	if err != nil {
		b.Fatal(err)
	}
	nc, nf := s.Columns(), s.Config().Frames
	x, v := make([]float32, nf*4*nc), make([]float32, nf*4*2*nc)
	s.Batch(x, v, Train, 0)
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		s.Batch(x, v, Train, 4*i)
	}
}

// "train --model optic-lobe --data DIR" reads DIR: bad data there is the
// command's error, naming the file.
func TestCommandSintelData(t *testing.T) {
	smallNet(t, tinyExtent) // skips without the shared spec
	_, file, _, _ := runtime.Caller(0)
	spec := filepath.Join(filepath.Dir(file), "..", "..", "shared", "data", "flyvis", "fib25-fib19_v2.2.json")
	dir := tinySintel(t, 2, constFlow)
	bad := filepath.Join(dir, "training", "flow", "b_1", "frame_0002.flo")
	os.WriteFile(bad, []byte("PIEH"), 0o644)
	var out, errs strings.Builder
	outDir := filepath.Join(t.TempDir(), "run")
	err := Command([]string{"--model", "optic-lobe", "--spec", spec, "--extent", "2", "--data", dir, "--iterations", "1",
		"--out", outDir, "--analyze=false"}, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Command: %v, want an error naming %s", err, bad)
	}
	if _, err := os.Stat(outDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a run refused for its data left %s behind: %v", outDir, err)
	}
	err = Command([]string{"--model", "optic-lobe", "--spec", spec, "--data", dir, "--split", "thirds", "--out", t.TempDir()}, &out, &errs)
	if err == nil || !strings.Contains(err.Error(), "known: original, folds") {
		t.Errorf("Command with --split thirds: %v", err)
	}
}

// Each split samples its own window of the cropped frame: with frames
// and flow that grow along x, column c of split j reads the box centred
// at pixel column lo + starts[j] + width/2 + dx(c) (lo = 10, starts 0,
// 12, 24, width 19 for 64 pixels).
func TestSintelSplitsSampleTheirWindows(t *testing.T) {
	dir := tinySintel(t, 4, constFlow)
	img := image.NewGray(image.Rect(0, 0, tinyW, tinyH))
	for p := range img.Pix {
		img.Pix[p] = uint8(3 * (p % tinyW))
	}
	f := &flo.Flow{W: tinyW, H: tinyH, UV: make([]float32, 2*tinyW*tinyH)}
	for p := range tinyW * tinyH {
		f.UV[2*p], f.UV[2*p+1] = float32(p%tinyW)/4, 1
	}
	for i := range 8 {
		writePNG(t, filepath.Join(dir, "training", "final", "a_1", "frame_"+pad4(i+1)+".png"), img)
		if i < 7 {
			if err := flo.WriteFile(filepath.Join(dir, "training", "flow", "a_1", "frame_"+pad4(i+1)+".flo"), f); err != nil {
				t.Fatal(err)
			}
		}
	}
	s, err := NewSintel(tinyConfig(dir)) // fold 0: the validation movies are a_1's three splits
	if err != nil {
		t.Fatal(err)
	}
	eye, nc := opticlobe.NewEye(tinyExtent, tinyKernel), s.Columns()
	x, v := make([]float32, tinyOut*3*nc), make([]float32, tinyOut*3*2*nc)
	s.Batch(x, v, Validation, 0)
	for j, start := range []int{0, 12, 24} {
		for c := range nc {
			_, dx := eye.Offset(c)
			px := 10 + start + 19/2 + dx
			if got, want := x[j*nc+c], float32(3*px)/255; math.Abs(float64(got-want)) > 1e-6 {
				t.Fatalf("split %d, column %d: frame %v, want pixel column %d's %v", j, c, got, px, want)
			}
			if got, want := v[(j*2)*nc+c], 9*float32(px)/4/tinyH; math.Abs(float64(got-want)) > 1e-5 {
				t.Fatalf("split %d, column %d: flow x %v, want %v", j, c, got, want)
			}
			if got, want := v[(j*2+1)*nc+c], float32(-9)/tinyH; math.Abs(float64(got-want)) > 1e-6 {
				t.Fatalf("split %d, column %d: flow y %v, want %v", j, c, got, want)
			}
		}
	}
}

// A run on Sintel stopped and resumed ends bit for bit where an
// uninterrupted one does: the movies depend on (seed, split, movie) alone,
// not on what the cache held.
func TestFitSintelResume(t *testing.T) {
	net := smallNet(t, tinyExtent)
	sc := SintelConfig{Dir: tinySintel(t, 4, func(t int) (float32, float32) { return float32(t), 1 }),
		Kernel: tinyKernel, Frames: tinyFrames, Split: "folds", CacheBytes: 1}
	run := func(dir string, stop int) []FitRow {
		rows, err := Fit(net, FitConfig{Iterations: 4, EvalEvery: 2, LR: 1e-2, Seed: 2, Batch: 2, ValBatches: 1,
			Sintel: sc, Out: dir, StopAfter: stop}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	want, dir := run(t.TempDir(), 0), t.TempDir()
	run(dir, 3)
	got := run(dir, 0)
	if len(got) != len(want) {
		t.Fatalf("%d rows resumed, %d uninterrupted", len(got), len(want))
	}
	for i := range want {
		if got[i].ValLoss != want[i].ValLoss || (i > 0 && got[i].TrainLoss != want[i].TrainLoss) {
			t.Errorf("row %d: %+v resumed, %+v uninterrupted", i, got[i], want[i])
		}
	}
}
