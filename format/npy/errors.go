package npy

// A FormatError reports that the input is not a valid .npy or .npz file.
type FormatError string

func (e FormatError) Error() string { return "npy: invalid file: " + string(e) }

// An UnsupportedError reports a valid file that uses a feature this
// package does not read (object arrays, structured dtypes, complex).
type UnsupportedError string

func (e UnsupportedError) Error() string { return "npy: unsupported: " + string(e) }
