package analysis

import (
	"math"
	"math/cmplx"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/opticlobe"
)

// The moving-edge pipeline on a small case (speed 25 columns/s, four
// directions) against values computed by hand: t_stim = 21·2.25/(25·5.8)
// s gives int(t_stim/dt) = 65 edge frames after int((t_stim + 1)/dt) − 65
// = 200 grey ones, held to int((t_stim + 2)/dt) = 465 frames; the window
// [0, 47.25/5.8/25] s is frames 200..265; the peaks are the rectified
// maxima there and the DSI and PD follow from the four peaks.
func TestMovingEdgeSmallCase(t *testing.T) {
	net, err := opticlobe.BuildFile(specPath(t), opticlobe.DefaultExtent)
	if err != nil {
		t.Fatal(err)
	}
	p, err := opticlobe.LoadParams(net, filepath.Join("..", "opticlobe", "testdata", "flyvis", "chkpts", "chkpt_00000"))
	if err != nil {
		t.Fatal(err)
	}
	angles := []float64{0, 90, 180, 270}
	r, err := MovingEdge(net, EdgeSettings{Speeds: []float64{25}, Angles: angles, Params: &p})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Time) != 1 || len(r.Time[0]) != 465 || len(r.Traces[0]) != 8 || r.Time[0][0] != -1 {
		t.Fatalf("%d speeds, %d frames, %d samples", len(r.Time), len(r.Time[0]), len(r.Traces[0]))
	}
	for _, name := range []string{"T4c", "T5a", "R1", "Mi1", "Tm3"} {
		k := r.typeIndex(name)
		var peaks [2][4]float64
		for i := range 2 {
			for a := range angles {
				for f := 200; f <= 265; f++ {
					peaks[i][a] = math.Max(peaks[i][a], float64(r.Traces[0][a*2+i][f][k]))
				}
				if peaks[i][a] != r.Peaks[k][i][0][a] {
					t.Errorf("%s intensity %d angle %v: peak %v, by hand %v", name, i, angles[a], r.Peaks[k][i][0][a], peaks[i][a])
				}
			}
		}
		norm := 0.0
		for i := range 2 {
			norm = math.Max(norm, peaks[i][0]+peaks[i][1]+peaks[i][2]+peaks[i][3])
		}
		for i := range 2 {
			z := complex(peaks[i][0]-peaks[i][2], peaks[i][1]-peaks[i][3])
			dsi, pd := cmplx.Abs(z)/(norm+1e-15), cmplx.Phase(z)
			if math.Abs(dsi-r.DSI[k][i]) > 1e-12 || math.Abs(pd-r.PD[k][i]) > 1e-6 {
				t.Errorf("%s intensity %d: DSI %v PD %v, by hand %v %v", name, i, r.DSI[k][i], r.PD[k][i], dsi, pd)
			}
		}
	}
	// R1 is driven by the light itself: its central response moves when
	// the edge passes and is flat before.
	k := r.typeIndex("R1")
	tr := r.Traces[0][1] // angle 0, ON
	if tr[0][k] != tr[199][k] || tr[199][k] == tr[300][k] {
		t.Errorf("R1 central: %v at the start, %v before the edge, %v after", tr[0][k], tr[199][k], tr[300][k])
	}
	dir := t.TempDir()
	written, err := r.Write(dir)
	if err != nil || len(written) != 4 {
		t.Fatalf("wrote %v: %v", written, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "dsi.csv"))
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 66 || lines[0] != "cell_type,dsi_off,dsi_on,pd_off_deg,pd_on_deg" {
		t.Errorf("dsi.csv: %d lines, header %q", len(lines), lines[0])
	}
}

// An ensemble of two members writes each member and the ensemble table
// with the median of the two DSIs.
func TestMovingEdgeEnsemble(t *testing.T) {
	ens := t.TempDir()
	for i, c := range []string{"chkpt_00000", "chkpt_00001"} {
		b, err := os.ReadFile(filepath.Join("..", "opticlobe", "testdata", "flyvis", "chkpts", c))
		if err != nil {
			t.Fatal(err)
		}
		d := filepath.Join(ens, []string{"000", "001"}[i], "chkpts")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "chkpt_00000"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	net, err := opticlobe.BuildFile(specPath(t), opticlobe.DefaultExtent)
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	s := EdgeSettings{Speeds: []float64{25}, Angles: []float64{0, 120, 240}}
	if _, err := edgeEnsemble(net, EnsembleMembers(ens), Job{Out: out}, s); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, "dsi_ensemble.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 66 || !strings.HasPrefix(lines[0], "cell_type,median_dsi_off,q25_dsi_off,q75_dsi_off,dsi_off_000,dsi_off_001,median_dsi_on") {
		t.Fatalf("dsi_ensemble.csv: %d lines, header %q", len(lines), lines[0])
	}
	for _, p := range []string{"000/dsi.csv", "001/tuning.png", "tuning_ensemble.png"} {
		if _, err := os.Stat(filepath.Join(out, p)); err != nil {
			t.Error(err)
		}
	}
}
