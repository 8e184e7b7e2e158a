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

	"github.com/neuropil/neuropil/format/npy"
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

// The flash protocol and FRI against testdata/gen/flyvis_checkpoint.py's
// float64 implementation of flyvis's flash_responses and
// flash_response_index, with the fixture checkpoint's parameters: the
// traces within 1e-4, the FRIs within 1e-4 times (on + off) where that
// sum is below 1 (T5a's near-flat traces make its FRI ill-conditioned).
func TestFlashMatchesFlyvisReference(t *testing.T) {
	data := filepath.Join("..", "opticlobe", "testdata", "flyvis")
	out := t.TempDir()
	if _, err := RunAnalysis("flash", Job{Spec: specPath(t), Params: filepath.Join(data, "chkpts", "chkpt_00000"), Out: out}); err != nil {
		t.Fatal(err)
	}
	_, wantFRI, err := npy.ReadFloat32File(filepath.Join(data, "flash_fri.npy"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "fri.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")[1:]
	worst := 0.0
	for k, line := range lines {
		f := strings.Split(line, ",")
		for ri := range 2 {
			v, _ := strconv.ParseFloat(f[ri+1], 64)
			// An FRI moves by about 2·δV/(on + off) for voltage errors δV:
			// compare at the numerator's scale where on + off < 1.
			d := math.Abs(v - float64(wantFRI[(2*ri)*65+k]))
			worst = math.Max(worst, d*math.Min(1, float64(wantFRI[(2*ri+1)*65+k])))
		}
	}
	_, want, err := npy.ReadFloat32File(filepath.Join(data, "flash_on_full.npy"))
	if err != nil {
		t.Fatal(err)
	}
	_, got, err := npy.ReadFloat32File(filepath.Join(out, "traces.npy"))
	if err != nil {
		t.Fatal(err)
	}
	got = got[2*len(want) : 3*len(want)] // sample 2: intensity 1, full field
	worstV := 0.0
	for i := range want {
		worstV = math.Max(worstV, math.Abs(float64(got[i]-want[i])))
	}
	t.Logf("largest differences from the float64 flyvis reference: FRI·min(1, on+off) %.3g, voltage %.3g", worst, worstV)
	if len(lines) != 65 || worst > 1e-4 || worstV > 1e-4 {
		t.Errorf("%d types; FRI differs by %g, traces by %g (want <= 1e-4)", len(lines), worst, worstV)
	}
}

// An ensemble's members take the checkpoint choice of ENSEMBLE@WHICH, and
// by default their best, which a member without val_loss lacks.
func TestEnsembleCheckpointChoice(t *testing.T) {
	ens := t.TempDir()
	src := filepath.Join("..", "opticlobe", "testdata", "flyvis", "no_val_loss", "chkpts", "chkpt_00000")
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	d := filepath.Join(ens, "000", "chkpts")
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "chkpt_00000"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	for params, want := range map[string]string{ens: "no val_loss", ens + "@first": "unknown checkpoint choice"} {
		_, err := RunAnalysis("flash", Job{Spec: specPath(t), Params: params, Out: t.TempDir()})
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), filepath.Join(ens, "000")) {
			t.Errorf("%s: %v, want an error naming the member and %q", params, err, want)
		}
	}
	if got := (Job{choice: "latest"}).memberParams("m"); got != "m@latest" {
		t.Errorf("memberParams: %q", got)
	}
}

// A network not at rest after the grey before the flashes (its L2–L4 loop
// made unstable) carries the simulation's warning into the result, and a
// Job writes it naming the analysis and the parameters; flyvis's initial
// network has none.
func TestFlashWarnsNotAtRest(t *testing.T) {
	net, err := opticlobe.BuildFile(specPath(t), 3)
	if err != nil {
		t.Fatal(err)
	}
	for _, scale := range []float32{1, 20} {
		p := net.DefaultParams(0)
		for _, q := range net.PairsAmong("L2", "L4") {
			p.Strength[q] *= scale
		}
		r, err := Flash(net, FlashSettings{Params: &p})
		if err != nil {
			t.Fatal(err)
		}
		var log strings.Builder
		Job{Warn: &log}.warn("flash", "", r.Warnings)
		want := scale > 1
		if got := strings.HasPrefix(log.String(), "warning: analyze flash, the initial network: not at rest after 1 s of grey"); got != want || len(r.Warnings) > 1 {
			t.Errorf("L2–L4 strengths ×%v: warnings %q", scale, log.String())
		}
	}
}
