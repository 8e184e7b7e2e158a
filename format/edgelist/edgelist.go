package edgelist

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format/internal/check"
	"github.com/neuropil/neuropil/format/internal/count"
	"github.com/neuropil/neuropil/internal/budget"
	"github.com/neuropil/neuropil/sparse"
)

// A FormatError reports that the input is not a valid edge list.
type FormatError string

func (e FormatError) Error() string { return "edgelist: invalid file: " + string(e) }

// Options selects the columns. The zero value auto-detects them.
type Options struct {
	Pre, Post string // id columns; "": the first of the usual names present (see below)
	Weight    string // synapse count or weight column; "": the first of the usual names, or 1 a row if none
	Sign      string // column giving the presynaptic sign (e.g. "nt_type"); "": no signs

	// Inhibitory lists the Sign values (case-insensitive) that make a
	// synapse inhibitory; nil means GABA and GLUT (glutamate, inhibitory
	// through GluCl in the fly). Numeric values are inhibitory when
	// negative.
	Inhibitory []string

	// Signed multiplies each weight by its presynaptic neuron's sign
	// (requires Sign), for models that take signed weights.
	Signed bool

	// Comma is the field separator; 0 detects ',' or '\t' from the header.
	Comma rune
}

// Column names tried, in order, when Options leaves a column empty
// (compared case-insensitively):
//
//	presynaptic id   pre_root_id (FlyWire), bodyId_pre (neuPrint), pre_id, pre, source, src, from, presynaptic
//	postsynaptic id  post_root_id, bodyId_post, post_id, post, target, dst, to, postsynaptic
//	weight           syn_count, weight, count, n_syn, synapses, w
var (
	preNames    = []string{"pre_root_id", "bodyId_pre", "pre_id", "pre", "source", "src", "from", "presynaptic"}
	postNames   = []string{"post_root_id", "bodyId_post", "post_id", "post", "target", "dst", "to", "postsynaptic"}
	weightNames = []string{"syn_count", "weight", "count", "n_syn", "synapses", "w"}
)

// defaultInhibitory are the transmitters taken as inhibitory: GABA and
// glutamate (inhibitory through GluCl in the fly).
var defaultInhibitory = []string{"GABA", "GLUT"}

// Header describes an edge list: its columns and those chosen.
type Header struct {
	Columns                 []string
	Comma                   rune
	Pre, Post, Weight, Sign string // chosen column names; Weight "" means 1 a row
}

// maxRatio bounds how many bytes of text a gzip-compressed edge list may
// inflate to per compressed byte (beyond its first MiB): 100, where the
// text of real edge lists compresses 3- to 10-fold and a flood of one
// repeated line reaches a thousand.
const maxRatio = 100

// maxLine bounds the bytes of one line (1 MiB; a row of ids and a weight
// takes some 50).
const maxLine = 1 << 20

// rowBytes is about what one data row costs until the matrix is built:
// its ids and weight, its share of the sorted ids and their index, its
// COO entry and its CSR entry.
const rowBytes = 72

// open returns a reader of the text, decompressing gzip, that bounds the
// inflation and the length of lines (guard).
func open(r io.Reader) (*bufio.Reader, error) {
	cr := &count.Reader{R: r}
	br := bufio.NewReaderSize(cr, 1<<16)
	magic, err := br.Peek(2)
	if err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, FormatError(fmt.Sprintf("gzip: %v", err))
		}
		return bufio.NewReaderSize(&guard{r: gzReader{zr}, in: cr}, 1<<16), nil
	}
	return bufio.NewReaderSize(&guard{r: br}, 1<<16), nil
}

// guard passes the text of r through, failing on a line longer than
// maxLine and, when in counts the compressed bytes, on text more than
// maxRatio times those (plus 1 MiB).
type guard struct {
	r    io.Reader
	in   *count.Reader // nil: not compressed
	out  int64         // bytes of text so far
	line int64         // bytes since the last newline
	nl   int           // newlines so far
}

