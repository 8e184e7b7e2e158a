package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Need returns nil when ok, else an error of format and a: one check of
// flag values, for First.
func Need(ok bool, format string, a ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, a...)
}

// First returns the first of errs that is not nil.
func First(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// Wrap returns err prefixed with the flag that led to it; nil for nil.
func Wrap(flag string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", flag, err)
}

// FlagName returns the flag of a field of a library's settings: its name
// in kebab case, "InputIndices" --input-indices, "H0" --h0, "MNIST"
// --mnist. It is a sim.Namer.
func FlagName(field string) string {
	var b strings.Builder
	b.WriteString("--")
	prev := rune(0)
	for _, r := range field {
		if unicode.IsUpper(r) && unicode.IsLower(prev) {
			b.WriteByte('-')
		}
		b.WriteRune(unicode.ToLower(r))
		prev = r
	}
	return b.String()
}

// SplitList returns the items of a comma-separated list, trimmed, without
// empty ones.
func SplitList(s string) []string {
	var items []string
	for _, it := range strings.Split(s, ",") {
		if it = strings.TrimSpace(it); it != "" {
			items = append(items, it)
		}
	}
	return items
}

// WriteJSON writes v to w as indented JSON, with <, > and & as they are
// (dtypes such as "<f4" stay readable).
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// OptionalFloatVar defines a float flag that may be left unset: *p is NaN
// until the flag is given a finite number. Its help shows no "(default
// NaN)"; say in usage what unset means.
func OptionalFloatVar(fs *flag.FlagSet, p *float64, name, usage string) {
	*p = math.NaN()
	fs.Var(optionalFloat{p}, name, usage)
}

// optionalFloat is the flag.Value of OptionalFloatVar; its zero value
// (what the flag package compares the default with) is unset too.
type optionalFloat struct{ p *float64 }

// String returns the value, "" when unset.
func (f optionalFloat) String() string {
	if f.p == nil || math.IsNaN(*f.p) {
		return ""
	}
	return strconv.FormatFloat(*f.p, 'g', -1, 64)
}

// Set parses a finite number.
func (f optionalFloat) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return fmt.Errorf("want a finite number")
	}
	*f.p = v
	return nil
}

// CheckFiles returns an error naming the flag for the first of the named
// flags given on the command line whose value is a path that does not
// exist or cannot be looked at: "--input x.npy: no such file or
// directory", before any work starts.
func CheckFiles(fs *flag.FlagSet, names ...string) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		v := f.Value.String()
		if err != nil || v == "" || !slices.Contains(names, f.Name) {
			return
		}
		if _, e := os.Stat(v); e != nil {
			var pe *os.PathError
			if errors.As(e, &pe) {
				e = pe.Err
			}
			err = fmt.Errorf("--%s %s: %w", f.Name, v, e)
		}
	})
	return err
}
