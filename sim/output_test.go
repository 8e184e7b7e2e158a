package sim

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/npy"
)

func TestDir(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "run")
	os.MkdirAll(path, 0o755)
	os.WriteFile(filepath.Join(path, "summary.json"), []byte("{}"), 0o644)
	d, err := OpenDir(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(d.Path("summary.json")); err == nil {
		t.Error("an earlier run's summary.json survived OpenDir")
	}
	res := &Result{Activity: []float32{1, 2, 3, 4, 5, 6}, Width: 1, Batch: 2, BatchFirst: true, Times: []float64{0.5, 1, 2}}
	if err := d.WriteResult(res); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteLabels([]uint8{3, 9}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string][]int{"activity.npy": {2, 3, 1}, "times.npy": {2, 3}, "labels.npy": {2}} {
		a, err := npy.ReadFile(d.Path(name))
		if err != nil || len(a.Shape) != len(want) || a.Shape[0] != want[0] || a.Shape[len(want)-1] != want[len(want)-1] {
			t.Errorf("%s: shape %v (%v), want %v", name, a.Shape, err, want)
		}
	}
	if tt := res.SampleTimes(); tt[1] != 1 || tt[3] != 0.5 {
		t.Errorf("batch-first sample times %v", tt)
	}
	err = errors.New("failed")
	d.DiscardOnError(&err)
	if left, _ := filepath.Glob(filepath.Join(path, "*")); len(left) != 0 {
		t.Errorf("left after a failure: %v", left)
	}
	file := filepath.Join(root, "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := OpenDir(filepath.Join(file, "sub")); err == nil || !strings.Contains(err.Error(), "file") {
		t.Errorf("directory under a file: error %v", err)
	}
}

func TestFits(t *testing.T) {
	if err := Fits("small", Bytes(20, 8, 100, 100)); err != nil {
		t.Error(err)
	}
	if err := Fits("--batch huge", Bytes(4e9, 1e9, 1e6, 1e6)); err == nil || !strings.Contains(err.Error(), "--batch huge") || !strings.Contains(err.Error(), "memory") {
		t.Errorf("huge run: error %v", err)
	}
	if PeakRSS() <= 0 {
		t.Log("no peak RSS on this system")
	}
}

// TestDirHoldsOneRun: a complete run leaves only its own outputs (an
// earlier run's labels.npy and maps.png go, a user's file stays); a failed
// run leaves nothing, not even the directories it created, and keeps a
// directory that existed.
func TestDirHoldsOneRun(t *testing.T) {
	root := t.TempDir()
	path := filepath.Join(root, "run")
	os.MkdirAll(path, 0o755)
	for _, f := range []string{"labels.npy", "maps.png", "mine.txt"} {
		os.WriteFile(filepath.Join(path, f), []byte("x"), 0o644)
	}
	d, err := OpenDir(path, Outputs()...)
	if err != nil {
		t.Fatal(err)
	}
	res := &Result{Activity: []float32{1, 2}, Width: 1, Batch: 2, Times: []float64{1}}
	if err := d.WriteResult(res); err != nil {
		t.Fatal(err)
	}
	if err := d.WriteSummary(map[string]int{"n": 1}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(path)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, ",") != "activity.npy,mine.txt,summary.json,times.npy" {
		t.Errorf("after a complete run: %v", names)
	}

	fresh := filepath.Join(root, "a", "b", "run")
	d, err = OpenDir(fresh, Outputs()...)
	if err != nil {
		t.Fatal(err)
	}
	d.WriteResult(res)
	err = errors.New("the run failed")
	d.DiscardOnError(&err)
	if _, err := os.Stat(filepath.Join(root, "a")); !os.IsNotExist(err) {
		t.Errorf("a failed run left the directories it created: %v", err)
	}
	d, _ = OpenDir(path, Outputs()...)
	d.Discard()
	if _, err := os.Stat(filepath.Join(path, "mine.txt")); err != nil {
		t.Errorf("a failed run removed a directory that existed: %v", err)
	}
}
