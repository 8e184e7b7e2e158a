package main

import (
	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format"
)

// loadConnectome reads a connectome file in any format of package format,
// or builds the default one when path is empty (format.LoadOrDefault). It
// returns the connectome and a description for reports.
func loadConnectome(path string, opt format.Options) (*connectome.Connectome, string, error) {
	return format.LoadOrDefault(path, opt)
}
