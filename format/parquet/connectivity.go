package parquet

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	pq "github.com/parquet-go/parquet-go"

	"github.com/neuropil/neuropil/sparse"
)

// Column names of Shiu's Connectivity parquet that the reader uses.
const (
	ColPre    = "Presynaptic_Index"
	ColPost   = "Postsynaptic_Index"
	ColWeight = "Excitatory x Connectivity"
)

// Error is an error in a file, at a column and row where known (Row −1:
// not row-specific).
type Error struct {
	File   string
	Column string
	Row    int64
	Err    error
}

func (e *Error) Error() string {
	s := "parquet: " + e.File
	if e.Column != "" {
		s += fmt.Sprintf(": column %q", e.Column)
	}
	if e.Row >= 0 {
		s += fmt.Sprintf(", row %d", e.Row)
	}
	return s + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Header is what a parquet file's footer says.
type Header struct {
	Rows      int64
	RowGroups int
	Columns   []string // top-level column names in file order
}

// file is an open parquet file.
type file struct {
	path string
	f    *os.File
	pf   *pq.File
}

func open(path string) (*file, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	pf, err := pq.OpenFile(f, st.Size(), pq.SkipPageIndex(true), pq.SkipBloomFilters(true))
	if err != nil {
		defer f.Close()
		var head, tail [4]byte
		_, err1 := f.ReadAt(head[:], 0)
		_, err2 := f.ReadAt(tail[:], max(st.Size()-4, 0))
		if errors.Is(err, io.EOF) || (err1 == nil && err2 == nil && string(head[:]) == "PAR1" && string(tail[:]) != "PAR1") {
			return nil, &Error{File: path, Row: -1, Err: fmt.Errorf("truncated (no footer): %w", io.ErrUnexpectedEOF)}
		}
		return nil, &Error{File: path, Row: -1, Err: fmt.Errorf("not a parquet file: %w", err)}
	}
	return &file{path: path, f: f, pf: pf}, nil
}

func (f *file) close() { f.f.Close() }

func (f *file) header() Header {
	h := Header{Rows: f.pf.NumRows(), RowGroups: len(f.pf.RowGroups())}
	for _, c := range f.pf.Schema().Fields() {
		h.Columns = append(h.Columns, c.Name())
	}
	return h
}

// ReadHeader reads the footer of the parquet file at path only.
func ReadHeader(path string) (Header, error) {
	f, err := open(path)
	if err != nil {
		return Header{}, err
	}
	defer f.close()
	return f.header(), nil
}

// column returns the index of the leaf column name, or an error naming
// what the file has.
func (f *file) column(name string) (int, error) {
	for i, c := range f.pf.Schema().Fields() {
		if c.Name() == name {
			if !c.Leaf() || c.Repeated() {
				return 0, &Error{File: f.path, Column: name, Row: -1, Err: errors.New("is not a plain column")}
			}
			return i, nil
		}
	}
	return 0, &Error{File: f.path, Column: name, Row: -1, Err: fmt.Errorf("missing (columns: %q)", f.header().Columns)}
}

// ReadConnectivity reads a connection list in Shiu's Connectivity layout
// into a presynaptic-major matrix, [pre][post] = the signed synapse count
// ("Excitatory x Connectivity"), duplicates summed and zero sums dropped.
// neurons is the size of the neuron table; an index outside [0, neurons)
// is an error naming its row. With neurons < 0 the size is the largest
// index + 1.
func ReadConnectivity(path string, neurons int) (*sparse.CSR, error) {
	f, err := open(path)
	if err != nil {
		return nil, err
	}
	defer f.close()
	var cols [3]int
	for k, name := range []string{ColPre, ColPost, ColWeight} {
		if cols[k], err = f.column(name); err != nil {
			return nil, err
		}
	}
	rows := f.pf.NumRows()
	if rows > 1<<31-1 {
		return nil, &Error{File: path, Row: -1, Err: fmt.Errorf("%d rows: more than a CSR holds", rows)}
	}
	n := neurons
	if n < 0 {
		if n, err = f.maxIndex(cols[:2]); err != nil {
			return nil, err
		}
	}
	counts := make([]int32, n+1)
	if err := f.scan(cols[:1], func(row int64, v [3]int64) error {
		if v[0] < 0 || v[0] >= int64(n) {
			return &Error{File: path, Column: ColPre, Row: row, Err: fmt.Errorf("index %d outside the %d neurons", v[0], n)}
		}
		counts[v[0]+1]++
		return nil
	}); err != nil {
		return nil, err
	}
	for i := range n {
		counts[i+1] += counts[i]
	}
	if int64(counts[n]) != rows { // a footer's count is not trusted with an allocation
		return nil, &Error{File: path, Row: -1, Err: fmt.Errorf("footer says %d rows, the columns hold %d", rows, counts[n])}
	}
	a := &sparse.CSR{Rows: n, Cols: n, RowPtr: counts, ColIdx: make([]int32, rows), Val: make([]float32, rows)}
	next := slices.Clone(a.RowPtr[:n])
	if err := f.scan(cols[:], func(row int64, v [3]int64) error {
		if v[1] < 0 || v[1] >= int64(n) {
			return &Error{File: path, Column: ColPost, Row: row, Err: fmt.Errorf("index %d outside the %d neurons", v[1], n)}
		}
		if v[2] > 1<<24 || v[2] < -1<<24 {
			return &Error{File: path, Column: ColWeight, Row: row, Err: fmt.Errorf("count %d beyond ±2^24", v[2])}
		}
		k := next[v[0]]
		next[v[0]]++
		a.ColIdx[k], a.Val[k] = int32(v[1]), float32(v[2])
		return nil
	}); err != nil {
		return nil, err
	}
	sortRows(a)
	return a, nil
}

// maxIndex returns 1 + the largest value of the index columns.
func (f *file) maxIndex(cols []int) (int, error) {
	m := int64(-1)
	err := f.scan(cols, func(row int64, v [3]int64) error {
		for k := range cols {
			if v[k] < 0 {
				return &Error{File: f.path, Column: []string{ColPre, ColPost}[k], Row: row, Err: fmt.Errorf("negative index %d", v[k])}
			}
			m = max(m, v[k])
		}
		return nil
	})
	if m >= 1<<31-1 {
		return 0, &Error{File: f.path, Row: -1, Err: fmt.Errorf("index %d too large", m)}
	}
	return int(m + 1), err
}

// sortRows sorts each row by column, sums duplicates and drops zeros.
func sortRows(a *sparse.CSR) {
	type ent struct {
		j int32
		v float32
	}
	var buf []ent
	w := int32(0)
	for i := range a.Rows {
		lo, hi := a.RowPtr[i], a.RowPtr[i+1]
		buf = buf[:0]
		for k := lo; k < hi; k++ {
			buf = append(buf, ent{a.ColIdx[k], a.Val[k]})
		}
		slices.SortFunc(buf, func(x, y ent) int { return int(x.j - y.j) })
		a.RowPtr[i] = w
		for k := 0; k < len(buf); {
			e := buf[k]
			for k++; k < len(buf) && buf[k].j == e.j; k++ {
				e.v += buf[k].v
			}
			if e.v != 0 {
				a.ColIdx[w], a.Val[w] = e.j, e.v
				w++
			}
		}
	}
	a.RowPtr[a.Rows] = w
	a.ColIdx, a.Val = a.ColIdx[:w:w], a.Val[:w:w]
}
