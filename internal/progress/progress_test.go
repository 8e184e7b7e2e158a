package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// Away from a terminal New gives no bar, and a nil bar does nothing.
func TestQuietWhenPiped(t *testing.T) {
	var buf bytes.Buffer
	b := New(&buf, "work", 10)
	if b != nil {
		t.Fatal("a bar on a buffer")
	}
	b.Set(5, "half")
	b.Clear()
	b.Done()
	if buf.Len() != 0 {
		t.Errorf("a nil bar wrote %q", buf.String())
	}
}

// A bar draws its line, Clear erases it and lets the next Set draw at
// once, and Done ends the line.
func TestBarClear(t *testing.T) {
	var buf bytes.Buffer
	b := &Bar{w: &buf, label: "work", total: 10, start: time.Now()}
	b.Set(5, "half")
	if s := buf.String(); !strings.HasPrefix(s, "\rwork [") || !strings.Contains(s, " 50% ") || !strings.Contains(s, "half") {
		t.Fatalf("drawn %q", s)
	}
	buf.Reset()
	b.Set(6, "skipped") // within 100 ms of the last draw
	if buf.Len() != 0 {
		t.Fatalf("redrawn within 100 ms: %q", buf.String())
	}
	b.Clear()
	if got := buf.String(); got != "\r\x1b[K" {
		t.Fatalf("Clear wrote %q", got)
	}
	buf.Reset()
	b.Set(7, "again")
	if !strings.Contains(buf.String(), "again") {
		t.Errorf("not drawn after Clear: %q", buf.String())
	}
	buf.Reset()
	b.Done()
	if buf.String() != "\n" {
		t.Errorf("Done wrote %q", buf.String())
	}
}
