package cli

import (
	"flag"
	"fmt"
	"io"
)

// Groups sorts the flags of one flag set into titled groups, for a help
// that shows them group by group.
type Groups struct {
	fs     *flag.FlagSet
	titles []string
	names  [][]string // [group] flag names in the order they were added
}

// NewGroups starts the groups of fs: the flags it has so far form the
// first, under title.
func NewGroups(fs *flag.FlagSet, title string) *Groups {
	g := &Groups{fs: fs}
	g.Add(title, func(*flag.FlagSet) {})
	fs.VisitAll(func(f *flag.Flag) { g.names[0] = append(g.names[0], f.Name) })
	return g
}

// Add registers a group's flags on the flag set with register and returns
// their names.
func (g *Groups) Add(title string, register func(*flag.FlagSet)) []string {
	seen := map[string]bool{}
	g.fs.VisitAll(func(f *flag.Flag) { seen[f.Name] = true })
	register(g.fs)
	var names []string
	g.fs.VisitAll(func(f *flag.Flag) {
		if !seen[f.Name] {
			names = append(names, f.Name)
		}
	})
	g.titles = append(g.titles, title)
	g.names = append(g.names, names)
	return names
}

// Print writes each group's flags with their defaults under its title.
func (g *Groups) Print(w io.Writer) {
	for i, title := range g.titles {
		fmt.Fprintf(w, "\n%s:\n", title)
		sub := flag.NewFlagSet("", flag.ContinueOnError)
		sub.SetOutput(w)
		for _, name := range g.names[i] {
			f := g.fs.Lookup(name)
			sub.Var(f.Value, f.Name, f.Usage)
			sub.Lookup(name).DefValue = f.DefValue
		}
		sub.PrintDefaults()
	}
}
