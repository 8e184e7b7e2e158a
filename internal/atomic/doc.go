// Package atomic writes files so that a reader never sees a half-written
// one: the content goes to a temporary file in the same directory, which is
// renamed over the destination only once it is complete and synced.
//
// Conventions: the temporary file is ".NAME.tmp-PID-*" beside the destination
// (same file system, so the rename is atomic); on any error it is removed
// and the destination is left as it was; the writer handed to the
// producer is buffered (64 KiB); errors name the destination
// ("writing PATH: ..."); a finished file has mode 0644.
//
// Faults: CleanOnSignal removes the temporary files being written (and
// runs the OnInterrupt cleanups) on SIGINT and SIGTERM; a kill -9 leaves
// them, and RemoveStale, which Lock runs, removes those of dead processes
// (the PID in the name tells). Lock holds an output directory for one
// process at a time (flock of .neuropil.lock, released by the kernel when
// the process dies, however it dies).
package atomic
