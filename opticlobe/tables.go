package opticlobe

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/internal/atomic"
)

// TableFormats returns the formats WriteTables knows: csv and npz.
func TableFormats() []string { return []string{"csv", "npz"} }

// WriteTables writes the neuron, edge and pair tables beside a connectome
// file, as <prefix>.neurons.<ext>, <prefix>.edges.<ext> and
// <prefix>.pairs.<ext> with ext = kind ("csv" or "npz").
//
// CSV (pandas.read_csv), one row per item with a header:
//
//	neurons: index, id (= index), sign, type (name), u, v; a superset of
//	         the NAME.neurons.csv of format.Save
//	edges:   source, target, sign, n_syn, pair (index into pairs)
//	pairs:   index, source_type, target_type, sign, offsets, filled, edges,
//	         mean_n_syn, strength
//
// NPZ (numpy.load): the same columns as arrays (int32, float32), with type
// names as byte strings: neurons has type (int32 index)
// and type_names; pairs has source_type and target_type as int32 indices.
func (net *Network) WriteTables(prefix, kind string) error {
	switch strings.ToLower(kind) {
	case "csv":
		return net.writeCSV(prefix)
	case "npz":
		return net.writeNPZ(prefix)
	}
	return fmt.Errorf("opticlobe: unknown table format %q (known: %s)", kind, strings.Join(TableFormats(), ", "))
}

// create writes path atomically (internal/atomic) with what write
// produces, reporting errors with the file name.
func create(path string, write func(w io.Writer) error) error {
	if err := atomic.WriteFile(path, write); err != nil {
		return fmt.Errorf("opticlobe: %w", err)
	}
	return nil
}

// A column is one column of a CSV table: its header and the function
// that appends row i's field to b.
type column struct {
	name string
	put  func(b []byte, i int) []byte
}

func intColumn(name string, x func(i int) int64) column {
	return column{name, func(b []byte, i int) []byte { return strconv.AppendInt(b, x(i), 10) }}
}

func floatColumn(name string, x func(i int) float64, bitSize int) column {
	return column{name, func(b []byte, i int) []byte { return strconv.AppendFloat(b, x(i), 'g', -1, bitSize) }}
}

func stringColumn(name string, x func(i int) string) column {
	return column{name, func(b []byte, i int) []byte { return append(b, x(i)...) }}
}

