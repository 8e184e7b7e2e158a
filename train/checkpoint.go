package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"os"

	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/sparse"
)

// Checkpoint file layout (version 1), all integers little-endian:
//
//	magic    "NPLCKPT\n"                        8 bytes
//	version  uint32                             1
//	header   uint64 length, then JSON           checkpointHeader
//	arrays   uint32 count, then for each:
//	           uint16 name length, name bytes
//	           uint8 type (1 float32, 2 int32, 3 int8)
//	           uint64 element count, then the elements
//	crc      uint32 CRC-32C (Castagnoli) of every byte before it
//
// Decoding checks the checksum before anything else, so a truncated or
// altered file is reported as corrupt rather than misread.
const (
	ckptMagic   = "NPLCKPT\n"
	ckptVersion = 1
	maxName     = 256
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// CheckpointError reports a checkpoint file that cannot be read.
type CheckpointError struct {
	Path string
	Err  error
}

func (e *CheckpointError) Error() string { return "checkpoint " + e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *CheckpointError) Unwrap() error { return e.Err }

// ErrCorrupt is wrapped by errors about checkpoints whose checksum or
// structure is wrong.
var ErrCorrupt = errors.New("corrupt checkpoint")

// State is the position of a training run: what resuming needs besides
// the model and the optimiser.
type State struct {
	Epoch   int     `json:"epoch"`    // current epoch, 0-based
	Batch   int     `json:"batch"`    // next batch of the epoch
	LossSum float64 `json:"loss_sum"` // Σ batch loss × batch size so far in the epoch
	Correct int     `json:"correct"`  // correct predictions so far in the epoch
	Seen    int     `json:"seen"`     // training samples so far in the epoch
	Seconds float64 `json:"seconds"`  // training wall time so far in the epoch
	History []Epoch `json:"history"`  // finished epochs
	Done    bool    `json:"done"`     // the run finished all its epochs
}

// Check returns an error for a position no run reaches: a negative count,
// more correct predictions than samples seen, sums that are not finite
// or negative, or a history whose epochs do not increase up to Epoch. A checkpoint's checksum proves it unaltered, not sane.
func (s *State) Check() error {
	switch {
	case s.Epoch < 0 || s.Batch < 0 || s.Seen < 0 || s.Correct < 0:
		return fmt.Errorf("negative epoch %d, batch %d, samples seen %d or correct %d", s.Epoch, s.Batch, s.Seen, s.Correct)
	case s.Correct > s.Seen:
		return fmt.Errorf("%d correct of %d samples seen", s.Correct, s.Seen)
	case !(s.LossSum >= 0) || math.IsInf(s.LossSum, 0) || !(s.Seconds >= 0) || math.IsInf(s.Seconds, 0):
		return fmt.Errorf("loss sum %v or seconds %v not finite and non-negative", s.LossSum, s.Seconds)
	case len(s.History) > s.Epoch:
		return fmt.Errorf("%d epochs in the history at epoch %d", len(s.History), s.Epoch)
	}
	last := 0
	for i, e := range s.History {
		if e.Epoch <= last || e.Epoch > s.Epoch {
			return fmt.Errorf("history entry %d is epoch %d", i+1, e.Epoch)
		}
		last = e.Epoch
	}
	return nil
}

// fits returns an error unless s is a position of a run of batches
// batches of batch samples per epoch.
func (s *State) fits(batches, batch int) error {
	if s.Batch > batches || s.Seen != s.Batch*batch {
		return fmt.Errorf("checkpoint at batch %d with %d samples seen does not fit a run of %d batches of %d: %w",
			s.Batch, s.Seen, batches, batch, ErrCorrupt)
	}
	return nil
}

// Epoch holds the metrics of one finished epoch.
type Epoch struct {
	Epoch         int     `json:"epoch"` // 1-based
	TrainLoss     float64 `json:"train_loss"`
	TrainAccuracy float64 `json:"train_accuracy"`
	TestLoss      float64 `json:"test_loss"`
	TestAccuracy  float64 `json:"test_accuracy"`
	Seconds       float64 `json:"seconds"` // training time of the epoch, without evaluation
}

// Checkpoint is everything a run needs to continue: the model, the
// optimiser state, the run's position and its settings (opaque JSON of the
// caller, compared on resume).
type Checkpoint struct {
	Model    *Model
	Opt      *Optimizer // may be nil (a model without training state)
	State    State
	Settings json.RawMessage
}

type checkpointHeader struct {
	Neurons, Inputs, Outputs, Hidden, Classes int
	Nonlinearity                              string
	Dale, OutputProjection, TauPerType        bool
	TauFloor                                  float32
	Dropout                                   float64
	Optim                                     *OptimConfig `json:",omitempty"`
	OptStep                                   int64
	State                                     State
	Settings                                  json.RawMessage `json:",omitempty"`
}

type array struct {
	name string
	data any // []float32, []int32 or []int8
}

// Encode writes c in the checkpoint format.
func (c *Checkpoint) Encode(w io.Writer) error {
	m := c.Model
	h := checkpointHeader{Neurons: m.Neurons, Inputs: m.Inputs, Outputs: m.Outputs, Hidden: m.Hidden,
		Classes: m.Classes, Nonlinearity: m.Nonlinearity.String(), Dale: m.Dale,
		OutputProjection: m.OutputProjection, TauPerType: m.NeuronType != nil, TauFloor: m.TauFloor,
		Dropout: m.Dropout, State: c.State, Settings: c.Settings}
	arrays := []array{
		{"hh.rowptr", m.W.RowPtr}, {"hh.col", m.W.ColIdx}, {"ih.rowptr", m.Input.RowPtr}, {"ih.col", m.Input.ColIdx},
		{"out.rowptr", m.Out.RowPtr}, {"out.col", m.Out.ColIdx},
	}
	for i, f := range m.fields() {
		arrays = append(arrays, array{paramNames[i], *f})
	}
	if m.Dale {
		arrays = append(arrays, array{"sign", m.Sign})
	}
	if m.NeuronType != nil {
		arrays = append(arrays, array{"neuron_type", m.NeuronType})
	}
	if c.Opt != nil {
		oc := c.Opt.Config
		h.Optim = &oc
		h.OptStep = c.Opt.Step
		for i := range c.Opt.M {
			arrays = append(arrays, array{"opt.m." + paramNames[i], c.Opt.M[i]})
		}
		for i := range c.Opt.V {
			arrays = append(arrays, array{"opt.v." + paramNames[i], c.Opt.V[i]})
		}
	}
	js, err := json.Marshal(h)
	if err != nil {
		return err
	}
	crc := crc32.New(crcTable)
	bw := io.MultiWriter(w, crc)
	var buf [8]byte
	put32 := func(v uint32) error {
		binary.LittleEndian.PutUint32(buf[:4], v)
		_, err := bw.Write(buf[:4])
		return err
	}
	put64 := func(v uint64) error {
		binary.LittleEndian.PutUint64(buf[:], v)
		_, err := bw.Write(buf[:])
		return err
	}
	if _, err := io.WriteString(bw, ckptMagic); err != nil {
		return err
	}
	if err := put32(ckptVersion); err != nil {
		return err
	}
	if err := put64(uint64(len(js))); err != nil {
		return err
	}
	if _, err := bw.Write(js); err != nil {
		return err
	}
	if err := put32(uint32(len(arrays))); err != nil {
		return err
	}
	for _, a := range arrays {
		binary.LittleEndian.PutUint16(buf[:2], uint16(len(a.name)))
		if _, err := bw.Write(buf[:2]); err != nil {
			return err
		}
		if _, err := io.WriteString(bw, a.name); err != nil {
			return err
		}
		var typ byte
		var n int
		switch d := a.data.(type) {
		case []float32:
			typ, n = 1, len(d)
		case []int32:
			typ, n = 2, len(d)
		case []int8:
			typ, n = 3, len(d)
		}
		if _, err := bw.Write([]byte{typ}); err != nil {
			return err
		}
		if err := put64(uint64(n)); err != nil {
			return err
		}
		if err := writeData(bw, a.data); err != nil {
			return err
		}
	}
	binary.LittleEndian.PutUint32(buf[:4], crc.Sum32())
	_, err = w.Write(buf[:4])
	return err
}

func writeData(w io.Writer, data any) error {
	const chunk = 1 << 14
	buf := make([]byte, 4*chunk)
	switch d := data.(type) {
	case []float32:
		for len(d) > 0 {
			n := min(len(d), chunk)
			for k, v := range d[:n] {
				binary.LittleEndian.PutUint32(buf[4*k:], math.Float32bits(v))
			}
			if _, err := w.Write(buf[:4*n]); err != nil {
				return err
			}
			d = d[n:]
		}
	case []int32:
		for len(d) > 0 {
			n := min(len(d), chunk)
			for k, v := range d[:n] {
				binary.LittleEndian.PutUint32(buf[4*k:], uint32(v))
			}
			if _, err := w.Write(buf[:4*n]); err != nil {
				return err
			}
			d = d[n:]
		}
	case []int8:
		b := make([]byte, len(d))
		for k, v := range d {
			b[k] = byte(v)
		}
		_, err := w.Write(b)
		return err
	}
	return nil
}

// Save writes c to path atomically: a reader (or a resumed run) never
// sees a half-written checkpoint.
func (c *Checkpoint) Save(path string) error {
	return atomic.WriteFile(path, c.Encode)
}

// Load reads a checkpoint file.
func Load(path string) (*Checkpoint, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Decode(b)
	if err != nil {
		return nil, &CheckpointError{Path: path, Err: err}
	}
	return c, nil
}

// Decode parses a checkpoint held in memory. It never panics: a wrong
// checksum, a truncated file or inconsistent contents are errors (wrapping
// ErrCorrupt for structural damage).
func Decode(b []byte) (*Checkpoint, error) {
	if len(b) < len(ckptMagic)+4+8+4+4 || string(b[:len(ckptMagic)]) != ckptMagic {
		return nil, fmt.Errorf("not a neuropil checkpoint (bad magic or too short): %w", ErrCorrupt)
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, crcTable) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return nil, fmt.Errorf("checksum mismatch (truncated or altered file): %w", ErrCorrupt)
	}
	r := bytes.NewReader(body[len(ckptMagic):])
	var ver uint32
	if err := binary.Read(r, binary.LittleEndian, &ver); err != nil {
		return nil, fmt.Errorf("reading version: %w", ErrCorrupt)
	}
	if ver != ckptVersion {
		return nil, fmt.Errorf("unsupported checkpoint version %d (this build reads %d)", ver, ckptVersion)
	}
	var hl uint64
	if err := binary.Read(r, binary.LittleEndian, &hl); err != nil || hl > uint64(r.Len()) {
		return nil, fmt.Errorf("header length %d: %w", hl, ErrCorrupt)
	}
	js := make([]byte, hl)
	io.ReadFull(r, js)
	var h checkpointHeader
	if err := json.Unmarshal(js, &h); err != nil {
		return nil, fmt.Errorf("header: %v: %w", err, ErrCorrupt)
	}
	var count uint32
	if err := binary.Read(r, binary.LittleEndian, &count); err != nil || count > 1024 {
		return nil, fmt.Errorf("array count: %w", ErrCorrupt)
	}
	arrays := map[string]any{}
	for range count {
		var nl uint16
		if err := binary.Read(r, binary.LittleEndian, &nl); err != nil || int(nl) > maxName || int(nl) > r.Len() {
			return nil, fmt.Errorf("array name: %w", ErrCorrupt)
		}
		name := make([]byte, nl)
		io.ReadFull(r, name)
		typ, err := r.ReadByte()
		if err != nil {
			return nil, fmt.Errorf("array %q type: %w", name, ErrCorrupt)
		}
		var n uint64
		if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
			return nil, fmt.Errorf("array %q length: %w", name, ErrCorrupt)
		}
		size := map[byte]uint64{1: 4, 2: 4, 3: 1}[typ]
		if size == 0 || n > uint64(r.Len())/size {
			return nil, fmt.Errorf("array %q: type %d with %d elements does not fit the file: %w", name, typ, n, ErrCorrupt)
		}
		raw := make([]byte, n*size)
		io.ReadFull(r, raw)
		switch typ {
		case 1:
			d := make([]float32, n)
			for k := range d {
				d[k] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*k:]))
			}
			arrays[string(name)] = d
		case 2:
			d := make([]int32, n)
			for k := range d {
				d[k] = int32(binary.LittleEndian.Uint32(raw[4*k:]))
			}
			arrays[string(name)] = d
		case 3:
			d := make([]int8, n)
			for k := range d {
				d[k] = int8(raw[k])
			}
			arrays[string(name)] = d
		}
	}
	if r.Len() != 0 {
		return nil, fmt.Errorf("%d stray bytes after the arrays: %w", r.Len(), ErrCorrupt)
	}
	return assemble(&h, arrays)
}

