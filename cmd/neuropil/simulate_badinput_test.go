package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runNoPanic runs the CLI and turns a panic into a test failure that names
// the arguments, so that one bad case does not hide the others.
func runNoPanic(t *testing.T, args []string) (err error) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Errorf("%v: panic: %v", args, r)
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	_, _, err = runCLI(args...)
	return err
}

// badRun is one bad invocation: the error must mention every string of
// want, and out must hold no summary.json afterwards.
type badRun struct {
	name string
	args []string
	want []string
}

func checkBadRuns(t *testing.T, cases []badRun, out string) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			os.RemoveAll(out)
			err := runNoPanic(t, c.args)
			if err == nil {
				t.Fatalf("%v: no error", c.args)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if _, err := os.Stat(filepath.Join(out, "summary.json")); err == nil {
				t.Errorf("summary.json left behind: the failed run looks complete")
			}
		})
	}
}

// TestSimulateBadInput feeds "neuropil simulate" bad files and flag
// values found in review; each must be an error naming the file or flag.
func TestSimulateBadInput(t *testing.T) {
	dir := t.TempDir()
	conn, input, idx := smallProblem(t, dir)
	out := filepath.Join(dir, "out")
	empty := writeNPY(t, filepath.Join(dir, "w0.npy"), []int{0, 0}, []float32{})
	h0T := writeNPY(t, filepath.Join(dir, "h0T.npy"), []int{6, 2}, make([]float32, 12))
	bias2D := writeNPY(t, filepath.Join(dir, "bias2d.npy"), []int{2, 3}, make([]float32, 6))
	emptyFile := filepath.Join(dir, "empty.npy")
	os.WriteFile(emptyFile, nil, 0o644)
	whole, _ := os.ReadFile(conn)
	trunc := filepath.Join(dir, "trunc.npy")
	os.WriteFile(trunc, whole[:len(whole)-7], 0o644)
	hdr := "{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000, 100000000000), }"
	hdr += strings.Repeat(" ", 117-len(hdr)) + "\n"
	huge := filepath.Join(dir, "huge.npy")
	os.WriteFile(huge, append([]byte("\x93NUMPY\x01\x00\x76\x00"), hdr...), 0o644)
	aFile := filepath.Join(dir, "afile")
	os.WriteFile(aFile, []byte("x"), 0o644)
	aDir := filepath.Join(dir, "adir.npy")
	os.Mkdir(aDir, 0o755)

	base := []string{"simulate", "--connectome", conn, "--input", input, "--input-indices", idx,
		"--batch", "2", "--evals", "3", "--no-plots", "--out", out}
	with := func(extra ...string) []string { return append(append([]string(nil), base...), extra...) }
	checkBadRuns(t, []badRun{
		{"empty connectome", with("--connectome", empty), []string{"w0.npy", "no neurons"}},
		{"empty file", with("--connectome", emptyFile), []string{"empty.npy"}},
		{"truncated file", with("--connectome", trunc), []string{"trunc.npy", "EOF"}},
		{"huge declared shape", with("--connectome", huge), []string{"huge.npy", "too many"}},
		{"directory as file", with("--input", aDir), []string{"adir.npy", "directory"}},
		{"directory as indices", with("--input-indices", aDir), []string{"adir.npy", "directory"}},
		{"h0 transposed", with("--h0", h0T), []string{"--h0", "h0T.npy", "[6 2]", "[2 6]"}},
		{"bias 2-D", with("--bias", bias2D), []string{"--bias", "bias2d.npy", "[6]"}},
		{"atol inf", with("--atol", "inf"), []string{"--atol"}},
		{"rtol inf", with("--rtol", "+Inf"), []string{"--rtol"}},
		{"atol zero", with("--atol", "0"), []string{"--atol"}},
		{"max-steps negative", with("--max-steps", "-1"), []string{"--max-steps"}},
		{"workers negative", with("--workers", "-3"), []string{"--workers"}},
		{"dt inf", with("--solver", "euler", "--dt", "inf"), []string{"--dt"}},
		{"dt tiny", with("--solver", "euler", "--dt", "1e-300"), []string{"step budget"}},
		{"evals beyond memory", with("--evals", "4000000000000000000"), []string{"--evals", "memory"}},
		{"out is a file", with("--out", aFile), []string{"--out", "afile"}},
		{"memprofile is a directory", with("--memprofile", aDir), []string{"memory profile", "adir.npy"}},
		{"unknown kernel", with("--kernel", "nope"), []string{"nope", "known"}},
		{"unknown weights", with("--weights", "f64"), []string{"f64", "known"}},
	}, out)
}

