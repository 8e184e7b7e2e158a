package opticlobe

import (
	"encoding/json"
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/mnist"
	"github.com/neuropil/neuropil/sim"
)

func TestFlashInput(t *testing.T) {
	in, err := FlashInput(2, 0.25, 3)
	if err != nil {
		t.Fatal(err)
	}
	if want := Replicate(Uniform(2, 0.25), 1, 3); !slices.Equal(in.X, want) || in.Frames != 1 || in.Name != "uniform light level 0.25" {
		t.Errorf("flash: %+v", in)
	}
	if _, err := FlashInput(2, math.Inf(1), 1); err == nil {
		t.Error("a NaN light level accepted")
	}
}

// TestImageAndMovieInput: an image and a movie are the eye's samples of
// them, copied to every sample; a uint8 movie is divided by 255.
func TestImageAndMovieInput(t *testing.T) {
	dir := t.TempDir()
	m := image.NewGray(image.Rect(0, 0, 40, 30))
	pix := make([]float32, 40*30)
	for k := range m.Pix {
		m.Pix[k] = uint8(k % 251)
		pix[k] = float32(uint16(m.Pix[k])*257) / 0xffff
	}
	p := filepath.Join(dir, "a.png")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, m); err != nil {
		t.Fatal(err)
	}
	f.Close()
	eye := NewEye(2, DefaultKernel)
	cols := make([]float32, eye.Columns())
	eye.Sample(cols, pix, 30, 40)
	in, err := ImageInput(p, 2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(in.X, Replicate(cols, 1, 2)) || in.Name != p {
		t.Errorf("image input differs from the eye's sample")
	}
	mp := filepath.Join(dir, "m.npy")
	g, err := os.Create(mp)
	if err != nil {
		t.Fatal(err)
	}
	frames := append(slices.Clone(m.Pix), m.Pix...)
	if err := npy.Encode(g, []int{2, 30, 40}, frames); err != nil {
		t.Fatal(err)
	}
	g.Close()
	mv, err := MovieInput(mp, 2, 3)
	if err != nil {
		t.Fatal(err)
	}
	if mv.Frames != 2 || len(mv.X) != 2*3*eye.Columns() || !approxEqual(mv.X[:eye.Columns()], cols, 1e-6) {
		t.Errorf("movie: %d frames, %d values", mv.Frames, len(mv.X))
	}
	if _, err := ImageInput(filepath.Join(dir, "none.png"), 2, 1); err == nil || !strings.Contains(err.Error(), "none.png") {
		t.Errorf("missing image: error %v", err)
	}
}

func approxEqual(a, b []float32, tol float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if d := a[i] - b[i]; d > tol || d < -tol {
			return false
		}
	}
	return true
}

func TestDigitsInput(t *testing.T) {
	im := &mnist.Images{N: 2, Rows: 28, Cols: 28, Pix: make([]uint8, 2*28*28)}
	for k := range im.Pix {
		im.Pix[k] = uint8(k * 7)
	}
	in := DigitsInput(im, []uint8{3, 9}, "digits", 2)
	eye := NewEye(2, DefaultKernel)
	want := make([]float32, 2*eye.Columns())
	eye.SampleInk(want, im.Pix, 2, 28, 28)
	if !slices.Equal(in.X, want) || !slices.Equal(in.Labels, []uint8{3, 9}) || in.Name != "digits" {
		t.Errorf("digits input %+v", in)
	}
}

