package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// ErrHelp is returned by Parse after -h printed a command's flags; a
// command treats it as success.
var ErrHelp = errors.New("help requested")

// Parse parses args into fs and rejects stray positional arguments beyond
// maxArgs (-1: any number). A -h prints fs's usage and is ErrHelp. Any
// other parse error is returned as one line, without the usage: an
// unknown flag names the nearest known one ("unknown flag --bach (did you
// mean --batch?)").
func Parse(fs *flag.FlagSet, args []string, maxArgs int) error {
	if c, ok := fs.Output().(FlagCatcher); ok {
		c.CatchFlags(fs)
		return ErrHelp
	}
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard) // the error comes back in err, without the usage
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	switch {
	case errors.Is(err, flag.ErrHelp):
		if usage != nil {
			usage()
		} else {
			fmt.Fprintf(out, "Usage of %s:\n", fs.Name())
			fs.PrintDefaults()
		}
		return ErrHelp
	case err != nil:
		cmd := fs.Name()
		return fmt.Errorf("%s: %w (%q lists the flags)", strings.TrimPrefix(cmd, "neuropil "), explain(fs, err), cmd+" -h")
	}
	if maxArgs >= 0 && fs.NArg() > maxArgs {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(maxArgs))
	}
	return nil
}

// A FlagCatcher, given to a command as the output of its flag set (its
// stderr), gets from Parse the command's flag set, every flag defined;
// Parse then returns ErrHelp without parsing. "neuropil sweep" learns a
// command's flags so.
type FlagCatcher interface {
	io.Writer
	CatchFlags(fs *flag.FlagSet)
}

// explain rewrites the flag package's error for an unknown flag as one
// naming the nearest defined flag.
func explain(fs *flag.FlagSet, err error) error {
	const undefined = "flag provided but not defined: -"
	msg := err.Error()
	if !strings.HasPrefix(msg, undefined) {
		return err
	}
	name := strings.TrimPrefix(msg[len(undefined):], "-")
	if near := Nearest(fs, name); near != "" {
		return fmt.Errorf("unknown flag --%s (did you mean --%s?)", name, near)
	}
	return fmt.Errorf("unknown flag --%s", name)
}

// Nearest returns the flag of fs whose name is closest to name in edit
// distance, if it is close enough to be a misspelling (at most a third of
// the longer name, and at most 3 edits), else "".
func Nearest(fs *flag.FlagSet, name string) string {
	best, bestD := "", 0
	fs.VisitAll(func(f *flag.Flag) {
		d := editDistance(name, f.Name)
		if limit := min(3, max(len(name), len(f.Name))/3); d > limit && !strings.HasPrefix(f.Name, name) {
			return
		}
		if best == "" || d < bestD || (d == bestD && f.Name < best) {
			best, bestD = f.Name, d
		}
	})
	return best
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// ParseAnywhere is Parse for commands whose flags may follow their
// arguments ("neuropil info FILE --json"): afterwards fs.Args() holds the
// arguments in order. A "--" ends the flags.
func ParseAnywhere(fs *flag.FlagSet, args []string, maxArgs int) error {
	var pos []string
	for {
		if err := Parse(fs, args, -1); err != nil {
			return err
		}
		rest := fs.Args()
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			pos = append(pos, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
	if err := fs.Parse(append([]string{"--"}, pos...)); err != nil {
		return err
	}
	if maxArgs >= 0 && len(pos) > maxArgs {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), pos[maxArgs])
	}
	return nil
}