func (g *guard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	// Only the lines at the ends of p can be long: those inside are
	// shorter than p, which bufio keeps below maxLine.
	b := p[:n]
	first := bytes.IndexByte(b, '\n')
	if first < 0 {
		g.line += int64(n)
	} else {
		g.line += int64(first)
	}
	if g.line > maxLine {
		return 0, FormatError(fmt.Sprintf("line %d is longer than %d bytes", g.nl+1, maxLine))
	}
	if first >= 0 {
		g.nl += bytes.Count(b, []byte{'\n'})
		g.line = int64(n - 1 - bytes.LastIndexByte(b, '\n'))
	}
	g.out += int64(n)
	if g.in != nil && g.out > maxRatio*g.in.N+1<<20 {
		return 0, FormatError(fmt.Sprintf("gzip inflates %d bytes to more than %d, beyond the %d-fold of real edge lists", g.in.N, g.out, maxRatio))
	}
	return n, err
}

// gzReader names gzip in the errors of the decompressor.
type gzReader struct{ r io.Reader }

func (g gzReader) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("gzip: %w", err)
	}
	return n, err
}

func find(cols []string, names []string) string {
	for _, n := range names {
		for _, c := range cols {
			if strings.EqualFold(c, n) {
				return c
			}
		}
	}
	return ""
}

func index(cols []string, name string) int {
	for i, c := range cols {
		if c == name {
			return i
		}
	}
	for i, c := range cols {
		if strings.EqualFold(c, name) {
			return i
		}
	}
	return -1
}

// readHeader reads the header row and resolves the columns.
func readHeader(br *bufio.Reader, opt Options) (*csv.Reader, Header, error) {
	h := Header{Comma: opt.Comma}
	if h.Comma == 0 {
		line, err := br.Peek(min(br.Buffered()+4096, 1<<16))
		if len(line) == 0 && err != nil {
			if errors.Is(err, io.EOF) {
				return nil, h, FormatError("empty file: no header row")
			}
			return nil, h, err
		}
		if i := strings.IndexByte(string(line), '\n'); i >= 0 {
			line = line[:i]
		}
		h.Comma = ','
		if strings.Count(string(line), "\t") > strings.Count(string(line), ",") {
			h.Comma = '\t'
		}
	}
	cr := csv.NewReader(br)
	cr.Comma = h.Comma
	cr.ReuseRecord = true
	cr.TrimLeadingSpace = true
	cols, err := cr.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, h, FormatError("empty file: no header row")
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, h, FormatError(fmt.Sprintf("line %d: %v", pe.Line, pe.Err))
		}
		return nil, h, fmt.Errorf("edgelist: %w", err)
	}
	h.Columns = slices.Clone(cols)
	if len(h.Columns) > 0 {
		h.Columns[0] = strings.TrimPrefix(h.Columns[0], "\ufeff") // a byte-order mark
	}
	known := strings.Join(h.Columns, ", ")
	pick := func(what, given string, names []string, required bool) (string, error) {
		if given != "" {
			if i := index(h.Columns, given); i >= 0 {
				return h.Columns[i], nil
			}
			return "", fmt.Errorf("edgelist: no %s column %q (columns: %s)", what, given, known)
		}
		c := find(h.Columns, names)
		if c == "" && required {
			return "", fmt.Errorf("edgelist: no %s column found among %s; name it with a flag (columns: %s)",
				what, strings.Join(names, ", "), known)
		}
		return c, nil
	}
	if h.Pre, err = pick("presynaptic id", opt.Pre, preNames, true); err != nil {
		return nil, h, err
	}
	if h.Post, err = pick("postsynaptic id", opt.Post, postNames, true); err != nil {
		return nil, h, err
	}
	if h.Weight, err = pick("weight", opt.Weight, weightNames, false); err != nil {
		return nil, h, err
	}
	if opt.Sign != "" {
		if h.Sign, err = pick("sign", opt.Sign, nil, true); err != nil {
			return nil, h, err
		}
	} else if opt.Signed {
		return nil, h, errors.New("edgelist: signed weights need a sign column")
	}
	if h.Pre == h.Post {
		return nil, h, fmt.Errorf("edgelist: presynaptic and postsynaptic columns are both %q", h.Pre)
	}
	return cr, h, nil
}

