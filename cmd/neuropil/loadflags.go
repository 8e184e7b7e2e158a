package main

import (
	"flag"

	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/internal/cli"
)

// loadFlags are the flags of every command that reads a connectome file:
// which tensor of a container, which columns of an edge list.
type loadFlags struct {
	key, pre, post, weight, sign, inhibitory string
	signed                                   bool
	ignoreNeurons                            bool
}

// addLoadFlags registers the connectome-reading flags on fs.
func addLoadFlags(fs *flag.FlagSet) *loadFlags {
	l := &loadFlags{}
	fs.StringVar(&l.key, "key", "", "tensor to read: a .pt dict key or list index, or an .npz array (default: the only 2-D one)")
	fs.StringVar(&l.pre, "pre", "", "edge list: presynaptic id `column` (default: detect pre_root_id, bodyId_pre, pre, source, ...)")
	fs.StringVar(&l.post, "post", "", "edge list: postsynaptic id `column` (default: detect post_root_id, bodyId_post, post, target, ...)")
	fs.StringVar(&l.weight, "weight", "", "edge list: weight `column` (default: detect syn_count, weight, count, ...; none: 1 per row)")
	fs.StringVar(&l.sign, "sign", "", "edge list: `column` giving each presynaptic neuron's sign, e.g. nt_type")
	fs.StringVar(&l.inhibitory, "inhibitory", "GABA,GLUT", "edge list: comma-separated sign-column `values` that are inhibitory (the rest excitatory)")
	fs.BoolVar(&l.signed, "signed", false, "edge list: multiply weights by the presynaptic sign (needs --sign)")
	fs.BoolVar(&l.ignoreNeurons, "ignore-neurons", false, "do not read the NAME.neurons.csv (ids, signs, types) beside a .pt, .npz or .npy connectome")
	return l
}

// options returns the format options the flags select.
func (l *loadFlags) options() format.Options {
	o := format.Options{Key: l.key, NoNeuronTable: l.ignoreNeurons}
	o.Edges.Pre, o.Edges.Post, o.Edges.Weight, o.Edges.Sign = l.pre, l.post, l.weight, l.sign
	o.Edges.Signed = l.signed
	o.Edges.Inhibitory = append([]string{}, cli.SplitList(l.inhibitory)...) // none given: none inhibitory
	return o
}
