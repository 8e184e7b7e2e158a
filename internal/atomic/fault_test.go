package atomic

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestLock(t *testing.T) {
	dir := t.TempDir()
	l, err := Lock(dir)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Lock(dir)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Fatalf("second lock: %v", err)
	}
	l.Unlock()
	l.Unlock()
	if _, err := os.Stat(filepath.Join(dir, LockName)); !os.IsNotExist(err) {
		t.Errorf("lock file left: %v", err)
	}
	// The lock file of a dead process (no flock held) is taken over.
	os.WriteFile(filepath.Join(dir, LockName), []byte("999999999\n"), 0o644)
	l, err = Lock(dir)
	if err != nil {
		t.Fatalf("stale lock: %v", err)
	}
	l.Unlock()
}

func TestRemoveStale(t *testing.T) {
	dir := t.TempDir()
	mine := fmt.Sprintf(".a.npy.tmp-%d-1", os.Getpid())
	for _, n := range []string{".activity.npy.tmp-999999999-123", ".old.npy.tmp-4567", mine, "keep.npy", ".hidden"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	got := RemoveStale(dir)
	if len(got) != 2 {
		t.Errorf("removed %v", got)
	}
	ents, _ := os.ReadDir(dir)
	var left []string
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if strings.Join(left, " ") != ".a.npy.tmp-"+strconv.Itoa(os.Getpid())+"-1 .hidden keep.npy" {
		t.Errorf("left %v", left)
	}
}

func TestCleanupRemovesTempBeingWritten(t *testing.T) {
	dir := t.TempDir()
	ran := false
	OnInterrupt(func() { ran = true })
	err := WriteFile(filepath.Join(dir, "x.npy"), func(w io.Writer) error {
		Cleanup()
		return nil
	})
	if err == nil {
		t.Error("a write whose temporary file was removed succeeded")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 || !ran {
		t.Errorf("left %v, cleanup ran %v", ents, ran)
	}
}

// The child of TestSignalLeavesNothing: it writes forever until killed.
func TestMain(m *testing.M) {
	if dir := os.Getenv("ATOMIC_CHILD_DIR"); dir != "" {
		CleanOnSignal()
		l, err := Lock(dir)
		if err != nil {
			panic(err)
		}
		_ = l
		WriteFile(filepath.Join(dir, "activity.npy"), func(w io.Writer) error {
			for {
				if _, err := w.Write(make([]byte, 1<<16)); err != nil {
					return err
				}
				time.Sleep(time.Millisecond)
			}
		})
		// The signal's cleanup may end the write first (it closes the
		// temporary file); the exit status is the signal handler's to set.
		select {}
	}
	os.Exit(m.Run())
}

// Ctrl-C (SIGINT) and SIGTERM during a write leave nothing; kill -9
// leaves a temporary file that the next run's Lock removes.
func TestSignalLeavesNothing(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL} {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), "ATOMIC_CHILD_DIR="+dir)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			if ents, _ := os.ReadDir(dir); len(ents) == 2 || time.Now().After(deadline) {
				break
			}
		}
		cmd.Process.Signal(sig)
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("%v: child ended with %v", sig, err)
		}
		ents, _ := os.ReadDir(dir)
		if sig == syscall.SIGKILL {
			if len(ents) != 2 {
				t.Fatalf("kill -9: left %v, want the lock and a temporary file", ents)
			}
			l, err := Lock(dir)
			if err != nil {
				t.Fatal(err)
			}
			l.Unlock()
			ents, _ = os.ReadDir(dir)
		} else if ee.ExitCode() != 128+int(sig) {
			t.Errorf("%v: exit status %d", sig, ee.ExitCode())
		}
		if len(ents) != 0 {
			t.Errorf("%v: left %v", sig, ents)
		}
	}
}

// A write removes the temporary files of its destination that a killed
// process left, and no others.
func TestWriteFileRemovesStaleTemps(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{".x.npz.tmp-999999999-1", ".y.npz.tmp-999999999-1"} {
		os.WriteFile(filepath.Join(dir, n), nil, 0o644)
	}
	if err := WriteFile(filepath.Join(dir, "x.npz"), func(w io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 2 || ents[0].Name() != ".y.npz.tmp-999999999-1" || ents[1].Name() != "x.npz" {
		t.Errorf("left %v", ents)
	}
}
