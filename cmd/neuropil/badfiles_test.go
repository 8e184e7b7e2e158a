package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInfoConvertBuildBadInput: info, convert and build on bad files and
// flags. Each must fail with an error that names the file or flag, and
// convert and build must leave no output file behind.
func TestInfoConvertBuildBadInput(t *testing.T) {
	dir := t.TempDir()
	conn, _, _ := smallProblem(t, dir)
	in := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, b, 0o644)
		return p
	}
	whole, _ := os.ReadFile(conn)
	empty := in("empty.npy", nil)
	trunc := in("trunc.npy", whole[:len(whole)-9])
	emptyPT := in("empty.pt", nil)
	emptyCSV := in("empty.csv", nil)
	noCols := in("nocols.csv", []byte("a,b,c\n1,2,3\n"))
	nanCSV := in("nan.csv", []byte("pre,post,weight\n1,2,NaN\n"))
	aDir := filepath.Join(dir, "adir.npz")
	os.Mkdir(aDir, 0o755)
	aFile := in("afile", []byte("x"))
	// Neuron 1 of this 3×3 matrix has no synapse: an edge list cannot hold it.
	iso := writeNPY(t, filepath.Join(dir, "iso.npy"), []int{3, 3}, []float32{0, 0, 1, 0, 0, 0, 2, 0, 0})
	badSpec := in("bad.json", []byte(`{"nodes": [`))

	out := filepath.Join(dir, "out.npz")
	for _, c := range []struct {
		name string
		args []string
		want []string
		out  string // must not exist afterwards
	}{
		{"info empty npy", []string{"info", empty}, []string{"empty.npy", "header"}, ""},
		{"info truncated npy", []string{"info", trunc}, []string{"trunc.npy", "EOF"}, ""},
		{"info empty pt", []string{"info", emptyPT}, []string{"empty.pt"}, ""},
		{"info empty csv", []string{"info", emptyCSV}, []string{"empty.csv", "header"}, ""},
		{"info csv without id columns", []string{"info", noCols}, []string{"nocols.csv", "columns: a, b, c"}, ""},
		{"info NaN weight", []string{"info", nanCSV}, []string{"nan.csv", "line 2"}, ""},
		{"info directory", []string{"info", aDir}, []string{"adir.npz", "directory"}, ""},
		{"info missing", []string{"info", filepath.Join(dir, "missing.pt")}, []string{"missing.pt"}, ""},
		{"info unknown extension", []string{"info", aFile}, []string{"afile", "known"}, ""},
		{"info unknown key", []string{"info", "--key", "nope", conn}, []string{"w.npy"}, ""},
		{"info no file", []string{"info"}, []string{"FILE"}, ""},
		{"convert truncated", []string{"convert", trunc, out}, []string{"trunc.npy"}, out},
		{"convert unknown out extension", []string{"convert", conn, filepath.Join(dir, "o.mtx")}, []string{"o.mtx", "known"}, filepath.Join(dir, "o.mtx")},
		{"convert into a file", []string{"convert", conn, filepath.Join(aFile, "o.npz")}, []string{"o.npz"}, ""},
		{"convert onto itself", []string{"convert", conn, conn}, []string{"both input and output"}, ""},
		{"convert isolated neuron to csv", []string{"convert", iso, filepath.Join(dir, "iso.csv")}, []string{"iso.csv", "no synapse"}, filepath.Join(dir, "iso.csv")},
		{"build unknown network", []string{"build", "retina"}, []string{"retina", "known: optic-lobe"}, ""},
		{"build bad spec", []string{"build", "optic-lobe", "--spec", badSpec, "--out", out}, []string{"bad.json"}, out},
		{"build missing spec", []string{"build", "optic-lobe", "--out", out}, []string{"--spec"}, out},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := runNoPanic(t, c.args)
			if err == nil {
				t.Fatalf("%v: no error", c.args)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			if c.out != "" {
				if _, err := os.Stat(c.out); err == nil {
					t.Errorf("%s left behind", c.out)
				}
			}
		})
	}
}
