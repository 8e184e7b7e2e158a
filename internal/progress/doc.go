// Package progress reports the progress of long work on a terminal and
// stays quiet when the output is piped or redirected.
//
// Conventions: a nil *Bar is valid and does nothing, so callers never
// check whether the output is a terminal; a bar redraws its one line at
// most ten times a second and is safe for concurrent use.
package progress
