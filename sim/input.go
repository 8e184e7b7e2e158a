package sim

import (
	"errors"
	"fmt"

	"github.com/neuropil/neuropil/mnist"
)

// LoadDigits reads batch MNIST images of a split ("train", also for "",
// or "test") from dir ("": mnist.DefaultDir): the first batch of a
// shuffle of the split seeded with seed (mnist.FirstBatch). It returns
// them with their labels and a description for reports. Errors name the
// settings MNIST (the directory), Split and Batch by names.
func LoadDigits(dir, split string, batch int, seed uint64, names Namer) (*mnist.Images, []uint8, string, error) {
	s := mnist.Train
	switch split {
	case "", "train":
	case "test":
		s = mnist.Test
	default:
		return nil, nil, "", fmt.Errorf("%s %q: want train or test", names.Name("Split"), split)
	}
	var err error
	if dir == "" {
		if dir, err = mnist.DefaultDir(); err != nil {
			return nil, nil, "", err
		}
	}
	im, labels, idx, err := mnist.FirstBatch(dir, s, batch, seed)
	var short *mnist.ShortError
	if errors.As(err, &short) {
		return nil, nil, "", fmt.Errorf("%s %d: %w", names.Name("Batch"), batch, err)
	}
	if err != nil {
		return nil, nil, "", fmt.Errorf("%s: %w", names.Name("MNIST"), err)
	}
	return im, labels, fmt.Sprintf("MNIST %s images %v from %s", s.Name(), idx, dir), nil
}
