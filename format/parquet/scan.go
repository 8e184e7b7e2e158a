package parquet

import (
	"errors"
	"fmt"
	"io"

	pq "github.com/parquet-go/parquet-go"
)

// batchRows is how many rows scan decodes per column before calling fn.
const batchRows = 8192

// stream reads one integer column chunk page by page.
type stream struct {
	f       *file
	name    string
	pages   pq.Pages
	page    pq.Page
	values  pq.ValueReader
	row     int64 // file row of the next value
	generic []pq.Value
}

// scan calls fn(row, v) for every row of the file in order, with v[k] the
// value of column cols[k] (the rest zero), reading all columns in step
// one batch at a time.
func (f *file) scan(cols []int, fn func(row int64, v [3]int64) error) error {
	fields := f.pf.Schema().Fields()
	for _, c := range cols {
		if err := f.checkType(fields[c]); err != nil {
			return err
		}
	}
	var buf [3][]int64
	for k := range cols {
		buf[k] = make([]int64, batchRows)
	}
	base := int64(0)
	for _, rg := range f.pf.RowGroups() {
		chunks := rg.ColumnChunks()
		ss := make([]*stream, len(cols))
		for k, c := range cols {
			ss[k] = &stream{f: f, name: fields[c].Name(), pages: chunks[c].Pages(), row: base}
		}
		err := scanGroup(ss, buf, base, rg.NumRows(), fn)
		for _, s := range ss {
			s.close()
		}
		if err != nil {
			return err
		}
		base += rg.NumRows()
	}
	return nil
}

func scanGroup(ss []*stream, buf [3][]int64, base, rows int64, fn func(int64, [3]int64) error) error {
	for off := int64(0); off < rows; {
		m := int(min(int64(batchRows), rows-off))
		for k, s := range ss {
			if err := s.read(buf[k][:m]); err != nil {
				return err
			}
		}
		var v [3]int64
		for r := range m {
			for k := range ss {
				v[k] = buf[k][r]
			}
			if err := fn(base+off+int64(r), v); err != nil {
				return err
			}
		}
		off += int64(m)
	}
	return nil
}

func (f *file) checkType(c pq.Field) error {
	if !c.Leaf() || c.Repeated() {
		return &Error{File: f.path, Column: c.Name(), Row: -1, Err: errors.New("is not a plain column")}
	}
	switch k := c.Type().Kind(); k {
	case pq.Int32, pq.Int64:
		return nil
	default:
		return &Error{File: f.path, Column: c.Name(), Row: -1, Err: fmt.Errorf("has type %v, want INT64 or INT32", k)}
	}
}

func (s *stream) fail(err error) error {
	if errors.Is(err, io.EOF) {
		err = io.ErrUnexpectedEOF
	}
	return &Error{File: s.f.path, Column: s.name, Row: s.row, Err: err}
}

// read fills dst with the next len(dst) values.
func (s *stream) read(dst []int64) error {
	for len(dst) > 0 {
		if s.values == nil {
			if err := s.next(); err != nil {
				return err
			}
		}
		n, err := s.readValues(dst)
		dst = dst[n:]
		s.row += int64(n)
		if errors.Is(err, io.EOF) || (err == nil && n == 0) {
			pq.Release(s.page)
			s.page, s.values = nil, nil
			continue
		}
		if err != nil {
			return s.fail(err)
		}
	}
	return nil
}

// next opens the next page, rejecting nulls.
func (s *stream) next() error {
	p, err := s.pages.ReadPage()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return s.fail(errors.New("column chunk ends before its row group"))
		}
		return s.fail(err)
	}
	if p.NumNulls() > 0 {
		row := s.row
		if lv := p.DefinitionLevels(); len(lv) > 0 {
			mx := lv[0]
			for _, l := range lv {
				mx = max(mx, l)
			}
			for i, l := range lv {
				if l < mx {
					row += int64(i)
					break
				}
			}
		}
		pq.Release(p)
		return &Error{File: s.f.path, Column: s.name, Row: row, Err: errors.New("null value")}
	}
	s.page, s.values = p, p.Values()
	return nil
}

// readValues reads what the current page has, up to len(dst), through the
// fastest interface the page's reader offers.
func (s *stream) readValues(dst []int64) (int, error) {
	if r, ok := s.values.(pq.Int64Reader); ok {
		return r.ReadInt64s(dst)
	}
	if len(s.generic) < len(dst) {
		s.generic = make([]pq.Value, len(dst))
	}
	n, err := s.values.ReadValues(s.generic[:len(dst)])
	for i, v := range s.generic[:n] {
		dst[i] = v.Int64()
	}
	return n, err
}

func (s *stream) close() {
	if s.page != nil {
		pq.Release(s.page)
	}
	s.pages.Close()
}
