package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/opticlobe"
	"gonum.org/v1/gonum/mat"
)

// loopParams returns flyvis's initial parameters (seed 0) with the
// strengths of the lamina's L2–L4 loop times scale.
func loopParams(net *opticlobe.Network, scale float32) opticlobe.Params {
	p := net.DefaultParams(0)
	for _, q := range net.PairsAmong("L2", "L4") {
		p.Strength[q] *= scale
	}
	return p
}

// jacobianRate returns the largest real part of the eigenvalues of the
// Jacobian at the state y under grey, from the dense matrix (one VJP per
// unit vector) and gonum's eigenvalues.
func jacobianRate(t *testing.T, net *opticlobe.Network, p opticlobe.Params, y []float64) float64 {
	t.Helper()
	f64 := func(v []float32) []float64 {
		o := make([]float64, len(v))
		for i, x := range v {
			o[i] = float64(x)
		}
		return o
	}
	m, err := opticlobe.NewTrainable[float64](net, f64(p.Vrest), f64(p.Tau), f64(p.Strength), 1)
	if err != nil {
		t.Fatal(err)
	}
	grey := make([]float64, m.Inputs())
	for i := range grey {
		grey[i] = Baseline
	}
	m.SetInput(grey)
	n := m.Dim()
	d := make([]float64, n)
	m.Eval(0, d, y, []float64{0}, model.Linearize)
	jt := mat.NewDense(n, n, nil) // row i: Jᵀe_i, so jt is Jᵀ
	e, col := make([]float64, n), make([]float64, n)
	for i := range n {
		e[i] = 1
		m.VJP(0, col, e)
		e[i] = 0
		jt.SetRow(i, col)
	}
	var eig mat.Eigen
	if !eig.Factorize(jt, mat.EigenNone) {
		t.Fatal("eigenvalues did not converge")
	}
	best := math.Inf(-1)
	for _, v := range eig.Values(nil) {
		best = max(best, real(v))
	}
	return best
}

