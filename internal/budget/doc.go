// Package budget holds the memory budget of a neuropil process: how many
// bytes a reader or a run may plan to hold before it is refused with an
// error naming the budget's flag, --max-memory.
//
// Conventions: estimates are float64 bytes, so that products of claimed
// counts cannot overflow; they are made from a file's header or a run's
// settings before anything is allocated. The budget is one process-wide
// value: the command line sets it once (Set) before any work, and every
// reader and run reads it (Limit). Its default is half of the memory the
// process may use: the least of the machine's memory, the address-space
// limit (ulimit -v) and the cgroup's memory limit.
package budget
