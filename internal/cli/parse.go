package cli

import (
	"errors"
	"flag"
	"fmt"
)

// ErrHelp is returned by Parse after -h printed a command's flags; a
// command treats it as success.
var ErrHelp = errors.New("help requested")

// Parse parses args into fs and rejects stray positional arguments beyond
// maxArgs (-1: any number). A -h is ErrHelp.
func Parse(fs *flag.FlagSet, args []string, maxArgs int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ErrHelp
		}
		return err
	}
	if maxArgs >= 0 && fs.NArg() > maxArgs {
		return fmt.Errorf("%s: unexpected argument %q", fs.Name(), fs.Arg(maxArgs))
	}
	return nil
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
