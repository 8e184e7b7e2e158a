// Package atomic writes files so that a reader never sees a half-written
// one: the content goes to a temporary file in the same directory, which is
// renamed over the destination only once it is complete and synced.
//
// Conventions: the temporary file is ".NAME.tmp-*" beside the destination
// (same file system, so the rename is atomic); on any error it is removed
// and the destination is left as it was; the writer handed to the
// producer is buffered (64 KiB); errors name the destination
// ("writing PATH: ..."); a finished file has mode 0644.
package atomic
