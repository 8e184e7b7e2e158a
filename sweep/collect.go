package sweep

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/plot"
	"gonum.org/v1/plot/vg"
)

// Collect merges the results of the sweep in dir into dir/collected and
// returns the paths it wrote: always runs.csv (each run's values, state,
// exit, attempts, timings and error); for simulate, summary.csv (each
// done run's values and summary.json scalars) and, for the spiking
// model's runs, spikes.parquet and rates.csv (collectSpikes); for train, ensemble.csv
// (each done member's values and final metrics, then their mean and
// standard deviation), or, for trainings of the optic lobe, their final
// and best validation losses and the flyvis ensemble directory
// EnsembleDir (collectFlow).
func (p *Plan) Collect(dir string) ([]string, error) {
	states, err := p.States(dir)
	if err != nil {
		return nil, err
	}
	cd := filepath.Join(dir, "collected")
	if err := os.MkdirAll(cd, 0o755); err != nil {
		return nil, err
	}
	keys := varKeys(p.Runs)
	var rows [][]string
	for _, s := range states {
		row := append([]string{strconv.Itoa(s.Index), s.Name}, varValues(keys, s.Vars)...)
		row = append(row, s.State, strconv.Itoa(s.Exit), strconv.Itoa(s.Attempts), stamp(s.Started), stamp(s.Finished),
			strconv.FormatFloat(s.Seconds, 'f', 3, 64), s.Host, s.Error)
		rows = append(rows, row)
	}
	head := append(append([]string{"index", "name"}, keys...), "state", "exit", "attempts", "started", "finished", "seconds", "host", "error")
	paths := []string{filepath.Join(cd, "runs.csv")}
	if err := writeCSV(paths[0], head, rows); err != nil {
		return nil, err
	}
	var extra []string
	switch p.Command {
	case "simulate":
		var path string
		path, err = p.collectSummaries(dir, keys, states)
		extra = []string{path}
		if err == nil {
			var more []string
			more, err = p.collectSpikes(dir, keys, states)
			extra = append(extra, more...)
		}
	case "train":
		if p.Model == "optic-lobe" {
			extra, err = p.collectFlow(dir, keys, states)
		} else {
			extra, err = p.collectEnsemble(dir, keys, states)
		}
	}
	return append(paths, extra...), err
}

// collectSummaries writes collected/summary.csv: a column for each scalar
// of any run's summary.json (objects flattened as a.b; lists left out).
func (p *Plan) collectSummaries(dir string, keys []string, states []RunState) (string, error) {
	var cols []string
	var sums []map[string]string
	var done []RunState
	for _, s := range states {
		if s.State != Done {
			continue
		}
		b, err := os.ReadFile(filepath.Join(Dir(dir, &s.Run), "out", "summary.json"))
		if err != nil {
			return "", err
		}
		var v map[string]any
		d := json.NewDecoder(bytes.NewReader(b))
		d.UseNumber() // numbers as written: 15091983, not 1.5091983e+07
		if err := d.Decode(&v); err != nil {
			return "", fmt.Errorf("%s: summary.json: %w", s.Name, err)
		}
		m := map[string]string{}
		flatten(m, "", v)
		for _, k := range keys { // a summary field named like a grid key
			if x, ok := m[k]; ok {
				delete(m, k)
				m["summary."+k] = x
			}
		}
		for k := range m {
			if !slices.Contains(cols, k) {
				cols = append(cols, k)
			}
		}
		sums, done = append(sums, m), append(done, s)
	}
	slices.Sort(cols)
	var rows [][]string
	for i, s := range done {
		row := append([]string{strconv.Itoa(s.Index), s.Name}, varValues(keys, s.Vars)...)
		for _, c := range cols {
			row = append(row, sums[i][c])
		}
		rows = append(rows, row)
	}
	path := filepath.Join(dir, "collected", "summary.csv")
	return path, writeCSV(path, append(append([]string{"index", "name"}, keys...), cols...), rows)
}

func flatten(dst map[string]string, prefix string, v map[string]any) {
	for k, x := range v {
		switch x := x.(type) {
		case map[string]any:
			flatten(dst, prefix+k+".", x)
		case json.Number:
			dst[prefix+k] = x.String()
		case string:
			dst[prefix+k] = x
		case bool:
			dst[prefix+k] = strconv.FormatBool(x)
		}
	}
}

