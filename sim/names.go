package sim

import "fmt"

// Namer names a setting in error messages: it maps the name of a field
// of a settings struct ("InputIndices") to the name the user knows it by,
// such as a command-line flag ("--input-indices"). A nil Namer names the
// fields as they are.
type Namer func(field string) string

// Name returns n's name for field.
func (n Namer) Name(field string) string {
	if n == nil {
		return field
	}
	return n(field)
}

// CheckSize returns an error, naming the settings that size a run (the
// fields Evals and Batch, by names), when a run of times output times of
// width recorded values per sample, with the solver's states of dim
// variables, for batch samples would need more than the machine's memory
// (Bytes, Fits).
func CheckSize(names Namer, times, batch, width, dim int) error {
	evals, b := names.Name("Evals"), names.Name("Batch")
	if err := Fits(fmt.Sprintf("%s %d × %s %d × %d values", evals, times, b, batch, width), Bytes(times, batch, width, dim)); err != nil {
		return fmt.Errorf("%w; lower %s or %s", err, evals, b)
	}
	return nil
}
