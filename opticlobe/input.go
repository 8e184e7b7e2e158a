package opticlobe

import (
	"fmt"
	"math"
	"strings"

	"github.com/neuropil/neuropil/mnist"
	"github.com/neuropil/neuropil/sim"
)

// Input is a stimulus sampled onto the eye's columns, the input of
// Simulate, with what it shows.
type Input struct {
	X      []float32 // [Frames][batch][columns]
	Frames int
	Labels []uint8 // [batch] the digits' labels (DigitsInput); nil for other stimuli
	Name   string  // a description for reports
}

// FlashInput returns a uniform light level (1: a full-field flash of
// light, 0: darkness) shown to batch samples on the lattice of the given
// extent. A level that is not finite is an error.
func FlashInput(extent int, level float64, batch int) (*Input, error) {
	if math.IsNaN(level) || math.IsInf(level, 0) {
		return nil, fmt.Errorf("opticlobe: light level %v, want a finite one", level)
	}
	return &Input{X: Replicate(Uniform(extent, float32(level)), 1, batch), Frames: 1,
		Name: fmt.Sprintf("uniform light level %g", level)}, nil
}

// ImageInput returns the PNG or JPEG image in path (LoadImage) sampled by
// the eye (DefaultKernel) and shown to batch samples.
func ImageInput(path string, extent, batch int) (*Input, error) {
	img, h, w, err := LoadImage(path)
	if err != nil {
		return nil, err
	}
	eye := NewEye(extent, DefaultKernel)
	cols := make([]float32, eye.Columns())
	eye.Sample(cols, img, h, w)
	return &Input{X: Replicate(cols, 1, batch), Frames: 1, Name: path}, nil
}

// MovieInput returns the movie in path (LoadMovie) sampled by the eye
// frame by frame and shown to batch samples. Every sample gets a copy of
// every frame: a long movie for a large batch that would not fit in the
// machine's memory is an error.
func MovieInput(path string, extent, batch int) (*Input, error) {
	m, n, h, w, err := LoadMovie(path)
	if err != nil {
		return nil, err
	}
	eye := NewEye(extent, DefaultKernel)
	nc := eye.Columns()
	if err := sim.Fits(fmt.Sprintf("opticlobe: %s of %d frames × batch %d × %d columns", path, n, batch, nc),
		4*float64(n)*float64(batch+1)*float64(nc)); err != nil {
		return nil, err
	}
	cols := make([]float32, n*nc)
	eye.SampleFrames(cols, m, n, h, w)
	return &Input{X: Replicate(cols, n, batch), Frames: n, Name: path}, nil
}

// DigitsInput returns MNIST digits, one per sample, with their ink as
// light (Eye.SampleInk), described by name.
func DigitsInput(im *mnist.Images, labels []uint8, name string, extent int) *Input {
	eye := NewEye(extent, DefaultKernel)
	x := make([]float32, im.N*eye.Columns())
	eye.SampleInk(x, im.Pix, im.N, im.Rows, im.Cols)
	return &Input{X: x, Frames: 1, Labels: labels, Name: name}
}

// CentralNeurons returns the neuron of the central column of every type
// that has one, in type order: the neurons of Settings.Record that
// PlotCentral needs.
func (net *Network) CentralNeurons() []int {
	var rec []int
	for _, i := range net.Central() {
		if i >= 0 {
			rec = append(rec, i)
		}
	}
	return rec
}

// CheckTypes returns an error naming the first of types that is not a
// cell type of net, with the known ones.
func (net *Network) CheckTypes(types []string) error {
	for _, t := range types {
		if _, _, ok := net.TypeNeurons(t); !ok {
			return fmt.Errorf("unknown cell type %q (known: %s)", t, strings.Join(net.Conn.TypeNames, ", "))
		}
	}
	return nil
}

// WriteRun writes a run into d: activity.npy and times.npy
// (sim.Dir.WriteResult), recorded.npy (int64 [recorded], the neurons of
// the last axis of the activity) and labels.npy (for labels not nil).
func (r *Result) WriteRun(d *sim.Dir, labels []uint8) error {
	if err := d.WriteResult(&r.Result); err != nil {
		return err
	}
	rec := make([]int64, len(r.Record))
	for j, i := range r.Record {
		rec[j] = int64(i)
	}
	if err := d.WriteNPY("recorded.npy", []int{len(rec)}, rec); err != nil {
		return err
	}
	return d.WriteLabels(labels)
}

// DrawRun draws the plots of a run of sample 0 into d: maps.png, the
// given types at the output time nearest t (PlotTypes; only when every
// neuron was recorded), and central.png (PlotCentral).
func (net *Network) DrawRun(d *sim.Dir, r *Result, types []string, t float64) error {
	if r.Width == net.Neurons() {
		k := r.Nearest(t)
		p := d.Path("maps.png")
		if err := net.PlotTypes(p, fmt.Sprintf("sample 0, t = %.3g s", r.Times[k]), r.At(k, 0), types); err != nil {
			return err
		}
		d.Wrote(p)
	}
	p := d.Path("central.png")
	if err := net.PlotCentral(p, "central column, sample 0", r, 0); err != nil {
		return err
	}
	d.Wrote(p)
	return nil
}
