package mnist

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"testing"
)

// A header that declares gigabytes in a file of a few bytes is an early
// end of input, found without allocating the declared size (the fuzzer
// found a 16-byte file that made ReadImages allocate 2 GB).
func TestDeclaredSizeNotAllocated(t *testing.T) {
	b := []byte("\x00\x00\x08\x03\x00\x30\x30\x30\x00\x00\x00\x0f\x00\x00\x00\x30")
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadImages(bytes.NewReader(b), nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("error %v, want io.ErrUnexpectedEOF", err)
	}
	if d := after.TotalAlloc - before.TotalAlloc; d > 16<<20 {
		t.Errorf("allocated %d bytes for a 16-byte file", d)
	}
	if _, err := ReadLabels(bytes.NewReader([]byte("\x00\x00\x08\x01\x0f\xff\xff\xff"))); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("labels: error %v, want io.ErrUnexpectedEOF", err)
	}
}
