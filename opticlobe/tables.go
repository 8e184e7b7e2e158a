package opticlobe

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/format/pt"
	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/internal/npz"
	"github.com/neuropil/neuropil/sparse"
)

// TableFormats lists the formats WriteTables knows.
var TableFormats = []string{"csv", "npz"}

// WriteTables writes the neuron, edge and pair tables beside a connectome
// file, as <prefix>.neurons.<ext>, <prefix>.edges.<ext> and
// <prefix>.pairs.<ext> with ext = format ("csv" or "npz").
//
// CSV (pandas.read_csv), one row per item with a header:
//
//	neurons: index, type (name), u, v
//	edges:   source, target, sign, n_syn, pair (index into pairs)
//	pairs:   index, source_type, target_type, sign, offsets, filled, edges,
//	         mean_n_syn, strength
//
// NPZ (numpy.load): the same columns as arrays (int32, float32; sign
// int32), with type names as byte strings: neurons has type (int32 index)
// and type_names; pairs has source_type and target_type as int32 indices.
func (net *Network) WriteTables(prefix, format string) error {
	switch strings.ToLower(format) {
	case "csv":
		return net.writeCSV(prefix)
	case "npz":
		return net.writeNPZ(prefix)
	}
	return fmt.Errorf("opticlobe: unknown table format %q (known: %s)", format, strings.Join(TableFormats, ", "))
}

// create opens path and calls write with a buffered writer, reporting
// errors with the file name.
func create(path string, write func(w *bufio.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("opticlobe: %w", err)
	}
	bw := bufio.NewWriterSize(f, 1<<16)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("opticlobe: writing %s: %w", path, err)
	}
	return nil
}

func (net *Network) writeCSV(prefix string) error {
	names := net.Conn.TypeNames
	err := create(prefix+".neurons.csv", func(w *bufio.Writer) error {
		w.WriteString("index,type,u,v\n")
		var b []byte
		for i := range net.U {
			b = strconv.AppendInt(b[:0], int64(i), 10)
			b = append(b, ',')
			b = append(b, names[net.Conn.Type[i]]...)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(net.U[i]), 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(net.V[i]), 10)
			b = append(b, '\n')
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	err = create(prefix+".edges.csv", func(w *bufio.Writer) error {
		w.WriteString("source,target,sign,n_syn,pair\n")
		e := &net.Edges
		var b []byte
		for k := range e.Source {
			b = strconv.AppendInt(b[:0], int64(e.Source[k]), 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(e.Target[k]), 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(e.Sign[k]), 10)
			b = append(b, ',')
			b = strconv.AppendFloat(b, float64(e.NSyn[k]), 'g', -1, 32)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(e.Pair[k]), 10)
			b = append(b, '\n')
			if _, err := w.Write(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return create(prefix+".pairs.csv", func(w *bufio.Writer) error {
		w.WriteString("index,source_type,target_type,sign,offsets,filled,edges,mean_n_syn,strength\n")
		for p, pr := range net.Pairs {
			_, err := fmt.Fprintf(w, "%d,%s,%s,%d,%d,%d,%d,%s,%s\n", p, names[pr.Source], names[pr.Target],
				pr.Sign, pr.Offsets, pr.Filled, pr.Edges,
				strconv.FormatFloat(pr.MeanNSyn, 'g', -1, 64), strconv.FormatFloat(float64(pr.Strength), 'g', -1, 32))
			if err != nil {
				return err
			}
		}
		return nil
	})
}

func (net *Network) writeNPZ(prefix string) error {
	n := net.Neurons()
	index := make([]int32, n)
	for i := range index {
		index[i] = int32(i)
	}
	err := create(prefix+".neurons.npz", func(w *bufio.Writer) error {
		z := npz.NewWriter(w)
		for _, a := range []struct {
			name string
			data []int32
		}{{"index", index}, {"type", net.Conn.Type}, {"u", net.U}, {"v", net.V}} {
			if err := z.Add(a.name, []int{n}, a.data); err != nil {
				return err
			}
		}
		if err := z.AddStrings("type_names", net.Conn.TypeNames, false); err != nil {
			return err
		}
		return z.Close()
	})
	if err != nil {
		return err
	}
	e := &net.Edges
	m := e.Len()
	sign := make([]int32, m)
	for k, s := range e.Sign {
		sign[k] = int32(s)
	}
	err = create(prefix+".edges.npz", func(w *bufio.Writer) error {
		z := npz.NewWriter(w)
		for _, a := range []struct {
			name string
			data any
		}{{"source", e.Source}, {"target", e.Target}, {"sign", sign}, {"n_syn", e.NSyn}, {"pair", e.Pair}} {
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
	return create(prefix+".pairs.npz", func(w *bufio.Writer) error {
		z := npz.NewWriter(w)
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
		if err := z.AddStrings("type_names", net.Conn.TypeNames, false); err != nil {
			return err
		}
		return z.Close()
	})
}

// connectomeEncoders are the connectome formats SaveConnectome writes, by
// extension.
var connectomeEncoders = map[string]func(io.Writer, *sparse.CSR) error{
	".npz": npy.EncodeNPZ, // scipy.sparse.save_npz's CSR layout
	".pt":  pt.Encode,     // torch.save of a sparse COO tensor, as the tutorial's connectome
	".npy": npy.EncodeMatrix,
}

// ConnectomeFormats lists the extensions SaveConnectome knows.
var ConnectomeFormats = []string{".npz", ".pt", ".npy"}

// SaveConnectome writes W to path in the format its extension names: .npz
// is scipy.sparse.save_npz's CSR layout (scipy.sparse.load_npz), .pt a
// sparse COO tensor (torch.load, as bioplnn's tutorial loads its
// connectome), .npy a dense float32 matrix (only for small extents: the
// full network would take 8 GB). An unknown extension is an error listing
// the known ones. The file is replaced atomically.
func (net *Network) SaveConnectome(path string) error {
	ext := strings.ToLower(extension(path))
	enc, ok := connectomeEncoders[ext]
	if !ok {
		return fmt.Errorf("opticlobe: %s: unknown connectome format %q (known: %s)", path, ext, strings.Join(ConnectomeFormats, ", "))
	}
	if err := atomic.WriteFile(path, func(w io.Writer) error { return enc(w, net.Conn.W) }); err != nil {
		return fmt.Errorf("opticlobe: writing %s: %w", path, err)
	}
	return nil
}

// extension returns the extension of path's last element, dot included.
func extension(path string) string {
	for i := len(path) - 1; i >= 0 && path[i] != '/' && path[i] != os.PathSeparator; i-- {
		if path[i] == '.' {
			return path[i:]
		}
	}
	return ""
}

// TablePrefix returns the prefix WriteTables uses beside a connectome file:
// path without its extension.
func TablePrefix(path string) string {
	return strings.TrimSuffix(path, extension(path))
}
