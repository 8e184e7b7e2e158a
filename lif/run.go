package lif

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"github.com/neuropil/neuropil/internal/budget"
	"io"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/format/parquet"
)

// Config is one experiment as `neuropil simulate --model lif` takes it:
// what to load, what to do, where to write. The zero value (with Params
// from Defaults) runs the built-in synthetic brain with its default
// excitation.
type Config struct {
	// Connectome is Shiu's Connectivity parquet, or any connectome file
	// package format reads (signed synapse counts); "" for the built-in
	// synthetic whole brain (SyntheticBrain).
	Connectome string
	// Neurons is the neuron table (Completeness_783.csv: FlyWire ids in
	// row order). With a parquet connectome and no table, ids are the
	// indices.
	Neurons string

	// Excite, Excite2 and Silence are neuron sets: a file of FlyWire ids
	// (one a line, or a CSV whose first column holds them) or a
	// comma-separated list of ids. Excite "" on the built-in brain is
	// DefaultExcite.
	Excite, Excite2, Silence string
	// InputSpikes is a CSV file flywire_id,t[,trial] (header optional) of
	// input events replayed as Poisson-input kicks; trial absent: every
	// trial.
	InputSpikes string

	Params  Params
	Seed    uint64
	ExpName string // exp_name in spikes.parquet; "" is "lif"

	Out string // output directory, created if missing
}

// Summary is what summary.json holds.
type Summary struct {
	ExpName      string  `json:"exp_name"`
	Connectome   string  `json:"connectome"`
	Neurons      int     `json:"neurons"`
	Synapses     int     `json:"synapses"`
	Excited      int     `json:"excited"`
	Silenced     int     `json:"silenced"`
	InputEvents  int     `json:"input_events"`
	Trials       int     `json:"trials"`
	Duration     float64 `json:"duration"` // seconds per trial
	Dt           float64 `json:"dt"`
	Seed         uint64  `json:"seed"`
	Spikes       int     `json:"spikes"`
	ActiveNeuron int     `json:"active_neurons"`
	MeanRateHz   float64 `json:"mean_rate_active_hz"`
	SimSeconds   float64 `json:"sim_seconds"`
	LoadSeconds  float64 `json:"load_seconds"`
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
}

// Run loads the connectome, resolves the experiment's FlyWire ids (an
// unknown id is an error before any simulation), runs the trials and
// writes into cfg.Out: spikes.parquet, rates.csv, summary.json, raster.png
// and rates.png. Every file is written to a temporary name and renamed,
// so none is ever half-written.
func Run(cfg Config) (*Summary, error) {
	if cfg.Out == "" {
		return nil, errors.New("lif: no output directory")
	}
	if cfg.ExpName == "" {
		cfg.ExpName = "lif"
	}
	start := time.Now()
	net, err := Load(cfg.Connectome, cfg.Neurons)
	if err != nil {
		return nil, err
	}
	exp, err := cfg.experiment(net)
	if err != nil {
		return nil, err
	}
	load := elapsed(start)
	debug.FreeOSMemory() // the loader's buffers, before the trials' state
	sim, err := New(net, cfg.Params, exp)
	if err != nil {
		return nil, err
	}
	res := sim.Run()
	sim.Close()
	mean, std := res.Rates()
	sum := &Summary{ExpName: cfg.ExpName, Connectome: cfg.Connectome, Neurons: net.Neurons(),
		Synapses: net.Synapses(), Excited: len(exp.Excite) + len(exp.Excite2), Silenced: len(exp.Silence),
		InputEvents: len(exp.Input), Trials: res.Trials, Duration: res.Duration(), Dt: res.Dt,
		Seed: cfg.Seed, Spikes: res.Total(), SimSeconds: res.SimSeconds, LoadSeconds: load}
	if sum.Connectome == "" {
		sum.Connectome = "synthetic"
	}
	for _, m := range mean {
		if m > 0 {
			sum.ActiveNeuron++
			sum.MeanRateHz += m
		}
	}
	if sum.ActiveNeuron > 0 {
		sum.MeanRateHz /= float64(sum.ActiveNeuron)
	}
	if err := os.MkdirAll(cfg.Out, 0o755); err != nil {
		return nil, err
	}
	if err := WriteOutputs(cfg.Out, cfg.ExpName, net, res, mean, std); err != nil {
		return nil, err
	}
	sum.PeakRSSBytes = budget.PeakRSS()
	return sum, writeJSON(cfg.Out, "summary.json", sum)
}

