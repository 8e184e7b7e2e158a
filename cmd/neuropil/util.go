package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// peakRSS returns the peak resident set size of this process in bytes
// (VmHWM of /proc/self/status), or 0 where that is not available.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Bytes()
		if bytes.HasPrefix(line, []byte("VmHWM:")) {
			f := bytes.Fields(line[6:])
			if len(f) >= 1 {
				kb, _ := strconv.ParseInt(string(f[0]), 10, 64)
				return kb << 10
			}
		}
	}
	return 0
}

// memTotal returns the physical memory of the machine in bytes (MemTotal
// of /proc/meminfo), or 0 where that is not available.
func memTotal() int64 {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if f := bytes.Fields(sc.Bytes()); len(f) >= 2 && string(f[0]) == "MemTotal:" {
			kb, _ := strconv.ParseInt(string(f[1]), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// stateVectors is about how many [neurons][batch] float32 vectors a solve
// holds besides its output: dopri5's seven stages, the state, its error
// estimate and the dense-output coefficients.
const stateVectors = 12

// checkMemory returns an error, naming the flags that size the run, when
// a run of evals output times of width recorded values per sample over
// neurons×batch states would need more than the machine's memory: better
// than the runtime's fatal "out of memory" with a stack trace after the
// work has begun. The estimate is in float64 so that it cannot overflow.
func checkMemory(evals, batch, width, neurons int) error {
	need := 4 * (float64(evals)*float64(batch)*float64(width) + stateVectors*float64(batch)*float64(neurons))
	if err := checkFits(fmt.Sprintf("--evals %d × --batch %d × %d values", evals, batch, width), need); err != nil {
		return fmt.Errorf("%w; lower --evals or --batch", err)
	}
	return nil
}

// checkFits returns an error, beginning with what, if need bytes are more
// than the machine's memory (or than 1 PiB where that is unknown): better
// than the runtime's fatal "out of memory" with a stack trace after the
// work has begun.
func checkFits(what string, need float64) error {
	limit := float64(memTotal())
	if limit == 0 {
		limit = 1 << 50
	}
	if need > limit {
		return fmt.Errorf("%s: the run needs about %s, more than this machine's %s of memory", what, bytesString(need), bytesString(limit))
	}
	return nil
}

// bytesString writes a byte count with a binary unit.
func bytesString(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	k := 0
	for b >= 1024 && k < len(units)-1 {
		b /= 1024
		k++
	}
	return fmt.Sprintf("%.3g %s", b, units[k])
}