// DecodeHeader reads the header row of an edge list and reports the
// columns that Decode would use.
func DecodeHeader(r io.Reader, opt Options) (Header, error) {
	br, err := open(r)
	if err != nil {
		return Header{}, err
	}
	_, h, err := readHeader(br, opt)
	return h, err
}

// Decode reads an edge list into a connectome with IDs set (and Sign when
// opt.Sign names a column).
func Decode(r io.Reader, opt Options) (*connectome.Connectome, error) {
	c, _, err := DecodeCount(r, opt)
	return c, err
}

// DecodeCount is Decode that also returns the number of data rows read
// (the entries stored in the file, before rows of one pair are summed).
func DecodeCount(r io.Reader, opt Options) (*connectome.Connectome, int, error) {
	c, rows, err := decode(r, opt)
	if err != nil {
		return nil, 0, err
	}
	return c, rows, nil
}

func decode(r io.Reader, opt Options) (*connectome.Connectome, int, error) {
	br, err := open(r)
	if err != nil {
		return nil, 0, err
	}
	cr, h, err := readHeader(br, opt)
	if err != nil {
		return nil, 0, err
	}
	ip, iq := index(h.Columns, h.Pre), index(h.Columns, h.Post)
	iw, is := -1, -1
	if h.Weight != "" {
		iw = index(h.Columns, h.Weight)
	}
	if h.Sign != "" {
		is = index(h.Columns, h.Sign)
	}
	inhib := map[string]bool{}
	names := opt.Inhibitory
	if names == nil {
		names = defaultInhibitory
	}
	for _, n := range names {
		inhib[strings.ToUpper(strings.TrimSpace(n))] = true
	}
	var pre, post []int64
	var w []float64
	var neg []bool // [rows] the row's sign value is inhibitory
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, 0, FormatError(fmt.Sprintf("line %d: %v", pe.Line, pe.Err))
			}
			var fe FormatError
			if errors.As(err, &fe) { // from guard: already named
				return nil, 0, err
			}
			return nil, 0, fmt.Errorf("edgelist: %w", err)
		}
		line, _ := cr.FieldPos(0)
		p, err := strconv.ParseInt(strings.TrimSpace(rec[ip]), 10, 64)
		if err != nil {
			return nil, 0, FormatError(fmt.Sprintf("line %d: %s %q is not a 64-bit integer id", line, h.Pre, rec[ip]))
		}
		q, err := strconv.ParseInt(strings.TrimSpace(rec[iq]), 10, 64)
		if err != nil {
			return nil, 0, FormatError(fmt.Sprintf("line %d: %s %q is not a 64-bit integer id", line, h.Post, rec[iq]))
		}
		v := 1.0
		if iw >= 0 {
			v, err = strconv.ParseFloat(strings.TrimSpace(rec[iw]), 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, 0, FormatError(fmt.Sprintf("line %d: %s %q is not a finite number", line, h.Weight, rec[iw]))
			}
		}
		if len(pre)%(1<<20) == 1<<20-1 {
			if err := budget.Check(fmt.Sprintf("edgelist: more than %d rows", len(pre)), rowBytes*float64(len(pre))); err != nil {
				return nil, 0, err
			}
		}
		pre = append(pre, p)
		post = append(post, q)
		w = append(w, v)
		if is >= 0 {
			s := strings.TrimSpace(rec[is])
			x, nerr := strconv.ParseFloat(s, 64)
			neg = append(neg, inhib[strings.ToUpper(s)] || (nerr == nil && x < 0))
		}
	}
	// Distinct ids, ascending, become neurons 0..N-1.
	ids := make([]int64, 0, 2*len(pre))
	ids = append(append(ids, pre...), post...)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	if len(ids) > check.MaxEntries {
		return nil, 0, FormatError(fmt.Sprintf("%d neurons exceed the int32 limit", len(ids)))
	}
	ids = slices.Clip(ids)
	idx := make(map[int64]int32, len(ids))
	for i, id := range ids {
		idx[id] = int32(i)
	}
	n := len(ids)
	c := &connectome.Connectome{IDs: ids}
	if is >= 0 {
		var inh, exc []float64 = make([]float64, n), make([]float64, n)
		for k, p := range pre {
			if neg[k] {
				inh[idx[p]] += math.Abs(w[k])
			} else {
				exc[idx[p]] += math.Abs(w[k])
			}
		}
		c.Sign = make([]int8, n)
		for i := range c.Sign {
			c.Sign[i] = 1
			if inh[i] > exc[i] {
				c.Sign[i] = -1
			}
		}
	}
	b := sparse.NewCOO(n, n, len(pre))
	for k := range pre {
		i, j := idx[post[k]], idx[pre[k]]
		v := w[k]
		if opt.Signed {
			v *= float64(c.Sign[j])
		}
		b.Add(int(i), int(j), v)
	}
	rows := len(pre)
	pre, post, w = nil, nil, nil
	if c.W, err = check.CSR(b); err != nil {
		return nil, 0, fmt.Errorf("edgelist: %w", err)
	}
	return c, rows, nil
}