// collectEnsemble writes collected/ensemble.csv: each done member's last
// row of metrics.csv, then rows "mean" and "std" (sample standard
// deviation) over the members for every numeric column; and
// collected/learning_curves.png, every member's test accuracy (else the
// last column) by epoch.
func (p *Plan) collectEnsemble(dir string, keys []string, states []RunState) ([]string, error) {
	var head []string
	var rows [][]string
	var final [][]string
	var curves []plot.Series
	for _, s := range states {
		if s.State != Done {
			continue
		}
		all, err := readCSV(filepath.Join(Dir(dir, &s.Run), "out", "metrics.csv"))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", s.Name, err)
		}
		h, last := all[0], all[len(all)-1]
		if head == nil {
			head = h
		} else if !slices.Equal(head, h) {
			return nil, fmt.Errorf("%s: metrics.csv columns %v differ from %v", s.Name, h, head)
		}
		curves = append(curves, curve(s.Name, all))
		rows = append(rows, append(append([]string{strconv.Itoa(s.Index), s.Name}, varValues(keys, s.Vars)...), last...))
		final = append(final, last)
	}
	blank := make([]string, 1+len(keys))
	mean := append([]string{""}, blank...)
	std := append([]string{""}, blank...)
	mean[1], std[1] = "mean", "std"
	for c := range head {
		m, sd, ok := meanStd(final, c)
		mean, std = append(mean, m), append(std, sd)
		if !ok {
			mean[len(mean)-1], std[len(std)-1] = "", ""
		}
	}
	if len(final) > 0 {
		rows = append(rows, mean, std)
	}
	path := filepath.Join(dir, "collected", "ensemble.csv")
	if err := writeCSV(path, append(append([]string{"index", "name"}, keys...), head...), rows); err != nil || len(curves) == 0 {
		return []string{path}, err
	}
	png := filepath.Join(dir, "collected", "learning_curves.png")
	ylabel := head[len(head)-1]
	if slices.Contains(head, "test_accuracy") {
		ylabel = "test_accuracy"
	}
	err := plot.Lines(png, fmt.Sprintf("Ensemble of %d", len(curves)), head[0], ylabel, curves, 6*vg.Inch, 4*vg.Inch)
	return []string{path, png}, err
}

// curve returns the learning curve of one member: the first column (the
// epoch) against test_accuracy, else the last column.
func curve(name string, all [][]string) plot.Series {
	y := slices.Index(all[0], "test_accuracy")
	if y < 0 {
		y = len(all[0]) - 1
	}
	s := plot.Series{Label: name}
	for _, r := range all[1:] {
		a, err1 := strconv.ParseFloat(r[0], 64)
		b, err2 := strconv.ParseFloat(r[y], 64)
		if err1 == nil && err2 == nil {
			s.X, s.Y = append(s.X, a), append(s.Y, b)
		}
	}
	return s
}

func meanStd(rows [][]string, c int) (mean, std string, ok bool) {
	var x []float64
	for _, r := range rows {
		v, err := strconv.ParseFloat(r[c], 64)
		if err != nil {
			return "", "", false
		}
		x = append(x, v)
	}
	var s, ss float64
	for _, v := range x {
		s += v
	}
	m := s / float64(len(x))
	for _, v := range x {
		ss += (v - m) * (v - m)
	}
	sd := 0.0
	if len(x) > 1 {
		sd = math.Sqrt(ss / float64(len(x)-1))
	}
	return strconv.FormatFloat(m, 'g', 6, 64), strconv.FormatFloat(sd, 'g', 6, 64), true
}

// readCSV reads a CSV file of a header and at least one row.
func readCSV(path string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	all, err := csv.NewReader(f).ReadAll()
	if err == nil && len(all) < 2 {
		err = fmt.Errorf("%s: no rows", path)
	}
	return all, err
}

// varKeys returns the keys that vary in any run, in first-seen order.
func varKeys(runs []Run) []string {
	var keys []string
	for _, r := range runs {
		for _, v := range r.Vars {
			if !slices.Contains(keys, v.Key) {
				keys = append(keys, v.Key)
			}
		}
	}
	return keys
}

func varValues(keys []string, vars []Var) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i], _ = lookup(vars, k)
	}
	return out
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}

func writeCSV(path string, head []string, rows [][]string) error {
	return atomic.WriteFile(path, func(w io.Writer) error {
		c := csv.NewWriter(w)
		c.Write(head)
		c.WriteAll(rows)
		return c.Error()
	})
}
