package atomic

import (
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// pending holds what an interrupted process must remove: the temporary
// files being written and the cleanups registered with OnInterrupt.
var pending struct {
	sync.Mutex
	temps    map[string]bool
	cleanups map[int]func()
	next     int
}

func addTemp(name string) {
	pending.Lock()
	defer pending.Unlock()
	if pending.temps == nil {
		pending.temps = map[string]bool{}
	}
	pending.temps[name] = true
}

func dropTemp(name string) {
	pending.Lock()
	defer pending.Unlock()
	delete(pending.temps, name)
}

// OnInterrupt registers fn to run if the process is interrupted
// (CleanOnSignal) before the returned function unregisters it.
func OnInterrupt(fn func()) (unregister func()) {
	pending.Lock()
	defer pending.Unlock()
	if pending.cleanups == nil {
		pending.cleanups = map[int]func(){}
	}
	id := pending.next
	pending.next++
	pending.cleanups[id] = fn
	return func() {
		pending.Lock()
		defer pending.Unlock()
		delete(pending.cleanups, id)
	}
}

// Cleanup removes every temporary file being written and runs the
// registered interrupt cleanups, newest first.
func Cleanup() {
	pending.Lock()
	temps := pending.temps
	pending.temps = nil
	var fns []func()
	for id := pending.next - 1; id >= 0; id-- {
		if fn, ok := pending.cleanups[id]; ok {
			fns = append(fns, fn)
		}
	}
	pending.cleanups = nil
	pending.Unlock()
	for name := range temps {
		os.Remove(name)
	}
	for _, fn := range fns {
		fn()
	}
}

// CleanOnSignal makes SIGINT and SIGTERM run Cleanup, then exit with
// status 128 + the signal's number (130, 143), as a shell reports it.
// A command's main calls it once.
func CleanOnSignal() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-ch
		Cleanup()
		code := 1
		if n, ok := s.(syscall.Signal); ok {
			code = 128 + int(n)
		}
		os.Exit(code)
	}()
}

// tempPrefix returns the pattern of the temporary files of base written by
// this process: ".BASE.tmp-PID-*".
func tempPrefix(base string) string {
	return "." + base + ".tmp-" + strconv.Itoa(os.Getpid()) + "-*"
}

// RemoveStale removes from dir the temporary files (".NAME.tmp-PID-*",
// or ".NAME.tmp-*" of earlier versions) left by processes that are no
// longer running: a run killed with kill -9 during a write. It returns
// the paths removed.
func RemoveStale(dir string) []string { return removeStale(dir, ".") }

// removeStale is RemoveStale for the temporary files whose names start
// with prefix.
func removeStale(dir, prefix string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range ents {
		name := e.Name()
		i := strings.Index(name, ".tmp-")
		if !strings.HasPrefix(name, prefix) || i < 0 || e.IsDir() {
			continue
		}
		rest := name[i+len(".tmp-"):]
		if j := strings.IndexByte(rest, '-'); j > 0 {
			if pid, err := strconv.Atoi(rest[:j]); err == nil && alive(pid) {
				continue
			}
		}
		p := filepath.Join(dir, name)
		if os.Remove(p) == nil {
			removed = append(removed, p)
		}
	}
	return removed
}

// alive reports whether a process pid exists.
func alive(pid int) bool {
	if pid <= 0 {
		return false
	}
	if pid == os.Getpid() {
		return true
	}
	err := syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