// id returns neuron i's id: c.IDs[i], or i when c has no ids.
func id(c *connectome.Connectome, i int) int64 {
	if c.IDs != nil {
		return c.IDs[i]
	}
	return int64(i)
}

// Encode writes c's weights as an edge list "pre,post,weight" separated
// by comma (',' or '\t'; 0 means ','), one row per nonzero entry W[post,
// pre] with the neurons' ids (their indices when c has none), rows ordered
// by post then pre. Without ids, every neuron must have a synapse: the
// file could not say that a neuron without one exists.
func Encode(w io.Writer, c *connectome.Connectome, comma rune) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("edgelist: encode: %w", err)
	}
	if comma == 0 {
		comma = ','
	}
	if comma != ',' && comma != '\t' {
		panic("edgelist: separator must be ',' or '\\t'")
	}
	// An edge list names only neurons with a synapse: reading one back
	// drops the others. With ids, the ids still say which neuron is which;
	// without, the indices are the ids and the rest would be renumbered
	// into a different network.
	m := c.W
	if c.IDs == nil {
		if err := allLinked(m); err != nil {
			return err
		}
	}
	sep := byte(comma)
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString("pre" + string(sep) + "post" + string(sep) + "weight\n")
	var buf []byte
	for i := 0; i < m.Rows; i++ {
		for k := m.RowPtr[i]; k < m.RowPtr[i+1]; k++ {
			buf = strconv.AppendInt(buf[:0], id(c, int(m.ColIdx[k])), 10)
			buf = append(buf, sep)
			buf = strconv.AppendInt(buf, id(c, i), 10)
			buf = append(buf, sep)
			buf = strconv.AppendFloat(buf, float64(m.Val[k]), 'g', -1, 32)
			buf = append(buf, '\n')
			bw.Write(buf)
		}
	}
	return bw.Flush()
}

// allLinked returns an error if a neuron of m has no synapse in or out.
func allLinked(m *sparse.CSR) error {
	linked := make([]bool, m.Rows)
	for i := 0; i < m.Rows; i++ {
		if m.RowPtr[i+1] > m.RowPtr[i] {
			linked[i] = true
		}
	}
	for _, j := range m.ColIdx {
		linked[j] = true
	}
	k := slices.Index(linked, false)
	if k < 0 {
		return nil
	}
	n := 0
	for _, l := range linked {
		if !l {
			n++
		}
	}
	return fmt.Errorf("edgelist: encode: %d of %d neurons have no synapse (the first: %d) and the neurons have no ids; an edge list cannot hold them, and reading it back would renumber the rest: write .npc, .npz or .pt", n, m.Rows, k)
}

