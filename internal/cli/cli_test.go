package cli

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"math"
	"slices"
	"strings"
	"testing"
)

func newSet() (*flag.FlagSet, *bool, *string) {
	fs := flag.NewFlagSet("tool", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs, fs.Bool("json", false, "json output"), fs.String("key", "", "a key")
}

func TestParse(t *testing.T) {
	fs, asJSON, _ := newSet()
	if err := Parse(fs, []string{"--json", "a"}, 1); err != nil || !*asJSON || fs.Arg(0) != "a" {
		t.Errorf("Parse: %v", err)
	}
	fs, _, _ = newSet()
	if err := Parse(fs, []string{"a", "b"}, 1); err == nil || err.Error() != `tool: unexpected argument "b"` {
		t.Errorf("a stray argument: %v", err)
	}
	fs, _, _ = newSet()
	if err := Parse(fs, []string{"-h"}, 0); !errors.Is(err, ErrHelp) {
		t.Errorf("-h: %v, want ErrHelp", err)
	}
}

func TestParseAnywhere(t *testing.T) {
	fs, asJSON, key := newSet()
	if err := ParseAnywhere(fs, []string{"in", "--json", "out", "--key", "k"}, 2); err != nil {
		t.Fatal(err)
	}
	if !*asJSON || *key != "k" || !slices.Equal(fs.Args(), []string{"in", "out"}) {
		t.Errorf("json %v, key %q, args %v", *asJSON, *key, fs.Args())
	}
	fs, asJSON, _ = newSet()
	if err := ParseAnywhere(fs, []string{"in", "--", "--json"}, 2); err != nil || *asJSON || !slices.Equal(fs.Args(), []string{"in", "--json"}) {
		t.Errorf("after --: json %v, args %v, %v", *asJSON, fs.Args(), err)
	}
	fs, _, _ = newSet()
	if err := ParseAnywhere(fs, []string{"a", "--json", "b"}, 1); err == nil || err.Error() != `tool: unexpected argument "b"` {
		t.Errorf("a stray argument: %v", err)
	}
}

func TestGroups(t *testing.T) {
	fs, _, _ := newSet()
	g := NewGroups(fs, "common")
	names := g.Add("extra", func(fs *flag.FlagSet) { fs.Int("n", 3, "a count") })
	if !slices.Equal(names, []string{"n"}) {
		t.Errorf("Add returned %v", names)
	}
	var b bytes.Buffer
	g.Print(&b)
	want := "\ncommon:\n  -json\n    \tjson output\n  -key string\n    \ta key\n\nextra:\n  -n int\n    \ta count (default 3)\n"
	if b.String() != want {
		t.Errorf("help:\n%q\nwant:\n%q", b.String(), want)
	}
}

func TestChecks(t *testing.T) {
	if err := First(Need(true, "a"), nil, Need(false, "--n %d: bad", 2), Need(false, "later")); err == nil || err.Error() != "--n 2: bad" {
		t.Errorf("First: %v", err)
	}
	if First() != nil || Wrap("--x", nil) != nil {
		t.Error("no errors: not nil")
	}
	inner := errors.New("inner")
	if err := Wrap("--image", inner); !errors.Is(err, inner) || err.Error() != "--image: inner" {
		t.Errorf("Wrap: %v", err)
	}
	for field, want := range map[string]string{"InputIndices": "--input-indices", "H0": "--h0", "MNIST": "--mnist",
		"T1": "--t1", "OutputBias": "--output-bias", "Batch": "--batch", "TauFile": "--tau-file"} {
		if got := FlagName(field); got != want {
			t.Errorf("FlagName(%s) = %s, want %s", field, got, want)
		}
	}
	if got := SplitList(" L1, ,Mi1 ,"); !slices.Equal(got, []string{"L1", "Mi1"}) || SplitList(" , ") != nil {
		t.Errorf("SplitList: %q", got)
	}
}

// TestParseErrors: a misspelt flag is one line naming the nearest flag,
// without the usage; a flag far from every other gets no suggestion; -h
// prints the usage and is ErrHelp.
func TestParseErrors(t *testing.T) {
	var out bytes.Buffer
	fs := flag.NewFlagSet("neuropil tool", flag.ContinueOnError)
	fs.SetOutput(&out)
	fs.Int("batch", 8, "batch size")
	fs.String("solver", "dopri5", "solver")
	fs.Bool("json", false, "json")
	for _, c := range []struct{ arg, want string }{
		{"--bach", `tool: unknown flag --bach (did you mean --batch?) ("neuropil tool -h" lists the flags)`},
		{"-solvr", "unknown flag --solvr (did you mean --solver?)"},
		{"--jsn", "did you mean --json?"},
		{"--sol", "did you mean --solver?"},
		{"--zzzzzzzz", "unknown flag --zzzzzzzz ("},
		{"--batch=x", `invalid value "x" for flag -batch`},
	} {
		err := Parse(fs, []string{c.arg}, 0)
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Count(err.Error(), "\n") > 0 {
			t.Errorf("%s: error %v, want one line containing %q", c.arg, err, c.want)
		}
	}
	if out.Len() != 0 {
		t.Errorf("parse errors printed %q", out.String())
	}
	if err := Parse(fs, []string{"-h"}, 0); !errors.Is(err, ErrHelp) || !strings.Contains(out.String(), "batch size") {
		t.Errorf("-h: error %v, output %q", err, out.String())
	}
}

// TestOptionalFloatVar: unset is NaN and shows no "(default NaN)"; a
// number sets it; NaN and Inf are refused.
func TestOptionalFloatVar(t *testing.T) {
	fs := flag.NewFlagSet("tool", flag.ContinueOnError)
	var out bytes.Buffer
	fs.SetOutput(&out)
	var x float64
	OptionalFloatVar(fs, &x, "flash", "light level (default: none)")
	fs.PrintDefaults()
	if !math.IsNaN(x) || strings.Contains(out.String(), "NaN") || strings.Contains(out.String(), "(default )") {
		t.Errorf("unset: %v, help %q", x, out.String())
	}
	if err := Parse(fs, []string{"--flash", "0.5"}, 0); err != nil || x != 0.5 {
		t.Errorf("--flash 0.5: %v, %v", x, err)
	}
	for _, bad := range []string{"NaN", "inf", "x"} {
		if err := Parse(fs, []string{"--flash", bad}, 0); err == nil {
			t.Errorf("--flash %s accepted", bad)
		}
	}
}
