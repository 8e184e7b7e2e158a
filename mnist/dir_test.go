package mnist

import (
	"testing"
)

// TestRealMNIST reads the files the GoMNIST module ships.
func TestRealMNIST(t *testing.T) {
	dir, err := DefaultDir()
	if err != nil {
		t.Skip(err)
	}
	im, labels, err := Load(dir, Test, []int{0, 1, 9999})
	if err != nil {
		t.Fatal(err)
	}
	if im.Rows != 28 || im.Cols != 28 || im.N != 3 {
		t.Fatalf("shape %d×%d×%d", im.N, im.Rows, im.Cols)
	}
	// The first test digits of MNIST are 7, 2; the last is 6.
	if labels[0] != 7 || labels[1] != 2 || labels[2] != 6 {
		t.Errorf("labels %v", labels)
	}
	n, err := Count(mustFiles(t, dir, Train))
	if err != nil || n != 60000 {
		t.Errorf("train count %d, %v", n, err)
	}
}

func mustFiles(t *testing.T, dir string, s Split) string {
	p, _, err := Files(dir, s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