// TestSimulateLabelsInSummary checks summary.json's labels: a JSON list of the
// digits, the same as labels.npy (a []uint8 field was written as base64).
func TestSimulateLabelsInSummary(t *testing.T) {
	dir := t.TempDir()
	conn, _, _ := smallProblem(t, dir)
	out := filepath.Join(dir, "out")
	if _, _, err := runCLI("simulate", "--connectome", conn, "--batch", "3", "--evals", "2",
		"--solver", "euler", "--no-plots", "--out", out); err != nil {
		t.Skipf("MNIST files not available: %v", err)
	}
	s := readSummary(t, out)
	list, ok := s["labels"].([]any)
	if !ok || len(list) != 3 {
		t.Fatalf("labels %#v, want a list of 3 digits", s["labels"])
	}
	_, l, err := loadArray(filepath.Join(out, "labels.npy"))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range list {
		if d, ok := v.(float64); !ok || d != float64(l[i]) || d < 0 || d > 9 || d != math.Trunc(d) {
			t.Errorf("label %d is %v, labels.npy has %v", i, v, l[i])
		}
	}
}

// TestOpticLobeBadInput does the same for "simulate --model optic-lobe".
func TestOpticLobeBadInput(t *testing.T) {
	spec := flyvisSpec(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	aFile := filepath.Join(dir, "afile")
	os.WriteFile(aFile, []byte("x"), 0o644)
	base := []string{"simulate", "--model", "optic-lobe", "--spec", spec, "--extent", "2", "--flash", "1",
		"--duration", "0.04", "--relax", "0.02", "--out", out}
	with := func(extra ...string) []string { return append(append([]string(nil), base...), extra...) }
	bomb := filepath.Join(dir, "bomb.png")
	os.WriteFile(bomb, pngHeader(100000, 100000), 0o644)
	aDir := filepath.Join(dir, "adir.png")
	os.Mkdir(aDir, 0o755)
	noFlash := func(extra ...string) []string {
		a := with(extra...)
		for i := range a {
			if a[i] == "--flash" {
				return append(a[:i:i], a[i+2:]...)
			}
		}
		return a
	}
	checkBadRuns(t, []badRun{
		{"image declares 10^10 pixels", noFlash("--image", bomb), []string{"bomb.png", "100000×100000"}},
		{"image is a directory", noFlash("--image", aDir), []string{"adir.png", "directory"}},
		{"duration zero", with("--duration", "0"), []string{"--duration"}},
		{"dt zero", with("--dt", "0"), []string{"--dt"}},
		{"dt tiny", with("--dt", "1e-300"), []string{"output times"}},
		{"relax negative", with("--relax", "-1"), []string{"--relax"}},
		{"evals negative", with("--evals", "-1"), []string{"--evals"}},
		{"batch beyond memory", with("--batch", "100000000000"), []string{"--batch", "memory"}},
		{"map-time outside", with("--map-time", "5"), []string{"--map-time"}},
		{"map-types empty", with("--map-types", ","), []string{"--map-types"}},
		{"workers negative", with("--workers", "-1"), []string{"--workers"}},
		{"atol inf", with("--solver", "dopri5", "--atol", "inf"), []string{"atol"}},
		{"out is a file", with("--out", aFile), []string{"--out", "afile"}},
	}, out)
}

// pngHeader returns the signature and IHDR chunk of a w×h 8-bit grey PNG:
// enough for image.DecodeConfig, a few bytes that declare a huge image.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	data := binary.BigEndian.AppendUint32(nil, w)
	data = binary.BigEndian.AppendUint32(data, h)
	data = append(data, 8, 0, 0, 0, 0)
	chunk := append([]byte("IHDR"), data...)
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(data))))
	b.Write(chunk)
	b.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(chunk)))
	return b.Bytes()
}

// TestRNNSummaryTimes: the discrete RNN's output times are 1..frames,
// so its summary and report give the interval [0, frames], not the
// --t0/--t1 it ignores.
func TestRNNSummaryTimes(t *testing.T) {
	dir := t.TempDir()
	conn, _, idx := smallProblem(t, dir)
	input := writeNPY(t, filepath.Join(dir, "x3.npy"), []int{4, 2, 3}, make([]float32, 24))
	out := filepath.Join(dir, "out")
	stdout, _, err := runCLI("simulate", "--model", "rnn", "--connectome", conn, "--input", input, "--input-indices", idx,
		"--batch", "2", "--evals", "4", "--no-plots", "--out", out)
	if err != nil {
		t.Fatal(err)
	}
	s := readSummary(t, out)
	if s["t0"] != 0.0 || s["t1"] != 4.0 || !strings.Contains(stdout, "over [0, 4]") {
		t.Errorf("t0 %v, t1 %v, report %q: want [0, 4]", s["t0"], s["t1"], stdout)
	}
	_, times, _ := loadArray(filepath.Join(out, "times.npy"))
	if times[0] != 1 || times[len(times)-1] != 4 {
		t.Errorf("times %v, want 1..4", times)
	}
}
