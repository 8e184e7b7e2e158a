package mnist

import "fmt"

// Name returns the split's everyday name: "train" or "test".
func (s Split) Name() string {
	if s == Test {
		return "test"
	}
	return string(s)
}

// ShortError is the error of FirstBatch when a split holds fewer images
// than the batch asks for.
type ShortError struct {
	Split      Split
	Have, Want int // images in the split, images asked for
}

func (e *ShortError) Error() string {
	return fmt.Sprintf("the MNIST %s split has only %d images", e.Split.Name(), e.Have)
}

// FirstBatch reads n images of split s from dir with their labels: the
// first n of the seeded shuffle Shuffle(count, seed) of the whole split,
// as the first batch of a shuffled DataLoader. It also returns the
// indices of the images in the split. It reads only the files' headers
// and the chosen images. A split with fewer than n images is a
// *ShortError.
func FirstBatch(dir string, s Split, n int, seed uint64) (*Images, []uint8, []int, error) {
	ip, _, err := Files(dir, s)
	if err != nil {
		return nil, nil, nil, err
	}
	count, err := Count(ip)
	if err != nil {
		return nil, nil, nil, err
	}
	if n > count {
		return nil, nil, nil, &ShortError{Split: s, Have: count, Want: n}
	}
	idx := Shuffle(count, seed)[:n]
	im, labels, err := Load(dir, s, idx)
	if err != nil {
		return nil, nil, nil, err
	}
	return im, labels, idx, nil
}