// EncodeNeurons writes the neuron table "index,id" (then ",sign" when c
// has signs, ",type" when it has cell types, and c's further Columns),
// the map from matrix indices back to the original ids, which
// DecodeNeurons reads.
func EncodeNeurons(w io.Writer, c *connectome.Connectome) error {
	if err := c.Validate(); err != nil {
		return fmt.Errorf("edgelist: encode: %w", err)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	cw := csv.NewWriter(bw)
	rec := []string{"index", "id"}
	if c.Sign != nil {
		rec = append(rec, "sign")
	}
	if c.Type != nil {
		rec = append(rec, "type")
	}
	for _, col := range c.Columns {
		rec = append(rec, col.Name)
	}
	cw.Write(rec)
	for i := 0; i < c.Neurons(); i++ {
		rec = append(rec[:0], strconv.Itoa(i), strconv.FormatInt(id(c, i), 10))
		if c.Sign != nil {
			rec = append(rec, strconv.Itoa(int(c.Sign[i])))
		}
		if c.Type != nil {
			rec = append(rec, c.TypeNames[c.Type[i]])
		}
		for _, col := range c.Columns {
			rec = append(rec, col.Values[i])
		}
		cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// A NeuronTable is what DecodeNeurons reads: per-neuron ids (nil when
// every id equals its index), signs and types (nil without those columns).
type NeuronTable struct {
	IDs       []int64
	Sign      []int8
	Type      []int32 // index into TypeNames
	TypeNames []string
	Columns   []connectome.Column // the other columns, as written
}

// DecodeNeurons reads a neuron table for a connectome of n neurons, one
// row per neuron in index order: the columns "index" and "id" first (as
// EncodeNeurons writes them), then any others: "sign" (1, -1 or 0) and
// "type" (a name) are read as such, the rest (the optic lobe's u and v,
// say) kept as Columns. Errors name the line.
func DecodeNeurons(r io.Reader, n int) (*NeuronTable, error) {
	cr := csv.NewReader(bufio.NewReader(r))
	cr.ReuseRecord = true
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("neuron table: header: %w", eofUnexpected(err))
	}
	if len(head) < 2 || head[0] != "index" || head[1] != "id" {
		return nil, fmt.Errorf("neuron table: header %q, want it to begin with \"index,id\"", strings.Join(head, ","))
	}
	signCol, typeCol := slices.Index(head, "sign"), slices.Index(head, "type")
	t := &NeuronTable{IDs: make([]int64, n)}
	if signCol >= 0 {
		t.Sign = make([]int8, n)
	}
	typeIndex := map[string]int32{}
	if typeCol >= 0 {
		t.Type = make([]int32, n)
	}
	var extra []int // columns kept as they are
	for k, name := range head[2:] {
		if name != "sign" && name != "type" {
			extra = append(extra, k+2)
			t.Columns = append(t.Columns, connectome.Column{Name: name})
		}
	}
	identity := true
	for i := 0; i < n; i++ {
		rec, err := cr.Read()
		if err != nil {
			return nil, fmt.Errorf("neuron table line %d: %w (the connectome has %d neurons)", i+2, eofUnexpected(err), n)
		}
		if k, err := strconv.Atoi(rec[0]); err != nil || k != i {
			return nil, fmt.Errorf("neuron table line %d: index %q, want %d", i+2, rec[0], i)
		}
		if t.IDs[i], err = strconv.ParseInt(rec[1], 10, 64); err != nil {
			return nil, fmt.Errorf("neuron table line %d: id %q is not an integer", i+2, rec[1])
		}
		identity = identity && t.IDs[i] == int64(i)
		if signCol >= 0 {
			switch rec[signCol] {
			case "1":
				t.Sign[i] = 1
			case "-1":
				t.Sign[i] = -1
			case "0":
			default:
				return nil, fmt.Errorf("neuron table line %d: sign %q, want 1, -1 or 0", i+2, rec[signCol])
			}
		}
		if typeCol >= 0 {
			name := rec[typeCol]
			k, ok := typeIndex[name]
			if !ok {
				k = int32(len(t.TypeNames))
				typeIndex[name] = k
				t.TypeNames = append(t.TypeNames, name)
			}
			t.Type[i] = k
		}
		for e, k := range extra {
			t.Columns[e].Values = append(t.Columns[e].Values, rec[k])
		}
	}
	if _, err := cr.Read(); err != io.EOF {
		return nil, fmt.Errorf("neuron table line %d: more rows than the connectome's %d neurons", n+2, n)
	}
	if identity {
		t.IDs = nil
	}
	return t, nil
}

// eofUnexpected turns a premature io.EOF into io.ErrUnexpectedEOF.
func eofUnexpected(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