// Load returns the network of a connectome file with its neuron table
// (see Config), or the built-in synthetic brain for path "".
func Load(path, neurons string) (*Network, error) {
	var ids []int64
	if neurons != "" {
		var err error
		if ids, err = parquet.ReadNeurons(neurons); err != nil {
			return nil, err
		}
	}
	switch {
	case path == "":
		net := SyntheticBrain()
		if ids != nil {
			return nil, fmt.Errorf("lif: a neuron table (%s) needs a connectome", neurons)
		}
		return net, nil
	case strings.HasSuffix(strings.ToLower(path), ".parquet"):
		n := -1
		if ids != nil {
			n = len(ids)
		}
		out, err := parquet.ReadConnectivity(path, n)
		if err != nil {
			return nil, err
		}
		return &Network{Out: out, IDs: ids}, nil
	}
	c, err := format.Load(path, format.Options{})
	if err != nil {
		return nil, err
	}
	if ids != nil {
		if len(ids) != c.Neurons() {
			return nil, fmt.Errorf("lif: %s has %d neurons, %s %d", neurons, len(ids), path, c.Neurons())
		}
		c.IDs = ids
	}
	return FromConnectome(c)
}

// experiment resolves the FlyWire ids of cfg against net.
func (cfg *Config) experiment(net *Network) (Experiment, error) {
	exp := Experiment{Name: cfg.ExpName, Seed: cfg.Seed}
	index := net.Index()
	var err error
	if exp.Excite, err = resolve("excite", cfg.Excite, index); err != nil {
		return exp, err
	}
	if exp.Excite2, err = resolve("excite2", cfg.Excite2, index); err != nil {
		return exp, err
	}
	if exp.Silence, err = resolve("silence", cfg.Silence, index); err != nil {
		return exp, err
	}
	if cfg.InputSpikes != "" {
		if exp.Input, err = readInputSpikes(cfg.InputSpikes, index); err != nil {
			return exp, err
		}
	}
	if cfg.Connectome == "" && cfg.Excite == "" && cfg.InputSpikes == "" {
		exp.Excite = DefaultExcite(net)
	}
	return exp, nil
}

// resolve turns a neuron set (file or id list) into indices.
func resolve(what, spec string, index map[int64]int) ([]int, error) {
	if spec == "" {
		return nil, nil
	}
	var fields []string
	src := what
	if b, err := os.ReadFile(spec); err == nil {
		src = spec
		for _, line := range strings.Split(string(b), "\n") {
			f, _, _ := strings.Cut(strings.TrimSpace(line), ",")
			if f != "" {
				fields = append(fields, f)
			}
		}
		if len(fields) > 0 { // a header row
			if _, err := strconv.ParseInt(fields[0], 10, 64); err != nil {
				fields = fields[1:]
			}
		}
	} else {
		fields = strings.Split(spec, ",")
	}
	var out []int
	for _, f := range fields {
		id, err := strconv.ParseInt(strings.TrimSpace(f), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("lif: %s: %q is not a FlyWire id", src, f)
		}
		i, ok := index[id]
		if !ok {
			return nil, fmt.Errorf("lif: %s: id %d is not in the neuron table", src, id)
		}
		out = append(out, i)
	}
	return out, nil
}

// readInputSpikes reads flywire_id,t[,trial] rows.
func readInputSpikes(path string, index map[int64]int) ([]Input, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	var in []Input
	for line := 1; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			return in, nil
		}
		if err != nil {
			return nil, fmt.Errorf("lif: %s: %w", path, err)
		}
		id, err := strconv.ParseInt(strings.TrimSpace(rec[0]), 10, 64)
		if err != nil && line == 1 {
			continue // header
		}
		if err != nil || len(rec) < 2 || len(rec) > 3 {
			return nil, fmt.Errorf("lif: %s: line %d: want flywire_id,t[,trial]", path, line)
		}
		i, ok := index[id]
		if !ok {
			return nil, fmt.Errorf("lif: %s: line %d: id %d is not in the neuron table", path, line, id)
		}
		e := Input{Neuron: i, Trial: -1}
		if e.T, err = strconv.ParseFloat(strings.TrimSpace(rec[1]), 64); err != nil {
			return nil, fmt.Errorf("lif: %s: line %d: bad time %q", path, line, rec[1])
		}
		if len(rec) == 3 {
			if e.Trial, err = strconv.Atoi(strings.TrimSpace(rec[2])); err != nil {
				return nil, fmt.Errorf("lif: %s: line %d: bad trial %q", path, line, rec[2])
			}
		}
		in = append(in, e)
	}
}
