package benchmark

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/sparse"
)

func TestTimeProduct(t *testing.T) {
	a := sparse.Random(300, 200, 3000, 1, 7, nil)
	r := New(4, 5)
	r.BandwidthGBps = 10
	if err := r.TimeProduct(a, sparse.ProductOptions{Workers: 1, Kernel: "tune", Weights: "f32"}); err != nil {
		t.Fatal(err)
	}
	if r.Kernel == "" || r.Workers != 1 || len(r.Tuned) == 0 || !(r.SpMMMinms > 0 && r.SpMMMinms <= r.SpMMms) {
		t.Errorf("report %+v", r)
	}
	// The matrix (values and int32 columns, int32 row pointers) once, x and y once.
	if want := int64(8*a.NNZ()+4*301) + 4*int64(200*4+300*4); r.SpMMBytes != want {
		t.Errorf("%d bytes moved, want %d", r.SpMMBytes, want)
	}
	if r.RelErr != nil || r.SpMMFraction != r.SpMMGBps/10 {
		t.Errorf("float32: relative error %v, fraction %v", r.RelErr, r.SpMMFraction)
	}
	n := New(8, 2)
	if err := n.TimeProduct(a, sparse.ProductOptions{Workers: 1, Weights: "bf16"}); err != nil {
		t.Fatal(err)
	}
	// bfloat16 keeps 8 bits of mantissa: a relative error of about 2⁻⁹.
	if n.RelErr == nil || !(*n.RelErr > 1e-5 && *n.RelErr < 1e-2) || n.Weights != "bf16" {
		t.Errorf("bf16: relative error %v", n.RelErr)
	}
	if err := New(4, 1).TimeProduct(a, sparse.ProductOptions{Kernel: "nope"}); err == nil || !strings.Contains(err.Error(), "known") {
		t.Errorf("unknown kernel: error %v", err)
	}
}

func TestWriteText(t *testing.T) {
	sec, e := 1.5, 2e-3
	r := &Report{CPU: "amd64 avx2", GOMAXPROCS: 2, GoVersion: "go1.26", Source: "random 3×3", Neurons: 3, Synapses: 4,
		Batch: 8, Kernel: "go-8", Workers: 2, SpMMms: 1, SpMMMinms: 0.5, Reps: 3, SpMMBytes: 2e6, SpMMGBps: 2,
		BandwidthGBps: 8, SpMMFraction: 0.25, Tuned: []Kernel{{"go-8", 1}, {"go-n", 2}}, Index16: true, Weights: "f16", RelErr: &e,
		SimulateSeconds: &sec, SimulateSolveSeconds: 1, SimulateEvals: 38, SimulatePeakRSS: 9e7, Train: "left out"}
	var b bytes.Buffer
	r.WriteText(&b)
	want := `machine      amd64 avx2, GOMAXPROCS 2, go1.26
bandwidth    8.0 GB/s (triad, 2 workers)
connectome   random 3×3: 3 neurons, 4 synapses
autotune     go-8 1.00 ms go-n 2.00 ms
product      batch 8, kernel go-8, 2 workers: median 1.000 ms, min 0.500 ms over 3
             2.0 MB moved, 2.0 GB/s = 25% of the bandwidth
encoding     index16 true, weights f16: relative error 2.00e-03 against float32
simulate     1.500 s for the whole command; solve 1.000 s, 38 evaluations; peak RSS 90 MB
`
	if b.String() != want {
		t.Errorf("text:\n%s\nwant:\n%s", b.String(), want)
	}
	r.SimulateSeconds, r.SimulateNote = nil, "not requested"
	b.Reset()
	r.WriteText(&b)
	if !strings.HasSuffix(b.String(), "simulate     not measured: not requested\n") {
		t.Errorf("no simulation: %s", b.String())
	}
	j, err := json.Marshal(&Report{})
	if err != nil || strings.Contains(string(j), `"train"`) || !strings.Contains(string(j), `"simulate_seconds":null`) {
		t.Errorf("JSON of an empty report: %s", j)
	}
}
