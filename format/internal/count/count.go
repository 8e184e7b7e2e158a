package count

import "io"

// Writer passes writes to W and adds their length to N.
type Writer struct {
	W io.Writer
	N int64
}

// Write writes p to W and counts what was written.
func (c *Writer) Write(p []byte) (int, error) {
	n, err := c.W.Write(p)
	c.N += int64(n)
	return n, err
}

// Reader passes reads from R and adds their length to N.
type Reader struct {
	R io.Reader
	N int64
}

// Read reads from R into p and counts what was read.
func (c *Reader) Read(p []byte) (int, error) {
	n, err := c.R.Read(p)
	c.N += int64(n)
	return n, err
}
