package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/npy"
)

// simulateOpticLobe is "neuropil simulate --model optic-lobe ARGS".
func simulateOpticLobe(args []string, stdout, stderr io.Writer) error {
	return runSimulate(append([]string{"--model", "optic-lobe"}, args...), stdout, stderr)
}

func readSummary(t *testing.T, dir string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// A full-field flash, a PNG, a .npy movie and MNIST digits each drive the
// optic lobe; the outputs have the documented shapes.
func TestSimulateOpticLobe(t *testing.T) {
	spec := flyvisSpec(t)
	dir := t.TempDir()
	pngPath := filepath.Join(dir, "spot.png")
	m := image.NewGray(image.Rect(0, 0, 40, 30))
	for y := 10; y < 20; y++ {
		for x := 15; x < 25; x++ {
			m.SetGray(x, y, color.Gray{Y: 255})
		}
	}
	f, _ := os.Create(pngPath)
	png.Encode(f, m)
	f.Close()
	moviePath := filepath.Join(dir, "movie.npy")
	mv := make([]float32, 3*20*20)
	for k := range mv {
		mv[k] = float32(k%3) / 2
	}
	f, _ = os.Create(moviePath)
	npy.Encode(f, []int{3, 20, 20}, mv)
	f.Close()

	for _, c := range []struct {
		name  string
		args  []string
		batch int
		rec   int
	}{
		{"flash", []string{"--flash", "1", "--record", "central", "--duration", "0.2"}, 1, 65},
		{"image", []string{"--image", pngPath, "--duration", "0.1", "--relax", "0.1", "--map-time", "0.04"}, 1, 45669},
		{"movie", []string{"--movie", moviePath, "--batch", "2", "--duration", "0.12", "--solver", "rk4", "--no-plots", "--record", "central"}, 2, 65},
		{"mnist", []string{"--batch", "2", "--duration", "0.06", "--relax", "0.04", "--record", "central", "--no-plots"}, 2, 65},
	} {
		out := filepath.Join(dir, c.name)
		args := append([]string{"--model", "optic-lobe", "--spec", spec, "--out", out, "--workers", "2"}, c.args...)
		var stdout, stderr bytes.Buffer
		if err := simulateOpticLobe(args, &stdout, &stderr); err != nil {
			if c.name == "mnist" && strings.Contains(err.Error(), "mnist") {
				t.Logf("MNIST not available: %v", err)
				continue
			}
			t.Fatalf("%s: %v\n%s", c.name, err, stderr.String())
		}
		a, err := npy.ReadFile(filepath.Join(out, "activity.npy"))
		if err != nil {
			t.Fatal(err)
		}
		s := readSummary(t, out)
		evals := int(s["evals"].(float64))
		if len(a.Shape) != 3 || a.Shape[0] != evals || a.Shape[1] != c.batch || a.Shape[2] != c.rec {
			t.Errorf("%s: activity shape %v, want [%d %d %d]", c.name, a.Shape, evals, c.batch, c.rec)
		}
		if !strings.Contains(stdout.String(), "simulated the optic lobe (45669 neurons, 1513231 synapses)") {
			t.Errorf("%s: stdout %q", c.name, stdout.String())
		}
		for _, p := range []string{"times.npy", "recorded.npy"} {
			if _, err := os.Stat(filepath.Join(out, p)); err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
		}
		_, errMaps := os.Stat(filepath.Join(out, "maps.png"))
		if wantMaps := c.rec == 45669; (errMaps == nil) != wantMaps {
			t.Errorf("%s: maps.png written %v, want %v", c.name, errMaps == nil, wantMaps)
		}
	}
}

func TestSimulateOpticLobeErrors(t *testing.T) {
	spec := flyvisSpec(t)
	dir := t.TempDir()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--model", "optic-lobe"}, "--spec is required"},
		{[]string{"--model", "rnn", "--spec", spec}, `--spec: a flag of --model optic-lobe, not of --model rnn`},
		{[]string{"--spec", spec, "--flash", "1", "--image", "x.png"}, "choose one"},
		{[]string{"--spec", spec, "--flash", "1", "--record", "some"}, `--record "some": want all or central`},
		{[]string{"--spec", spec, "--flash", "1", "--solver", "heun"}, `unknown solver "heun"`},
		{[]string{"--spec", spec, "--image", filepath.Join(dir, "none.png")}, "--image"},
		{[]string{"--spec", spec, "--flash", "1", "--duration", "0.04", "--relax", "0", "--map-types", "L1,T4e"}, `unknown cell type "T4e"`},
	} {
		args := append([]string{"--out", filepath.Join(dir, "out")}, c.args...)
		var stdout, stderr bytes.Buffer
		err := simulateOpticLobe(args, &stdout, &stderr)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: error %v, want %q", c.args, err, c.want)
		}
	}
}
