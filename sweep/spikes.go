package sweep

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	pq "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"

	"github.com/neuropil/neuropil/format/parquet"
	"github.com/neuropil/neuropil/internal/atomic"
)

// collectSpikes merges the spiking model's outputs of the done runs that
// have them: collected/spikes.parquet, every run's spikes in Shiu's schema
// with exp_name the run's name (as Shiu's experiments are told apart), and
// collected/rates.csv, runs × neurons: each run's rate_hz of every neuron
// that spiked in any run (0 where it did not in this one). None wrote
// spikes.parquet: nothing, no error.
func (p *Plan) collectSpikes(dir string, keys []string, states []RunState) ([]string, error) {
	var runs []RunState
	for _, s := range states {
		if _, err := os.Stat(filepath.Join(Dir(dir, &s.Run), "out", "spikes.parquet")); s.State == Done && err == nil {
			runs = append(runs, s)
		}
	}
	if len(runs) == 0 {
		return nil, nil
	}
	sp := filepath.Join(dir, "collected", "spikes.parquet")
	err := atomic.WriteFile(sp, func(w io.Writer) error {
		pw := pq.NewGenericWriter[parquet.SpikeRow](w, pq.NewSchema("schema", pq.SchemaOf(parquet.SpikeRow{})),
			pq.Compression(&zstd.Codec{Level: zstd.SpeedDefault}))
		for _, s := range runs {
			spikes, _, err := parquet.ReadSpikes(filepath.Join(Dir(dir, &s.Run), "out", "spikes.parquet"))
			if err != nil {
				return err
			}
			name := s.Name
			rows := make([]parquet.SpikeRow, len(spikes))
			for k := range spikes {
				x := &spikes[k]
				rows[k] = parquet.SpikeRow{T: &x.T, Trial: &x.Trial, FlywireID: &x.FlywireID, ExpName: &name}
			}
			if _, err := pw.Write(rows); err != nil {
				return err
			}
		}
		return pw.Close()
	})
	if err != nil {
		return nil, err
	}
	rp, err := p.collectRates(dir, keys, runs)
	return []string{sp, rp}, err
}

// collectRates writes collected/rates.csv from each run's rates.csv
// (flywire_id,rate_hz,...): one row a run, one column a neuron, by id.
func (p *Plan) collectRates(dir string, keys []string, runs []RunState) (string, error) {
	rates := make([]map[int64]string, len(runs))
	var ids []int64
	for i, s := range runs {
		all, err := readCSV(filepath.Join(Dir(dir, &s.Run), "out", "rates.csv"))
		if err != nil && len(all) != 1 { // a header alone: no neuron spiked
			return "", fmt.Errorf("%s: %w", s.Name, err)
		}
		rates[i] = map[int64]string{}
		for _, r := range all[1:] {
			id, err := strconv.ParseInt(r[0], 10, 64)
			if err != nil || len(r) < 2 {
				return "", fmt.Errorf("%s: rates.csv: bad row %q", s.Name, r)
			}
			if _, seen := rates[i][id]; !seen {
				ids = append(ids, id)
			}
			rates[i][id] = r[1]
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	head := append([]string{"index", "name"}, keys...)
	for _, id := range ids {
		head = append(head, strconv.FormatInt(id, 10))
	}
	var rows [][]string
	for i, s := range runs {
		row := append([]string{strconv.Itoa(s.Index), s.Name}, varValues(keys, s.Vars)...)
		for _, id := range ids {
			v, ok := rates[i][id]
			if !ok {
				v = "0"
			}
			row = append(row, v)
		}
		rows = append(rows, row)
	}
	path := filepath.Join(dir, "collected", "rates.csv")
	return path, writeCSV(path, head, rows)
}
