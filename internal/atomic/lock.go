package atomic

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// LockName is the lock file a run holds in its output directory.
const LockName = ".neuropil.lock"

// ErrLocked is wrapped by the error of Lock when another running process
// holds the directory.
var ErrLocked = errors.New("output directory in use")

// DirLock is a held lock of an output directory.
type DirLock struct {
	f          *os.File
	path       string
	unregister func()
}

// Lock takes the lock of directory dir for this process: an exclusive
// flock(2) of dir/.neuropil.lock holding the pid, which the kernel
// releases when the process ends, however it ends, so that the stale lock
// of a dead process is taken over. A directory locked by a running
// process is an error wrapping ErrLocked that names its pid. Having the
// lock, it removes the temporary files of dead processes (RemoveStale).
func Lock(dir string) (*DirLock, error) {
	p := filepath.Join(dir, LockName)
	for range 10 {
		f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("locking %s: %w", dir, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			b := make([]byte, 32)
			n, _ := f.ReadAt(b, 0)
			f.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				pid := strings.TrimSpace(string(b[:n]))
				return nil, fmt.Errorf("%s is the output directory of another running neuropil (pid %s; lock %s): %w", dir, pid, p, ErrLocked)
			}
			return nil, fmt.Errorf("locking %s: %w", dir, err)
		}
		// The holder before us may have removed the file after we opened
		// it: then our lock is of a file no one else sees. Retry.
		var fst, pst syscall.Stat_t
		if syscall.Fstat(int(f.Fd()), &fst) != nil || syscall.Stat(p, &pst) != nil || fst.Ino != pst.Ino || fst.Dev != pst.Dev {
			f.Close()
			continue
		}
		if err := f.Truncate(0); err == nil {
			f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
		}
		l := &DirLock{f: f, path: p}
		l.unregister = OnInterrupt(l.release)
		RemoveStale(dir)
		return l, nil
	}
	return nil, fmt.Errorf("locking %s: the lock file keeps changing", dir)
}

// Unlock releases the lock and removes the lock file. It may be called
// more than once.
func (l *DirLock) Unlock() {
	if l == nil || l.f == nil {
		return
	}
	l.unregister()
	l.release()
}

func (l *DirLock) release() {
	if l.f == nil {
		return
	}
	os.Remove(l.path) // while still holding it: see the retry in Lock
	l.f.Close()
	l.f = nil
}