// Rest's slowest rate is the largest real part of the dense Jacobian's
// eigenvalues at its steady state (within 1 %: power iteration converges
// slowly where the leading modes lie close together), for flyvis's initial network and for
// one whose L2–L4 loop is five times as strong (slower, still stable).
func TestRestRate(t *testing.T) {
	net, err := opticlobe.BuildFile(specPath(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, scale := range []float32{1, 5} {
		p := loopParams(net, scale)
		r, err := Rest(net, RestSettings{Params: &p})
		if err != nil {
			t.Fatal(err)
		}
		if !r.Steady {
			t.Fatalf("×%v: no steady state (residual %g)", scale, r.Residual)
		}
		want := jacobianRate(t, net, p, r.State)
		t.Logf("L2–L4 ×%v: rate %.6g, dense eigenvalues %.6g, drift %.3g/s", scale, r.Rate, want, r.Drift)
		if math.Abs(r.Rate-want) > 0.01*math.Abs(want)+0.01 { // power iteration over 5 s: slow where the leading modes lie close

			t.Errorf("L2–L4 ×%v: rate %.6g, dense eigenvalues %.6g", scale, r.Rate, want)
		}
		if scale == 1 && (r.Drift > opticlobe.RestDrift || len(r.warnings()) > 0) {
			t.Errorf("initial network: drift %g, warnings %q", r.Drift, r.warnings())
		}
	}
}

// The sensitivity is the derivative of the sum of central voltages at rest
// by a type's resting potential: held to central differences of Rest's
// own steady states.
func TestRestSensitivity(t *testing.T) {
	net, err := opticlobe.BuildFile(specPath(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	p := loopParams(net, 5)
	r, err := Rest(net, RestSettings{Params: &p})
	if err != nil {
		t.Fatal(err)
	}
	sum := func(q opticlobe.Params) float64 {
		rr, err := Rest(net, RestSettings{Params: &q})
		if err != nil {
			t.Fatal(err)
		}
		var s float64
		for _, v := range rr.Central {
			s += v
		}
		return s
	}
	const eps = 1e-3
	for _, name := range []string{"L2", "Mi1", "R1"} {
		k := net.Spec.TypeIndex(name)
		q := loopParams(net, 5)
		q.Vrest[k] += eps
		up := sum(q)
		q.Vrest[k] -= 2 * eps
		fd := (up - sum(q)) / (float64(float32(p.Vrest[k]+eps)) - float64(float32(p.Vrest[k]-eps)))
		t.Logf("%s: sensitivity %.6g, finite difference %.6g", name, r.Sensitivity[k], fd)
		if math.Abs(r.Sensitivity[k]-fd) > 1e-3*(1+math.Abs(fd)) {
			t.Errorf("%s: sensitivity %.6g, finite difference %.6g", name, r.Sensitivity[k], fd)
		}
	}
}

// A network whose L2–L4 loop is twenty times as strong has no stable
// rest: the analysis says so, writes its files (no NaN in the JSON) and
// warns through the Job.
func TestRestUnstable(t *testing.T) {
	net, err := opticlobe.BuildFile(specPath(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	p := loopParams(net, 20)
	r, err := Rest(net, RestSettings{Params: &p, Horizon: 5})
	if err != nil {
		t.Fatal(err)
	}
	if r.Steady && r.Rate < 0 {
		t.Fatalf("L2–L4 ×20: steady %v, rate %g", r.Steady, r.Rate)
	}
	if !(r.Drift > opticlobe.RestDrift) {
		t.Errorf("L2–L4 ×20: drift %g", r.Drift)
	}
	var log strings.Builder
	Job{Warn: &log}.warn("rest", "x", r.warnings())
	if !strings.Contains(log.String(), "warning: analyze rest, x: not at rest after 0.5 s of grey") {
		t.Errorf("warnings: %q", log.String())
	}
	dir := t.TempDir()
	if _, err := r.Write(dir); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "rest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("rest.json: %v\n%s", err, b)
	}
	if got["steady"] != r.Steady || got["t_pre_s"] != 0.5 {
		t.Errorf("rest.json: %s", b)
	}
	for _, s := range []RestSettings{{Dt: -1}, {TPre: math.NaN()}, {Horizon: math.Inf(1)}, {TPre: 1, Dt: 1e-9}} {
		if _, err := Rest(net, s); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}

// analyze rest of an ensemble directory writes every member's files.
func TestRestEnsemble(t *testing.T) {
	ens := t.TempDir()
	net, err := opticlobe.BuildFile(specPath(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		d := filepath.Join(ens, fmt.Sprintf("%03d", i), "chkpts")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := opticlobe.SaveCheckpoint(net, net.DefaultParams(uint64(i)), filepath.Join(d, "chkpt_00000"), opticlobe.CheckpointInfo{}); err != nil {
			t.Fatal(err)
		}
	}
	out := t.TempDir()
	var log strings.Builder
	written, err := RunAnalysis("rest", Job{Spec: specPath(t), Params: ens, Out: out, Extent: 2, Warn: &log})
	if err != nil {
		t.Fatal(err)
	}
	if len(written) != 8 || log.Len() != 0 {
		t.Errorf("written %v, warnings %q", written, log.String())
	}
	b, err := os.ReadFile(filepath.Join(out, "001", "rest.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 66 || lines[0] != "cell_type,central_rest_voltage,sensitivity" || !strings.HasPrefix(lines[1], "R1,") {
		t.Errorf("rest.csv: %d lines, %q, %q", len(lines), lines[0], lines[1])
	}
}

// addWarnings keeps each warning once, in first-seen order.
func TestAddWarnings(t *testing.T) {
	got := addWarnings(addWarnings(nil, []string{"a", "b"}), []string{"b", "c", "a"})
	if strings.Join(got, ",") != "a,b,c" {
		t.Errorf("addWarnings: %q", got)
	}
}
