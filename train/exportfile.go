package train

import (
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/internal/atomic"
)

// ExportExtensions are the file extensions ExportFile knows.
func ExportExtensions() []string { return []string{".npz", ".pt", ".pth"} }

// ExportFile writes the parameters to a file chosen by extension: a NumPy
// .npz archive (ExportNPZ) or a PyTorch state dict (ExportPT, .pt or
// .pth), atomically. An unknown extension is an error listing the known
// ones.
func ExportFile(path string, m *Model) error {
	if err := CheckExport(path); err != nil {
		return err
	}
	enc := ExportPT
	if strings.EqualFold(filepath.Ext(path), ".npz") {
		enc = ExportNPZ
	}
	return atomic.WriteFile(path, func(w io.Writer) error { return enc(w, m) })
}

// CheckExport returns an error unless ExportFile knows the path's
// extension.
func CheckExport(path string) error {
	if ext := strings.ToLower(filepath.Ext(path)); !slices.Contains(ExportExtensions(), ext) {
		return fmt.Errorf("%s: unknown format %q (known: %s)", path, filepath.Ext(path), strings.Join(ExportExtensions(), ", "))
	}
	return nil
}

// Connectome returns the recurrent weights the model multiplies by as a
// connectome: with Dale, the magnitudes clamped at 0 times the presynaptic
// signs, which the connectome keeps.
func (m *Model) Connectome() *connectome.Connectome {
	w := m.W.Clone()
	var sign []int8
	if m.Dale {
		sign = m.Sign
		for k, j := range w.ColIdx {
			w.Val[k] = float32(m.Sign[j]) * max(w.Val[k], 0)
		}
	}
	return &connectome.Connectome{W: w, Sign: sign}
}
