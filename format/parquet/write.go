package parquet

import (
	"fmt"
	"io"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/neuropil/neuropil/sparse"
)

// ConnRow is one row of Shiu's Connectivity parquet.
type ConnRow struct {
	PreID    int64 `parquet:"Presynaptic_ID"`
	PostID   int64 `parquet:"Postsynaptic_ID"`
	Pre      int64 `parquet:"Presynaptic_Index"`
	Post     int64 `parquet:"Postsynaptic_Index"`
	Count    int64 `parquet:"Connectivity"`
	Sign     int64 `parquet:"Excitatory"`
	Weighted int64 `parquet:"Excitatory x Connectivity"`
}

// WriteConnectivity writes a presynaptic-major matrix of signed synapse
// counts, [pre][post], as a Connectivity parquet in Shiu's layout (rows by
// presynaptic index, zstd, row groups of 1M rows), with FlyWire ids from
// ids (nil: the indices). Like WriteSpikes it writes a temporary file and
// renames it.
func WriteConnectivity(path string, out *sparse.CSR, ids []int64) error {
	if ids != nil && len(ids) != out.Rows {
		panic(fmt.Sprintf("parquet: %d ids for %d neurons", len(ids), out.Rows))
	}
	id := func(i int32) int64 {
		if ids == nil {
			return int64(i)
		}
		return ids[i]
	}
	return writeAtomic(path, func(bw io.Writer) error {
		w := pq.NewGenericWriter[ConnRow](bw, pq.Compression(&zstd.Codec{Level: zstd.SpeedFastest}), pq.MaxRowsPerRowGroup(1<<20))
		rows := make([]ConnRow, 0, 4096)
		for i := range int32(out.Rows) {
			for k := out.RowPtr[i]; k < out.RowPtr[i+1]; k++ {
				c := int64(out.Val[k])
				sign := int64(1)
				if c < 0 {
					sign = -1
				}
				j := out.ColIdx[k]
				rows = append(rows, ConnRow{id(i), id(j), int64(i), int64(j), c * sign, sign, c})
				if len(rows) == cap(rows) {
					if _, err := w.Write(rows); err != nil {
						return err
					}
					rows = rows[:0]
				}
			}
		}
		if _, err := w.Write(rows); err != nil {
			return err
		}
		return w.Close()
	})
}
