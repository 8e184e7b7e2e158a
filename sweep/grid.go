package sweep

import (
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/neuropil/neuropil/internal/cli"
)

// A Grid is a parsed GRID.toml:
//
//	command = "simulate"          # any neuropil command
//	repeat = 3                    # optional: each row 3 times, seeds seed+0, +1, +2
//	seeds = [1, 7, 42]            # optional: each row once per seed (instead of repeat)
//	seed_flag = "seed"            # optional: the flag that takes the seed (default seed)
//	[flags]                       # given to every run
//	evals = 5
//	[grid]                        # lists crossed, the first key varying slowest
//	solver = ["dopri5", "rk4"]
//	batch = [1, 2]
//	[[runs]]                      # explicit extra rows, after the grid's
//	solver = "euler"
type Grid struct {
	Command  string           `toml:"command"`
	Repeat   int              `toml:"repeat"`
	Seeds    []int64          `toml:"seeds"`
	SeedFlag string           `toml:"seed_flag"`
	Flags    map[string]any   `toml:"flags"`
	Grid     map[string][]any `toml:"grid"`
	Runs     []map[string]any `toml:"runs"`

	gridOrder []string // the keys of Grid in file order
}

// ParseGrid parses the text of a GRID.toml; name is used in errors.
func ParseGrid(name, text string) (*Grid, error) {
	var g Grid
	md, err := toml.Decode(text, &g)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if un := md.Undecoded(); len(un) > 0 {
		return nil, fmt.Errorf("%s: unknown key %q (known: command, repeat, seeds, seed_flag, [flags], [grid], [[runs]])", name, un[0].String())
	}
	for _, k := range md.Keys() {
		if len(k) == 2 && k[0] == "grid" {
			g.gridOrder = append(g.gridOrder, k[1])
		}
	}
	if g.Command == "" {
		return nil, fmt.Errorf("%s: no command (e.g. command = \"simulate\")", name)
	}
	if g.SeedFlag == "" {
		g.SeedFlag = "seed"
	}
	if g.Repeat < 0 {
		return nil, fmt.Errorf("%s: repeat = %d: must be positive", name, g.Repeat)
	}
	if g.Repeat > 0 && len(g.Seeds) > 0 && g.Repeat != len(g.Seeds) {
		return nil, fmt.Errorf("%s: repeat = %d but %d seeds: give one of them", name, g.Repeat, len(g.Seeds))
	}
	for _, k := range g.gridOrder {
		if len(g.Grid[k]) == 0 {
			return nil, fmt.Errorf("%s: [grid] %s: an empty list gives no runs", name, k)
		}
	}
	return &g, nil
}

// A Var is one flag value of a run.
type Var struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// A Run is one expanded row of a plan.
type Run struct {
	Index int    `json:"index"`
	Name  string `json:"name"`  // directory under SWEEP/runs
	Vars  []Var  `json:"vars"`  // the values that vary between runs, in grid order
	Flags []Var  `json:"flags"` // every flag given, [flags] then Vars
}

// Args returns the command line of the run's command, without --out.
func (r *Run) Args() []string {
	var a []string
	for _, v := range r.Flags {
		a = append(a, "--"+v.Key+"="+v.Value)
	}
	return a
}

// Expand returns the runs of g: the grid's rows (cartesian product, the
// first key varying slowest), then [[runs]], each repeated once per seed.
// flags is the flag set of g.Command: a key that is not one of its flags,
// or a value it does not take, is an error naming the key. --out is the
// sweep's to set.
func (g *Grid) Expand(flags *flag.FlagSet) ([]Run, error) {
	base, err := values(flags, "[flags]", g.Flags, sortedKeys(g.Flags))
	if err != nil {
		return nil, err
	}
	rows := [][]Var{nil}
	for _, k := range g.gridOrder {
		var next [][]Var
		for _, r := range rows {
			for _, v := range g.Grid[k] {
				kv, err := values(flags, "[grid]", map[string]any{k: v}, []string{k})
				if err != nil {
					return nil, err
				}
				next = append(next, append(slices.Clone(r), kv...))
			}
		}
		rows = next
	}
	if len(g.gridOrder) == 0 && len(g.Runs) > 0 {
		rows = nil
	}
	for i, r := range g.Runs {
		kv, err := values(flags, fmt.Sprintf("[[runs]] %d", i+1), r, sortedKeys(r))
		if err != nil {
			return nil, err
		}
		rows = append(rows, kv)
	}
	rows, err = g.seeded(flags, base, rows)
	if err != nil {
		return nil, err
	}
	runs := make([]Run, len(rows))
	width := len(strconv.Itoa(max(len(rows)-1, 100))) // 3 digits at least
	for i, vars := range rows {
		runs[i] = Run{Index: i, Name: runName(width, i, vars), Vars: vars, Flags: merge(base, vars)}
	}
	return runs, nil
}

