package sweep

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/neuropil/neuropil/internal/atomic"
)

// A Plan is a sweep's expanded runs, as SWEEP/plan.json holds them.
type Plan struct {
	Command string   `json:"command"`
	Model   string   `json:"model,omitempty"` // the --model of [flags], when given: it picks the command's flags, markers and collection
	Markers []string `json:"markers"`         // files in a run's out/ whose presence marks it complete
	Runs    []Run    `json:"runs"`
}

// markers are the files a command writes last, per command (or per
// command/model where a model writes others); a command not listed is
// complete when it exits 0.
var markers = map[string][]string{
	"simulate":         {"summary.json"},
	"train":            {"metrics.csv", "model.npz"},
	"train/optic-lobe": {"metrics.csv", "curves.png"},
}

// FlagsOf returns a fresh flag set of a neuropil command, with every flag
// it takes defined; model, when not "", is the --model the runs give it
// (a model may take flags of its own: train --model optic-lobe).
type FlagsOf func(command, model string) (*flag.FlagSet, error)

// NewPlan reads GRID.toml at gridPath and expands it. Nothing is written.
func NewPlan(gridPath string, flagsOf FlagsOf) (*Plan, error) {
	text, err := os.ReadFile(gridPath)
	if err != nil {
		return nil, err
	}
	g, err := ParseGrid(gridPath, string(text))
	if err != nil {
		return nil, err
	}
	if g.Command == "sweep" {
		return nil, fmt.Errorf("%s: command = \"sweep\": a sweep cannot run sweeps", gridPath)
	}
	model := ""
	if m, ok := g.Flags["model"].(string); ok {
		model = m
	}
	fs, err := flagsOf(g.Command, model)
	if err != nil {
		return nil, fmt.Errorf("%s: command %q: %w", gridPath, g.Command, err)
	}
	runs, err := g.Expand(fs)
	if err != nil {
		return nil, fmt.Errorf("%s: %w (neuropil %s -h lists its flags)", gridPath, err, g.Command)
	}
	m, ok := markers[g.Command+"/"+model]
	if !ok {
		m = markers[g.Command]
	}
	return &Plan{Command: g.Command, Model: model, Markers: m, Runs: runs}, nil
}

// Write writes the plan into dir (SWEEP/plan.json and plan.csv), creating
// dir. A dir that holds another plan is an error; the same plan again is
// not.
func (p *Plan) Write(dir string) error {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return err
	}
	b = append(b, '\n')
	path := filepath.Join(dir, "plan.json")
	if old, err := os.ReadFile(path); err == nil {
		if bytes.Equal(old, b) {
			return nil
		}
		return fmt.Errorf("%s: holds another plan; plan into a new directory", dir)
	}
	if err := os.MkdirAll(filepath.Join(dir, "runs"), 0o755); err != nil {
		return err
	}
	if err := atomic.WriteFile(filepath.Join(dir, "plan.csv"), func(w io.Writer) error { return p.writeCSV(w) }); err != nil {
		return err
	}
	return atomic.WriteFile(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// writeCSV writes one row a run: index, name, then the run's command line.
func (p *Plan) writeCSV(w io.Writer) error {
	c := csv.NewWriter(w)
	c.Write([]string{"index", "name", "args"})
	for _, r := range p.Runs {
		c.Write([]string{strconv.Itoa(r.Index), r.Name, p.Command + " " + strings.Join(r.Args(), " ")})
	}
	c.Flush()
	return c.Error()
}

// Load reads the plan of the sweep in dir.
func Load(dir string) (*Plan, error) {
	b, err := os.ReadFile(filepath.Join(dir, "plan.json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s: no plan.json (make one with neuropil sweep plan GRID.toml --out %s)", dir, dir)
	}
	if err != nil {
		return nil, err
	}
	var p Plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "plan.json"), err)
	}
	for i, r := range p.Runs {
		if r.Index != i || r.Name == "" || strings.ContainsAny(r.Name, "/\\") {
			return nil, fmt.Errorf("%s: run %d: bad index or name", filepath.Join(dir, "plan.json"), i)
		}
	}
	return &p, nil
}
