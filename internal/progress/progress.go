package progress

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/term"
)

// Bar reports progress of one task on one line, redrawn at most ten times
// a second. A nil *Bar is valid and does nothing.
type Bar struct {
	w     io.Writer
	label string
	total float64
	start time.Time
	last  time.Time
	mu    sync.Mutex
}

// IsTerminal reports whether w is a terminal.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// New returns a bar for work measured from 0 to total on w, or nil when w
// is not a terminal.
func New(w io.Writer, label string, total float64) *Bar {
	if !IsTerminal(w) {
		return nil
	}
	return &Bar{w: w, label: label, total: total, start: time.Now()}
}

// Set reports that done of total is complete, with an optional note.
func (b *Bar) Set(done float64, note string) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	now := time.Now()
	if now.Sub(b.last) < 100*time.Millisecond && done < b.total {
		return
	}
	b.last = now
	frac := 0.0
	if b.total > 0 {
		frac = max(0, min(1, done/b.total))
	}
	const width = 30
	n := int(frac * width)
	bar := make([]byte, width)
	for i := range bar {
		switch {
		case i < n:
			bar[i] = '='
		case i == n:
			bar[i] = '>'
		default:
			bar[i] = ' '
		}
	}
	fmt.Fprintf(b.w, "\r%s [%s] %3.0f%% %s %s\x1b[K", b.label, bar, 100*frac,
		now.Sub(b.start).Round(100*time.Millisecond), note)
}

// Done ends the bar's line.
func (b *Bar) Done() {
	if b == nil {
		return
	}
	fmt.Fprintln(b.w)
}

// Clear erases the bar's line, so that other output can be written on the
// terminal; the next Set draws the bar again.
func (b *Bar) Clear() {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	fmt.Fprint(b.w, "\r\x1b[K")
	b.last = time.Time{}
}