func assemble(h *checkpointHeader, arrays map[string]any) (*Checkpoint, error) {
	var missing error
	f32 := func(name string) []float32 {
		v, ok := arrays[name].([]float32)
		if !ok && missing == nil {
			missing = fmt.Errorf("array %q missing or not float32: %w", name, ErrCorrupt)
		}
		if v == nil {
			v = []float32{}
		}
		return v
	}
	i32 := func(name string) []int32 {
		v, ok := arrays[name].([]int32)
		if !ok && missing == nil {
			missing = fmt.Errorf("array %q missing or not int32: %w", name, ErrCorrupt)
		}
		return v
	}
	if h.Neurons < 1 || h.Inputs < 1 || h.Outputs < 1 || h.Hidden < 1 || h.Classes < 2 ||
		h.Neurons > 1<<28 || h.Inputs > 1<<28 || h.Outputs > 1<<28 || h.Hidden > 1<<28 || h.Classes > 1<<28 {
		return nil, fmt.Errorf("bad sizes in header: %w", ErrCorrupt)
	}
	phi, err := model.ParseNonlinearity(h.Nonlinearity)
	if err != nil {
		return nil, fmt.Errorf("header: %v: %w", err, ErrCorrupt)
	}
	csr := func(prefix string, rows, cols int) *sparse.CSR {
		return &sparse.CSR{Rows: rows, Cols: cols, RowPtr: i32(prefix + ".rowptr"), ColIdx: i32(prefix + ".col")}
	}
	m := &Model{Neurons: h.Neurons, Inputs: h.Inputs, Outputs: h.Outputs, Hidden: h.Hidden, Classes: h.Classes,
		W: csr("hh", h.Neurons, h.Neurons), Input: csr("ih", h.Neurons, h.Inputs), Out: csr("out", h.Outputs, h.Neurons),
		Nonlinearity: phi, Dale: h.Dale, TauFloor: h.TauFloor, OutputProjection: h.OutputProjection, Dropout: h.Dropout}
	for i, f := range m.fields() {
		*f = f32(paramNames[i])
	}
	if h.Dale {
		s, ok := arrays["sign"].([]int8)
		if !ok {
			return nil, fmt.Errorf("dale model without signs: %w", ErrCorrupt)
		}
		m.Sign = s
	}
	if h.TauPerType {
		m.NeuronType = i32("neuron_type")
	}
	if missing != nil {
		return nil, missing
	}
	if err := m.Check(); err != nil {
		return nil, fmt.Errorf("model: %v: %w", err, ErrCorrupt)
	}
	if err := h.State.Check(); err != nil {
		return nil, fmt.Errorf("state: %v: %w", err, ErrCorrupt)
	}
	c := &Checkpoint{Model: m, State: h.State, Settings: h.Settings}
	if h.Optim != nil {
		oc, err := h.Optim.resolve()
		if err != nil {
			return nil, fmt.Errorf("optimizer: %v: %w", err, ErrCorrupt)
		}
		o := &Optimizer{Config: oc, Step: h.OptStep}
		for i, p := range m.Params() {
			mv := f32("opt.m." + paramNames[i])
			if len(mv) != len(p) && missing == nil {
				missing = fmt.Errorf("optimizer state of %s has %d values for %d: %w", paramNames[i], len(mv), len(p), ErrCorrupt)
			}
			o.M = append(o.M, mv)
			if oc.Method != "sgd" {
				vv := f32("opt.v." + paramNames[i])
				if len(vv) != len(p) && missing == nil {
					missing = fmt.Errorf("optimizer state of %s has %d values for %d: %w", paramNames[i], len(vv), len(p), ErrCorrupt)
				}
				o.V = append(o.V, vv)
			}
		}
		if missing != nil {
			return nil, missing
		}
		c.Opt = o
	}
	return c, nil
}