// writeCSV writes a header and n rows of cols to path.
func writeCSV(path string, n int, cols []column) error {
	return create(path, func(w io.Writer) error {
		var b []byte
		for c, col := range cols {
			if c > 0 {
				b = append(b, ',')
			}
			b = append(b, col.name...)
		}
		b = append(b, '\n')
		for i := 0; i < n; i++ {
			for c, col := range cols {
				if c > 0 {
					b = append(b, ',')
				}
				b = col.put(b, i)
			}
			b = append(b, '\n')
			if len(b) >= 1<<15 || i == n-1 {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
		if n == 0 {
			_, err := w.Write(b)
			return err
		}
		return nil
	})
}

func (net *Network) writeCSV(prefix string) error {
	names, c, e := net.Conn.TypeNames, net.Conn, &net.Edges
	err := writeCSV(prefix+".neurons.csv", len(net.U), []column{
		intColumn("index", func(i int) int64 { return int64(i) }),
		intColumn("id", func(i int) int64 { return int64(i) }),
		intColumn("sign", func(i int) int64 { return int64(c.Sign[i]) }),
		stringColumn("type", func(i int) string { return names[c.Type[i]] }),
		intColumn("u", func(i int) int64 { return int64(net.U[i]) }),
		intColumn("v", func(i int) int64 { return int64(net.V[i]) }),
	})
	if err != nil {
		return err
	}
	err = writeCSV(prefix+".edges.csv", len(e.Source), []column{
		intColumn("source", func(k int) int64 { return int64(e.Source[k]) }),
		intColumn("target", func(k int) int64 { return int64(e.Target[k]) }),
		intColumn("sign", func(k int) int64 { return int64(e.Sign[k]) }),
		floatColumn("n_syn", func(k int) float64 { return float64(e.NSyn[k]) }, 32),
		intColumn("pair", func(k int) int64 { return int64(e.Pair[k]) }),
	})
	if err != nil {
		return err
	}
	p := net.Pairs
	return writeCSV(prefix+".pairs.csv", len(p), []column{
		intColumn("index", func(k int) int64 { return int64(k) }),
		stringColumn("source_type", func(k int) string { return names[p[k].Source] }),
		stringColumn("target_type", func(k int) string { return names[p[k].Target] }),
		intColumn("sign", func(k int) int64 { return int64(p[k].Sign) }),
		intColumn("offsets", func(k int) int64 { return int64(p[k].Offsets) }),
		intColumn("filled", func(k int) int64 { return int64(p[k].Filled) }),
		intColumn("edges", func(k int) int64 { return int64(p[k].Edges) }),
		floatColumn("mean_n_syn", func(k int) float64 { return p[k].MeanNSyn }, 64),
		floatColumn("strength", func(k int) float64 { return float64(p[k].Strength) }, 32),
	})
}

func (net *Network) writeNPZ(prefix string) error {
	n := net.Neurons()
	index, sign := make([]int32, n), make([]int32, n)
	for i := range index {
		index[i], sign[i] = int32(i), int32(net.Conn.Sign[i])
	}
	err := create(prefix+".neurons.npz", func(w io.Writer) error {
		z := npy.NewNPZWriter(w)
		for _, a := range []struct {
			name string
			data []int32
		}{{"index", index}, {"id", index}, {"sign", sign}, {"type", net.Conn.Type}, {"u", net.U}, {"v", net.V}} {
			if err := z.Add(a.name, []int{n}, a.data); err != nil {
				return err
			}
		}
		if err := z.Add("type_names", []int{len(net.Conn.TypeNames)}, net.Conn.TypeNames); err != nil {
			return err
		}
		return z.Close()
	})
	if err != nil {
		return err
	}
	e := &net.Edges
	m := e.Len()
	esign := make([]int32, m)
	for k, s := range e.Sign {
		esign[k] = int32(s)
	}
	err = create(prefix+".edges.npz", func(w io.Writer) error {
		z := npy.NewNPZWriter(w)
		for _, a := range []struct {
			name string
			data any
		}{{"source", e.Source}, {"target", e.Target}, {"sign", esign}, {"n_syn", e.NSyn}, {"pair", e.Pair}} {
			if err := z.Add(a.name, []int{m}, a.data); err != nil {
				return err
			}
		}
		return z.Close()
	})
	if err != nil {
		return err
	}
	np := len(net.Pairs)
	cols := make([][]int32, 6)
	for i := range cols {
		cols[i] = make([]int32, np)
	}
	mean := make([]float64, np)
	strength := make([]float32, np)
	for p, pr := range net.Pairs {
		cols[0][p], cols[1][p], cols[2][p] = int32(pr.Source), int32(pr.Target), int32(pr.Sign)
		cols[3][p], cols[4][p], cols[5][p] = int32(pr.Offsets), int32(pr.Filled), int32(pr.Edges)
		mean[p], strength[p] = pr.MeanNSyn, pr.Strength
	}
	return create(prefix+".pairs.npz", func(w io.Writer) error {
		z := npy.NewNPZWriter(w)
		for i, name := range []string{"source_type", "target_type", "sign", "offsets", "filled", "edges"} {
			if err := z.Add(name, []int{np}, cols[i]); err != nil {
				return err
			}
		}
		if err := z.Add("mean_n_syn", []int{np}, mean); err != nil {
			return err
		}
		if err := z.Add("strength", []int{np}, strength); err != nil {
			return err
		}
		if err := z.Add("type_names", []int{len(net.Conn.TypeNames)}, net.Conn.TypeNames); err != nil {
			return err
		}
		return z.Close()
	})
}

// SaveConnectome writes the connectome to path with format.Save, in the
// format its extension names (.pt as the tutorial's connectome, .npz as
// scipy.sparse.save_npz, .csv edge lists, .npc, dense .npy for small
// extents only; format.Extensions lists them). With tables true it
// writes no neuron table of its own: WriteTables writes a richer one at
// the same path. An unknown extension is an error listing the known ones.
func (net *Network) SaveConnectome(path string, tables bool) error {
	c := net.Conn
	if f, err := format.Detect(path); err == nil && f.Name == "csv" && c.IDs == nil {
		// An edge list without ids cannot hold the neurons that have no
		// synapse (package edgelist refuses it): write the ids the tables
		// define, id = index, so that reading it back keeps each neuron's
		// identity.
		cc := *c
		cc.IDs = make([]int64, c.Neurons())
		for i := range cc.IDs {
			cc.IDs[i] = int64(i)
		}
		c = &cc
	}
	if err := format.Save(path, c, format.Options{NoNeuronTable: tables}); err != nil {
		return fmt.Errorf("opticlobe: %w", err)
	}
	return nil
}

// TablePrefix returns the prefix WriteTables uses beside a connectome file:
// path without its (possibly double, as .csv.gz) extension, so that the
// neuron table is the NAME.neurons.csv that format.Save would write.
func TablePrefix(path string) string {
	return strings.TrimSuffix(format.NeuronTablePath(path), ".neurons.csv")
}