// seeded repeats each row once per seed of g, adding the seed flag.
func (g *Grid) seeded(flags *flag.FlagSet, base []Var, rows [][]Var) ([][]Var, error) {
	seeds := g.Seeds
	if len(seeds) == 0 && g.Repeat > 0 {
		first := int64(0)
		if v, ok := lookup(base, g.SeedFlag); ok {
			first, _ = strconv.ParseInt(v, 10, 64)
		}
		for r := range g.Repeat {
			seeds = append(seeds, first+int64(r))
		}
	}
	if len(seeds) == 0 {
		return rows, nil
	}
	if flags.Lookup(g.SeedFlag) == nil {
		return nil, fmt.Errorf("repeat/seeds: %q is not a flag of neuropil %s (set seed_flag)", g.SeedFlag, g.Command)
	}
	var out [][]Var
	for _, r := range rows {
		if _, ok := lookup(r, g.SeedFlag); ok {
			return nil, fmt.Errorf("repeat/seeds: %s is also in [grid] or [[runs]]: give seeds one way", g.SeedFlag)
		}
		for _, s := range seeds {
			out = append(out, append(slices.Clone(r), Var{g.SeedFlag, strconv.FormatInt(s, 10)}))
		}
	}
	return out, nil
}

// values checks the keys of m against flags and formats their values.
func values(flags *flag.FlagSet, where string, m map[string]any, keys []string) ([]Var, error) {
	var out []Var
	for _, k := range keys {
		name := strings.TrimLeft(k, "-")
		f := flags.Lookup(name)
		if f == nil {
			hint := ""
			if near := cli.Nearest(flags, name); near != "" {
				hint = fmt.Sprintf(" (did you mean --%s?)", near)
			}
			return nil, fmt.Errorf("%s %q: not a flag of the command%s", where, k, hint)
		}
		if name == "out" {
			return nil, fmt.Errorf("%s %q: the sweep sets --out of each run (SWEEP/runs/NAME/out)", where, k)
		}
		s, err := format(m[k])
		if err != nil {
			return nil, fmt.Errorf("%s %q: %w", where, k, err)
		}
		if err := f.Value.Set(s); err != nil {
			return nil, fmt.Errorf("%s %q = %s: %w", where, k, s, err)
		}
		out = append(out, Var{name, s})
	}
	return out, nil
}

// format returns the flag text of a TOML value.
func format(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case int64:
		return strconv.FormatInt(v, 10), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	}
	return "", fmt.Errorf("%v (%T): want a string, number or boolean", v, v)
}

// merge returns base with vars set over it, base's order first.
func merge(base, vars []Var) []Var {
	out := slices.Clone(base)
	for _, v := range vars {
		i := slices.IndexFunc(out, func(b Var) bool { return b.Key == v.Key })
		if i >= 0 {
			out[i] = v
		} else {
			out = append(out, v)
		}
	}
	return out
}

func lookup(vars []Var, key string) (string, bool) {
	for _, v := range vars {
		if v.Key == key {
			return v.Value, true
		}
	}
	return "", false
}

// maxName is the longest run name before it is shortened with a hash.
const maxName = 96

// runName names a run's directory from its index (zero-padded to width)
// and its values: 003_solver=rk4_batch=2. Characters other than letters,
// digits and .+- become '-'; a long name is cut and ends in a hash of the
// whole, so that names stay distinct and the same wherever they are made.
func runName(width, index int, vars []Var) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%0*d", width, index)
	for _, v := range vars {
		b.WriteString("_" + clean(v.Key) + "=" + clean(v.Value))
	}
	s := b.String()
	if len(s) > maxName {
		h := sha256.Sum256([]byte(s))
		s = s[:maxName-9] + "-" + hex.EncodeToString(h[:4])
	}
	return s
}

func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '+' || r == '-' {
			return r
		}
		return '-'
	}, s)
}

func sortedKeys[V any](m map[string]V) []string {
	var k []string
	for key := range m {
		k = append(k, key)
	}
	slices.Sort(k)
	return k
}
