package parquet

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// ReadNeurons reads a neuron table in the layout of Shiu's
// Completeness_783.csv: a header row, then one row per neuron whose first
// field is its FlyWire id; row order is the neuron index. Duplicate ids
// are an error.
func ReadNeurons(path string) ([]int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<16))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		return nil, fmt.Errorf("parquet: %s: no header row: %w", path, err)
	}
	var ids []int64
	seen := map[int64]int{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parquet: %s: %w", path, err)
		}
		id, err := strconv.ParseInt(rec[0], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("parquet: %s: line %d: id %q is not an integer", path, line, rec[0])
		}
		if prev, dup := seen[id]; dup {
			return nil, fmt.Errorf("parquet: %s: line %d: id %d already on line %d", path, line, id, prev)
		}
		seen[id] = line
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("parquet: %s: no neurons", path)
	}
	return ids, nil
}

// SpikeRow is one row of spikes.parquet, in Shiu's output schema (all
// columns optional, as pandas writes them; none is ever null here).
type SpikeRow struct {
	T         *float64 `parquet:"t"`                  // seconds
	Trial     *int64   `parquet:"trial,int(64)"`      // 0-based
	FlywireID *int64   `parquet:"flywire_id,int(64)"` // neuron id
	ExpName   *string  `parquet:"exp_name"`
}

// Spike is one spike to write.
type Spike struct {
	T         float64
	Trial     int64
	FlywireID int64
}

// WriteSpikes writes spikes.parquet at path: n rows, row k from spike(k)
// (called once for each k, in order),
// all with exp_name expName, zstd-compressed. It writes a temporary file
// beside path and renames it into place, so that a failed write leaves
// nothing behind.
func WriteSpikes(path, expName string, n int, spike func(k int) Spike) error {
	return writeAtomic(path, func(bw io.Writer) error {
		w := pq.NewGenericWriter[SpikeRow](bw, pq.NewSchema("schema", pq.SchemaOf(SpikeRow{})),
			pq.Compression(&zstd.Codec{Level: zstd.SpeedDefault}), pq.MaxRowsPerRowGroup(1<<17))
		const batch = 4096
		vals := make([]Spike, batch)
		rows := make([]SpikeRow, batch)
		name := expName
		for lo := 0; lo < n; lo += batch {
			m := min(batch, n-lo)
			for k := range m {
				vals[k] = spike(lo + k)
				s := &vals[k]
				rows[k] = SpikeRow{&s.T, &s.Trial, &s.FlywireID, &name}
			}
			if _, err := w.Write(rows[:m]); err != nil {
				return err
			}
		}
		return w.Close()
	})
}

// writeAtomic writes path through write into a temporary file beside it,
// renamed into place on success and removed on failure.
func writeAtomic(path string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(0o644); err != nil {
		return err
	}
	bw := bufio.NewWriterSize(tmp, 1<<20)
	if err := write(bw); err != nil {
		return fmt.Errorf("parquet: %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// ReadSpikes reads a spikes file in Shiu's output schema (written by
// WriteSpikes, or by Shiu's run_exp through pandas).
func ReadSpikes(path string) (spikes []Spike, expNames []string, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	pf, err := pq.OpenFile(f, st.Size())
	if err != nil {
		return nil, nil, &Error{File: path, Row: -1, Err: err}
	}
	r := pq.NewGenericReader[SpikeRow](pf)
	defer r.Close()
	buf := make([]SpikeRow, 4096)
	for row := int64(0); ; {
		n, err := r.Read(buf)
		for _, s := range buf[:n] {
			if s.T == nil || s.Trial == nil || s.FlywireID == nil || s.ExpName == nil {
				return nil, nil, &Error{File: path, Row: row, Err: errors.New("null value")}
			}
			spikes = append(spikes, Spike{*s.T, *s.Trial, *s.FlywireID})
			expNames = append(expNames, *s.ExpName)
			row++
		}
		if err == io.EOF {
			return spikes, expNames, nil
		}
		if err != nil {
			return nil, nil, &Error{File: path, Row: row, Err: err}
		}
	}
}
