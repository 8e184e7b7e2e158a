package npy

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/internal/budget"
)

// A deflated .npz of float32 ones (issue 11: 1.9 MB inflating to 2 GB),
// here 2^23 ones in some 32 kB: refused by its nonzeros per compressed
// byte, after at most checkEvery of them.
func TestNPZFloodOfOnes(t *testing.T) {
	raw := make([]byte, 4<<23)
	for k := 0; k < len(raw); k += 4 {
		binary.LittleEndian.PutUint32(raw[k:], math.Float32bits(1))
	}
	data := archive(zip.Deflate, map[string][]byte{"w": npyRaw("<f4", []int{2048, 4096}, raw)})
	_, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)), "w")
	if err == nil || !strings.Contains(err.Error(), "64-fold") {
		t.Fatalf("flood of %d compressed bytes: %v", len(data), err)
	}
}

// Past the budget, a dense .npy and a scipy .npz are refused with the
// budget's error.
func TestDecodeOverBudget(t *testing.T) {
	defer budget.Set(0)
	budget.Set(1 << 20)
	raw := make([]byte, 4<<20)
	for k := 0; k < len(raw); k += 4 {
		binary.LittleEndian.PutUint32(raw[k:], math.Float32bits(2))
	}
	var be *budget.Error
	if _, err := Decode(bytes.NewReader(npyRaw("<f4", []int{1024, 1024}, raw))); !errors.As(err, &be) {
		t.Errorf("dense .npy over the budget: %v", err)
	}
	m := randomCSR(300, 300, 0.5, 1)
	var buf bytes.Buffer
	if err := EncodeNPZ(&buf, m); err != nil {
		t.Fatal(err)
	}
	budget.Set(1000)
	if _, err := DecodeNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len()), ""); !errors.As(err, &be) {
		t.Errorf("scipy .npz over the budget: %v", err)
	}
}
