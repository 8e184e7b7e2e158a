package pt

import (
	"bytes"
	"errors"
	"math"
	"os"
	"testing"
)

// DecodeNumber reads flyvis's numpy scalar val_loss, a plain int, the
// 0-dimensional tensor EncodeCheckpoint writes, and names what is not a
// number.
func TestDecodeNumber(t *testing.T) {
	b, err := os.ReadFile(flyvisCheckpoint)
	if err != nil {
		t.Fatal(err)
	}
	var w bytes.Buffer
	items := []Item{{Name: "val_loss", Value: 1.5}, {Name: "nan", Value: math.NaN()}, {Name: "iteration", Value: 7}}
	if err := EncodeCheckpoint(&w, "network", []Tensor{{Name: "x", Shape: []int{1}, Data: []float32{1}}}, items); err != nil {
		t.Fatal(err)
	}
	ours := w.Bytes()
	for _, c := range []struct {
		file []byte
		key  string
		want float64
		ok   bool
	}{
		{b, "val_loss", 0.125, true}, {b, "iteration", 1234, true}, {b, "dt", 0.02, true}, {b, "absent", 0, false},
		{ours, "val_loss", 1.5, true}, {ours, "nan", math.NaN(), true}, {ours, "iteration", 7, true},
	} {
		x, ok, err := DecodeNumber(bytes.NewReader(c.file), int64(len(c.file)), c.key)
		if err != nil || ok != c.ok || !(x == c.want || math.IsNaN(x) && math.IsNaN(c.want)) {
			t.Errorf("%q: %v, %v, %v; want %v, %v", c.key, x, ok, err, c.want, c.ok)
		}
	}
	for _, key := range []string{"time", "network"} {
		_, _, err := DecodeNumber(bytes.NewReader(b), int64(len(b)), key)
		var u UnsupportedError
		if !errors.As(err, &u) || !bytes.Contains([]byte(err.Error()), []byte(key)) {
			t.Errorf("%q: %v, want an UnsupportedError naming it", key, err)
		}
	}
}
