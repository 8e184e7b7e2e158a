package main

import (
	"bufio"
	"bytes"
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
