package pt

// A FormatError reports that the input is not a valid PyTorch file.
type FormatError string

func (e FormatError) Error() string { return "pt: invalid file: " + string(e) }

// An UnsupportedError reports that the input is a valid PyTorch file (or
// may be) that uses a feature this package does not read, such as a
// pickle global outside the allow-list.
type UnsupportedError string

func (e UnsupportedError) Error() string { return "pt: unsupported: " + string(e) }
