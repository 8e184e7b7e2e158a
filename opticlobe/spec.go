package opticlobe

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
)

// Spec is a parsed network description: cell types and type pairs.
type Spec struct {
	Types       []CellType // in file order; the order of the neurons
	Pairs       []PairSpec // in file order; the order of the edges
	InputUnits  []string   // types that receive the eye's input (R1–R8)
	OutputUnits []string   // types flyvis decodes from
}

// CellType is one cell type of a spec.
type CellType struct {
	Name string
	// Stride (su, sv): the type has a neuron in each column with
	// u % su == 0 and v % sv == 0; (1, 1) is every column.
	Stride [2]int
	// Single: the type has one neuron, in the central column (flyvis
	// pattern "single"); Stride is then (1, 1).
	Single bool
}

// PairSpec is the connection of one source cell type to one target type.
type PairSpec struct {
	Source, Target int      // indices into Spec.Types
	Sign           int8     // +1 excitatory, -1 inhibitory ("alpha" in the file)
	Offsets        []Offset // hexagonal offsets target − source, as listed
}

// Offset is one (du, dv) of a pair with its average synapse count.
type Offset struct {
	DU, DV int
	NSyn   float64 // average number of synapses, > 0
}

// TypeIndex returns the index of the named type, or -1.
func (s *Spec) TypeIndex(name string) int {
	for i, t := range s.Types {
		if t.Name == name {
			return i
		}
	}
	return -1
}

// TypeNames returns the names of the cell types in order.
func (s *Spec) TypeNames() []string {
	names := make([]string, len(s.Types))
	for i, t := range s.Types {
		names[i] = t.Name
	}
	return names
}

// The JSON layout (flyvis ConnectomeFromAvgFilters):
//
//	{"nodes": [{"name": "R1", "pattern": ["stride", [1, 1]], ...}, ...],
//	 "edges": [{"src": "R1", "tar": "L1", "alpha": -1,
//	            "offsets": [[[du, dv], n_syn], ...], ...}, ...],
//	 "input_units": ["R1", ...], "output_units": ["T4a", ...]}
//
// Patterns are ["stride", [su, sv]], ["tile", n] (stride (n, n)) or
// ["single", null]. Other fields (bias, time constants, references) are
// ignored: the parameters are flyvis's defaults (see Params).
type jsonSpec struct {
	Nodes       *[]jsonNode `json:"nodes"`
	Edges       *[]jsonEdge `json:"edges"`
	InputUnits  []string    `json:"input_units"`
	OutputUnits []string    `json:"output_units"`
}

type jsonNode struct {
	Name    *string           `json:"name"`
	Pattern []json.RawMessage `json:"pattern"`
}

type jsonEdge struct {
	Src     *string              `json:"src"`
	Tar     *string              `json:"tar"`
	Alpha   *float64             `json:"alpha"`
	Offsets *[][]json.RawMessage `json:"offsets"`
}

// maxSpecOffset bounds |du| and |dv|: the file's largest is 6; anything
// far beyond the lattice is a corrupt file, and the hull completion must
// not be asked to enumerate an enormous grid.
const maxSpecOffset = 1000

// maxStride bounds a type's stride for the same reason.
const maxStride = 1000

// SpecError is the error for a malformed spec. Item names the node or edge
// ("node 3 (L1)", "edge 12 (R1→L1)"), empty for file-level problems.
type SpecError struct {
	File string // file name, empty when parsed from a reader
	Item string
	Msg  string
}

func (e *SpecError) Error() string {
	var sb strings.Builder
	sb.WriteString("opticlobe: ")
	if e.File != "" {
		sb.WriteString(e.File + ": ")
	}
	sb.WriteString("spec: ")
	if e.Item != "" {
		sb.WriteString(e.Item + ": ")
	}
	sb.WriteString(e.Msg)
	return sb.String()
}

// LoadSpec reads and parses the spec file at path.
func LoadSpec(path string) (*Spec, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("opticlobe: %w", err)
	}
	s, err := ParseSpec(bytes.NewReader(b))
	if err != nil {
		var se *SpecError
		if errors.As(err, &se) {
			se.File = path
			return nil, se
		}
		return nil, fmt.Errorf("opticlobe: %s: %w", path, err)
	}
	return s, nil
}

