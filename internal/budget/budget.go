package budget

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
)

// Flag is the command-line flag that sets the budget, named in errors.
const Flag = "--max-memory"

// fallback is the budget where the machine's memory is unknown (8 GiB).
const fallback = 8 << 30

// limit is the budget set by Set; 0 means Default.
var limit atomic.Int64

// Default returns half of the memory this process may use: the least of
// the machine's memory (MemTotal), the address-space limit (RLIMIT_AS)
// and the cgroup v2 memory limit; 8 GiB where none is known.
func Default() int64 {
	avail := int64(math.MaxInt64)
	if kb := procKiB("/proc/meminfo", "MemTotal:"); kb > 0 {
		avail = kb << 10
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl); err == nil && rl.Cur > 0 && rl.Cur < uint64(avail) {
		avail = int64(rl.Cur)
	}
	if b, err := os.ReadFile("/sys/fs/cgroup/memory.max"); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64); err == nil && n > 0 && n < avail {
			avail = n
		}
	}
	if avail == math.MaxInt64 {
		return fallback
	}
	return avail / 2
}

// Limit returns the budget in bytes: what Set set, else Default.
func Limit() int64 {
	if n := limit.Load(); n > 0 {
		return n
	}
	return Default()
}

// Set sets the budget to n bytes; n <= 0 restores the default.
func Set(n int64) { limit.Store(max(n, 0)) }

// AddFlag restores the default budget and adds --max-memory to fs, which
// sets it: every command has the flag.
func AddFlag(fs *flag.FlagSet) {
	Set(0)
	fs.Func(Flag[2:], "memory budget such as 4GiB: work estimated beyond it is refused before it starts (default: half the memory this process may use)", func(v string) error {
		n, err := Parse(v)
		if err == nil {
			Set(n)
		}
		return err
	})
}

// Error is the refusal of work whose estimate exceeds the budget.
type Error struct {
	What  string  // what would need the memory: a file, a run
	Need  float64 // the estimate in bytes
	Limit int64   // the budget in bytes
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s would need about %s of memory, more than the budget of %s (%s raises it)",
		e.What, Bytes(e.Need), Bytes(float64(e.Limit)), Flag)
}

// Check returns an *Error when need bytes exceed the budget; what names
// the work in the message.
func Check(what string, need float64) error {
	if l := Limit(); need > float64(l) {
		return &Error{What: what, Need: need, Limit: l}
	}
	return nil
}

// Bytes writes a byte count with a binary unit: "1.5 GiB".
func Bytes(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	k := 0
	for b >= 1024 && k < len(units)-1 {
		b /= 1024
		k++
	}
	return fmt.Sprintf("%.3g %s", b, units[k])
}

// Parse reads a byte count: a number with an optional unit B, KiB, MiB,
// GiB or TiB (K, M, G and T, with or without "B" or "iB", are the same
// binary units).
func Parse(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.ToUpper(strings.TrimSpace(t[i:]))
	}
	x, err := strconv.ParseFloat(num, 64)
	if err != nil || x <= 0 {
		return 0, fmt.Errorf("memory size %q: want a positive number with an optional unit (B, KiB, MiB, GiB, TiB)", s)
	}
	unit = strings.TrimSuffix(strings.TrimSuffix(unit, "B"), "I")
	shift, ok := map[string]uint{"": 0, "K": 10, "M": 20, "G": 30, "T": 40}[unit]
	if !ok {
		return 0, fmt.Errorf("memory size %q: unknown unit (known: B, KiB, MiB, GiB, TiB)", s)
	}
	x *= float64(uint64(1) << shift)
	if x >= math.MaxInt64 {
		return 0, fmt.Errorf("memory size %q is too large", s)
	}
	return int64(x), nil
}

// PeakRSS returns the peak resident set size of this process in bytes
// (VmHWM of /proc/self/status), or 0 where that is not available.
func PeakRSS() int64 { return procKiB("/proc/self/status", "VmHWM:") << 10 }

// procKiB returns the value in KiB of the line of a /proc file that starts
// with key, 0 when there is none.
func procKiB(path, key string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if f := bytes.Fields(sc.Bytes()); len(f) >= 2 && string(f[0]) == key {
			kb, _ := strconv.ParseInt(string(f[1]), 10, 64)
			return kb
		}
	}
	return 0
}
