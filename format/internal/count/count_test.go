package count

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// Both count exactly the bytes that pass, in any number of calls.
func TestCounts(t *testing.T) {
	var buf bytes.Buffer
	w := &Writer{W: &buf}
	io.WriteString(w, "abc")
	io.WriteString(w, "de")
	if w.N != 5 || buf.String() != "abcde" {
		t.Errorf("writer: %d bytes, %q", w.N, buf.String())
	}
	r := &Reader{R: strings.NewReader("0123456789")}
	p := make([]byte, 4)
	io.ReadFull(r, p)
	if r.N != 4 {
		t.Errorf("reader: %d bytes after 4", r.N)
	}
	rest, _ := io.ReadAll(r)
	if r.N != 10 || string(rest) != "456789" {
		t.Errorf("reader: %d bytes, rest %q", r.N, rest)
	}
}