// ParseSpec parses a JSON spec in the flyvis layout. Every problem (bad
// JSON, a missing field, an unknown type name, a duplicate type or pair, a
// zero or negative stride, a sign other than ±1, a non-positive or
// non-finite synapse count) is a *SpecError.
func ParseSpec(r io.Reader) (*Spec, error) {
	var js jsonSpec
	dec := json.NewDecoder(r)
	if err := dec.Decode(&js); err != nil {
		return nil, &SpecError{Msg: "bad JSON: " + err.Error()}
	}
	if js.Nodes == nil {
		return nil, &SpecError{Msg: `missing field "nodes"`}
	}
	if js.Edges == nil {
		return nil, &SpecError{Msg: `missing field "edges"`}
	}
	if len(*js.Nodes) == 0 {
		return nil, &SpecError{Msg: `"nodes" is empty`}
	}
	s := &Spec{}
	index := map[string]int{}
	for i, n := range *js.Nodes {
		item := fmt.Sprintf("node %d", i)
		if n.Name == nil {
			return nil, &SpecError{Item: item, Msg: `missing field "name"`}
		}
		if *n.Name == "" {
			return nil, &SpecError{Item: item, Msg: "empty name"}
		}
		item = fmt.Sprintf("node %d (%s)", i, *n.Name)
		if _, dup := index[*n.Name]; dup {
			return nil, &SpecError{Item: item, Msg: "duplicate cell type"}
		}
		t, err := parsePattern(n.Pattern)
		if err != nil {
			return nil, &SpecError{Item: item, Msg: err.Error()}
		}
		t.Name = *n.Name
		index[t.Name] = i
		s.Types = append(s.Types, t)
	}
	known := strings.Join(s.TypeNames(), ", ")
	lookup := func(item, field, name string) (int, error) {
		i, ok := index[name]
		if !ok {
			return 0, &SpecError{Item: item, Msg: fmt.Sprintf("unknown %s type %q (known: %s)", field, name, known)}
		}
		return i, nil
	}
	seen := map[[2]int]int{}
	for k, e := range *js.Edges {
		item := fmt.Sprintf("edge %d", k)
		if e.Src == nil {
			return nil, &SpecError{Item: item, Msg: `missing field "src"`}
		}
		if e.Tar == nil {
			return nil, &SpecError{Item: item, Msg: `missing field "tar"`}
		}
		item = fmt.Sprintf("edge %d (%s→%s)", k, *e.Src, *e.Tar)
		src, err := lookup(item, "source", *e.Src)
		if err != nil {
			return nil, err
		}
		tar, err := lookup(item, "target", *e.Tar)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[[2]int{src, tar}]; dup {
			return nil, &SpecError{Item: item, Msg: fmt.Sprintf("duplicate pair (first at edge %d)", prev)}
		}
		seen[[2]int{src, tar}] = k
		if e.Alpha == nil {
			return nil, &SpecError{Item: item, Msg: `missing field "alpha" (the sign)`}
		}
		if *e.Alpha != 1 && *e.Alpha != -1 {
			return nil, &SpecError{Item: item, Msg: fmt.Sprintf("sign (alpha) is %v, want 1 or -1", *e.Alpha)}
		}
		if e.Offsets == nil {
			return nil, &SpecError{Item: item, Msg: `missing field "offsets"`}
		}
		if len(*e.Offsets) == 0 {
			return nil, &SpecError{Item: item, Msg: `"offsets" is empty`}
		}
		p := PairSpec{Source: src, Target: tar, Sign: int8(*e.Alpha)}
		dups := map[[2]int]bool{}
		for j, raw := range *e.Offsets {
			o, err := parseOffset(raw)
			if err != nil {
				return nil, &SpecError{Item: item, Msg: fmt.Sprintf("offset %d: %v", j, err)}
			}
			if dups[[2]int{o.DU, o.DV}] {
				return nil, &SpecError{Item: item, Msg: fmt.Sprintf("offset %d: duplicate offset (%d, %d)", j, o.DU, o.DV)}
			}
			dups[[2]int{o.DU, o.DV}] = true
			p.Offsets = append(p.Offsets, o)
		}
		s.Pairs = append(s.Pairs, p)
	}
	for _, f := range []struct {
		field string
		names []string
	}{{"input_units", js.InputUnits}, {"output_units", js.OutputUnits}} {
		for _, name := range f.names {
			if _, err := lookup(f.field, "unit", name); err != nil {
				return nil, err
			}
		}
	}
	s.InputUnits = js.InputUnits
	s.OutputUnits = js.OutputUnits
	return s, nil
}

// knownPatterns lists the pattern kinds ParseSpec accepts.
const knownPatterns = "stride, tile, single"

func parsePattern(raw []json.RawMessage) (CellType, error) {
	t := CellType{Stride: [2]int{1, 1}}
	if raw == nil {
		return t, errors.New(`missing field "pattern"`)
	}
	if len(raw) != 2 {
		return t, fmt.Errorf(`pattern has %d elements, want ["kind", argument]`, len(raw))
	}
	var kind string
	if err := json.Unmarshal(raw[0], &kind); err != nil {
		return t, fmt.Errorf("pattern kind is not a string: %s", raw[0])
	}
	switch kind {
	case "stride":
		var st []int
		if err := json.Unmarshal(raw[1], &st); err != nil || len(st) != 2 {
			return t, fmt.Errorf("stride pattern wants [su, sv] integers, got %s", raw[1])
		}
		t.Stride = [2]int{st[0], st[1]}
	case "tile":
		var n int
		if err := json.Unmarshal(raw[1], &n); err != nil {
			return t, fmt.Errorf("tile pattern wants an integer stride, got %s", raw[1])
		}
		t.Stride = [2]int{n, n}
	case "single":
		t.Single = true
	default:
		return t, fmt.Errorf("unknown pattern %q (known: %s)", kind, knownPatterns)
	}
	for _, s := range t.Stride {
		if s < 1 || s > maxStride {
			return t, fmt.Errorf("stride %v: each stride must be in [1, %d]", t.Stride, maxStride)
		}
	}
	return t, nil
}

func parseOffset(raw []json.RawMessage) (Offset, error) {
	if len(raw) != 2 {
		return Offset{}, fmt.Errorf("want [[du, dv], n_syn], got %d elements", len(raw))
	}
	var d []int
	if err := json.Unmarshal(raw[0], &d); err != nil || len(d) != 2 {
		return Offset{}, fmt.Errorf("want integer [du, dv], got %s", raw[0])
	}
	var n float64
	if err := json.Unmarshal(raw[1], &n); err != nil {
		return Offset{}, fmt.Errorf("synapse count is not a number: %s", raw[1])
	}
	if math.IsNaN(n) || math.IsInf(n, 0) || n <= 0 {
		return Offset{}, fmt.Errorf("synapse count %v, want a positive number", n)
	}
	for _, c := range d {
		if c < -maxSpecOffset || c > maxSpecOffset {
			return Offset{}, fmt.Errorf("offset (%d, %d) beyond ±%d", d[0], d[1], maxSpecOffset)
		}
	}
	return Offset{DU: d[0], DV: d[1], NSyn: n}, nil
}
