// Package cli holds the command-line plumbing of the neuropil command
// that is not about any one command: parsing flags that may follow the
// arguments, printing a flag set's help in titled groups, and checking
// flag values in a list of conditions (Need, First) whose errors name the
// flags.
//
// Flags are written as the flag package parses them, one or two dashes;
// messages name them with two ("--input-indices"). FlagName maps the
// field names of a library's settings struct ("InputIndices") to them,
// which is how a library's errors (sim.Namer) name the flags a user gave.
package cli