// TestRunOutputs: a run's files and plots, with every neuron recorded or
// the central ones.
func TestRunOutputs(t *testing.T) {
	net := smallNet(t)
	central := net.CentralNeurons()
	if len(central) != len(net.Spec.Types) || !slices.IsSorted(central) {
		t.Fatalf("central neurons %v: want one per type, in type order", central)
	}
	if err := net.CheckTypes([]string{"L1", "T4e"}); err == nil || !strings.Contains(err.Error(), `unknown cell type "T4e" (known: R1,`) {
		t.Errorf("CheckTypes: %v", err)
	}
	in, err := FlashInput(net.Extent, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range [][]int{nil, central} {
		res, err := Simulate(net, in.X, 1, 1, Settings{Duration: 0.04, Relax: -1, Record: rec})
		if err != nil {
			t.Fatal(err)
		}
		d, err := sim.OpenDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		if err := res.WriteRun(d, []uint8{7}); err != nil {
			t.Fatal(err)
		}
		if err := net.DrawRun(d, res, []string{"L1", "Mi1"}, 0.02); err != nil {
			t.Fatal(err)
		}
		a, err := npy.ReadFile(d.Path("recorded.npy"))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := a.Int64()
		if len(got) != len(res.Record) || int(got[len(got)-1]) != res.Record[len(res.Record)-1] {
			t.Errorf("recorded.npy %v, want %v", got, res.Record)
		}
		s := res.Summary(net, in, Settings{Duration: 0.04, Relax: -1, Record: rec})
		if s.Grey != DefaultGrey || s.Dt != DefaultDt || s.T1 != 0.04 || s.Solver != "euler" || s.RelaxSeconds != 0 ||
			s.Evals != 3 || s.Batch != 1 || s.Neurons != net.Neurons() || s.Warnings == nil || s.Input != in.Name || s.Labels != nil {
			t.Errorf("summary %+v", s)
		}
		j, _ := json.Marshal(s)
		var keys []string
		for _, kv := range strings.Split(strings.Trim(string(j), "{}"), ",\"") {
			keys = append(keys, strings.Trim(strings.SplitN(kv, ":", 2)[0], `"`))
		}
		if !slices.IsSorted(keys) {
			t.Errorf("summary keys %v, want them sorted (as a map's)", keys)
		}
		for name, want := range map[string]bool{"activity.npy": true, "times.npy": true, "labels.npy": true,
			"central.png": true, "maps.png": rec == nil} {
			if _, err := os.Stat(d.Path(name)); (err == nil) != want {
				t.Errorf("record %d neurons: %s written %v, want %v", len(res.Record), name, err == nil, want)
			}
		}
	}
}

func TestStimulus(t *testing.T) {
	level := 0.5
	flag := func(f string) string { return "--" + strings.ToLower(f) }
	in, err := (&Stimulus{Flash: &level}).Input(2, 3)
	want, _ := FlashInput(2, 0.5, 3)
	if err != nil || !slices.Equal(in.X, want.X) || in.Name != want.Name {
		t.Errorf("flash stimulus: %v", err)
	}
	for _, c := range []struct {
		s    Stimulus
		want string
	}{
		{Stimulus{Flash: &level, Image: "a.png", Names: flag}, "--image, --movie and --flash: choose one"},
		{Stimulus{Image: "none.png", Names: flag}, "--image: opticlobe:"},
		{Stimulus{Movie: "none.npy"}, "Movie: opticlobe:"},
		{Stimulus{MNIST: t.TempDir(), Split: "test", Names: flag}, "--mnist: mnist: no t10k images file"},
	} {
		if _, err := c.s.Input(2, 1); err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.s, err, c.want)
		}
	}
	// Digits: the first batch of a shuffle seeded from Seed.
	dir := t.TempDir()
	pix := make([]byte, 4*28*28)
	for i := range pix {
		pix[i] = byte(i / (28 * 28) * 60)
	}
	idx := func(dims []uint32, data []byte) []byte {
		b := []byte{0, 0, 8, byte(len(dims))}
		for _, d := range dims {
			b = append(b, byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
		}
		return append(b, data...)
	}
	os.WriteFile(filepath.Join(dir, "train-images-idx3-ubyte"), idx([]uint32{4, 28, 28}, pix), 0o644)
	os.WriteFile(filepath.Join(dir, "train-labels-idx1-ubyte"), idx([]uint32{4}, []byte{0, 1, 2, 3}), 0o644)
	in, err = (&Stimulus{MNIST: dir, Seed: 5}).Input(2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Labels) != 2 || in.Labels[0] == in.Labels[1] || !strings.HasPrefix(in.Name, "MNIST train images [") {
		t.Errorf("digits: labels %v, name %q", in.Labels, in.Name)
	}
	again, _ := (&Stimulus{MNIST: dir, Seed: 5}).Input(2, 2)
	if !slices.Equal(in.X, again.X) {
		t.Error("digits: not the same for one seed")
	}
}
