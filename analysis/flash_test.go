package analysis

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/opticlobe"
)

// FRI by hand: the joint minimum's absolute value is added even when the
// minimum is positive, as flyvis does.
func TestFRIHandComputed(t *testing.T) {
	for _, c := range []struct {
		on, off []float64
		want    float64
	}{
		{[]float64{-1, 0, 2}, []float64{0.5, 1, -0.5}, (3.0 - 2) / 5},
		{[]float64{1, 2}, []float64{3, 1}, (3.0 - 4) / 7},
		{[]float64{0, 0}, []float64{0, 0}, 0},
		{[]float64{-2, -2}, []float64{-2, 1}, (0 - 3.0) / 3},
	} {
		if got := FRI(c.on, c.off); math.Abs(got-c.want) > 1e-15 {
			t.Errorf("FRI(%v, %v) = %v, want %v", c.on, c.off, got, c.want)
		}
	}
}

func TestHexDistance(t *testing.T) {
	n := 0
	for _, c := range opticlobe.Columns(15) {
		if hexDistance(c.U, c.V) <= 6 {
			n++
		}
	}
	if n != 127 { // 3·6·7 + 1 columns within radius 6
		t.Errorf("%d columns within radius 6, want 127", n)
	}
}

func specPath(t testing.TB) string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "shared", "data", "flyvis", "fib25-fib19_v2.2.json")
}

// The flash protocol on the default network: shapes, the window of the
// FRI, R1 (driven directly by light) preferring ON, and the files.
func TestFlash(t *testing.T) {
	net, err := opticlobe.BuildFile(specPath(t), opticlobe.DefaultExtent)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Flash(net, FlashSettings{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Samples) != 4 || len(r.Time) != 600 || len(r.Traces[0][0]) != 65 || r.Time[0] != -1 {
		t.Fatalf("%d samples, %d frames, %d types, first time %v", len(r.Samples), len(r.Time), len(r.Traces[0][0]), r.Time[0])
	}
	k := net.Spec.TypeIndex("R1")
	for ri := range r.Radii {
		if !(r.FRI[ri][k] > 0) {
			t.Errorf("radius %d: FRI of R1 %v, want > 0", r.Radii[ri], r.FRI[ri][k])
		}
	}
	// Recompute one FRI from the traces over frames 200..400: in flyvis's
	// float64 time 199·(1/200) − 1 falls just below −dt, so the window
	// −dt <= time <= t_stim starts at time 0 (numpy gives the same).
	var on, off []float64
	for i := 200; i <= 400; i++ {
		on, off = append(on, float64(r.Traces[2][i][k])), append(off, float64(r.Traces[0][i][k]))
	}
	if got := FRI(on, off); got != r.FRI[0][k] {
		t.Errorf("FRI of R1 from frames 200..400: %v, result %v", got, r.FRI[0][k])
	}
	dir := t.TempDir()
	written, err := r.Write(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range written {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", p, err)
		}
	}
	if len(written) != 7 {
		t.Errorf("wrote %v", written)
	}
}

// An ensemble directory of two members (the two checkpoints of the
// fixture network) runs both and writes their median and quartiles.
func TestFlashEnsemble(t *testing.T) {
	ens := t.TempDir()
	for i, c := range []string{"chkpt_00000", "chkpt_00001"} {
		b, err := os.ReadFile(filepath.Join("..", "opticlobe", "testdata", "flyvis", "chkpts", c))
		if err != nil {
			t.Fatal(err)
		}
		d := filepath.Join(ens, fmt.Sprintf("%03d", i), "chkpts")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "chkpt_00000"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if m := EnsembleMembers(ens); len(m) != 2 {
		t.Fatalf("members %v", m)
	}
	out := t.TempDir()
	if _, err := RunAnalysis("flash", Job{Spec: specPath(t), Params: ens, Out: out}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "fri_ensemble.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 66 || !strings.HasPrefix(lines[0], "cell_type,median_radius_-1,q25_radius_-1,q75_radius_-1,fri_radius_-1_000,fri_radius_-1_001") {
		t.Fatalf("fri_ensemble.csv: %d lines, header %q", len(lines), lines[0])
	}
	var v [5]float64
	f := strings.Split(lines[1], ",")
	for i := range v {
		v[i], _ = strconv.ParseFloat(f[i+1], 64)
	}
	if math.Abs(v[0]-(v[3]+v[4])/2) > 1e-15 || math.Abs(v[1]-(0.75*min(v[3], v[4])+0.25*max(v[3], v[4]))) > 1e-15 {
		t.Errorf("median/q25 %v %v of %v, %v", v[0], v[1], v[3], v[4])
	}
	for _, p := range []string{"000/fri.csv", "001/central_on.png", "fri_ensemble.png"} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Error(err)
		}
	}
}

func TestQuantile(t *testing.T) {
	x := []float64{4, 1, 3, 2}
	for _, c := range [][2]float64{{0, 1}, {0.5, 2.5}, {0.25, 1.75}, {1, 4}} {
		if q := Quantile(x, c[0]); q != c[1] {
			t.Errorf("Quantile(%v, %v) = %v, want %v (numpy)", x, c[0], q, c[1])
		}
	}
}
