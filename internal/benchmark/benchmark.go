package benchmark

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/neuropil/neuropil/sparse"
	"golang.org/x/sys/cpu"
)

// Report is the output of "neuropil bench"; its JSON form is the command's
// --json output.
type Report struct {
	GoVersion  string `json:"go_version"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	CPU        string `json:"cpu_features"`

	BandwidthGBps float64 `json:"bandwidth_gbps"` // STREAM-like triad, 24 bytes per element

	Neurons  int    `json:"neurons"`
	Synapses int    `json:"synapses"`
	Source   string `json:"connectome"`
	Batch    int    `json:"batch"`
	Workers  int    `json:"workers"`
	Kernel   string `json:"kernel"`
	Reps     int    `json:"reps"`

	SpMMms       float64 `json:"spmm_ms"`     // median time of one product
	SpMMMinms    float64 `json:"spmm_min_ms"` // fastest product
	SpMMBytes    int64   `json:"spmm_bytes"`  // bytes a product must move at least
	SpMMGBps     float64 `json:"spmm_gbps"`   // SpMMBytes / median time
	SpMMFraction float64 `json:"spmm_fraction_of_bandwidth"`

	Index16 bool     `json:"index16"`
	Weights string   `json:"weights"`
	RelErr  *float64 `json:"rel_err_vs_f32,omitempty"` // ‖y − y_f32‖₂ / ‖y_f32‖₂ of a narrow encoding

	Tuned []Kernel `json:"autotune,omitempty"` // every kernel's time, fastest first

	TrainStepSeconds *float64 `json:"train_step_seconds,omitempty"` // median forward+backward of a training step
	Train            any      `json:"train,omitempty"`              // the training benchmark's own report; WriteText leaves it out

	SimulateSeconds      *float64 `json:"simulate_seconds"`                 // wall time of the whole command; nil: not measured
	SimulateSolveSeconds float64  `json:"simulate_solve_seconds,omitempty"` // the ODE solve alone (its summary.json)
	SimulateEvals        int      `json:"simulate_rhs_evals,omitempty"`
	SimulatePeakRSS      int64    `json:"simulate_peak_rss_bytes,omitempty"`
	SimulateNote         string   `json:"simulate_note,omitempty"` // why the simulation was not measured
}

// Kernel is the time of one product with one kernel, from autotuning.
type Kernel struct {
	Kernel string  `json:"kernel"`
	Ms     float64 `json:"ms"`
}

// New returns a report of this machine (Go version, GOMAXPROCS, the CPU's
// vector extensions) for products of batch vectors timed reps times.
func New(batch, reps int) *Report {
	return &Report{GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), CPU: CPUFeatures(), Batch: batch, Reps: reps}
}

// TimeProduct times the product of a with r.Batch vectors of a seeded
// random x, built with opt: r.Reps timed products after 3 warm-up ones.
// It fills in the product's part of r: the kernel and workers, every
// kernel's time when opt tunes, the median and fastest times, the bytes
// moved and their rate (as a fraction of BandwidthGBps, when measured),
// and for a narrow encoding its relative error against float32.
func (r *Report) TimeProduct(a *sparse.CSR, opt sparse.ProductOptions) error {
	p, err := sparse.NewProductWith(a, r.Batch, opt)
	if err != nil {
		return err
	}
	defer p.Close()
	r.Workers, r.Kernel = p.Workers(), p.Kernel()
	for _, t := range p.Tuned() {
		r.Tuned = append(r.Tuned, Kernel{Kernel: t.Kernel, Ms: ms(t.Time)})
	}
	rng := rand.New(rand.NewPCG(42, 0))
	x := make([]float32, a.Cols*r.Batch)
	for i := range x {
		x[i] = float32(rng.Float64() - 0.5)
	}
	dst := make([]float32, a.Rows*r.Batch)
	times := make([]time.Duration, r.Reps)
	for i := -3; i < r.Reps; i++ {
		t0 := time.Now()
		p.Mul(dst, x)
		if d := time.Since(t0); i >= 0 {
			times[i] = d
		}
	}
	slices.Sort(times)
	med := times[len(times)/2]
	if len(times)%2 == 0 {
		med = (times[len(times)/2-1] + times[len(times)/2]) / 2
	}
	r.SpMMms, r.SpMMMinms = ms(med), ms(times[0])
	r.SpMMBytes = p.MatrixBytes() + int64(len(x)+len(dst))*4
	r.SpMMGBps = float64(r.SpMMBytes) / med.Seconds() / 1e9
	if r.BandwidthGBps > 0 {
		r.SpMMFraction = r.SpMMGBps / r.BandwidthGBps
	}
	r.Index16, r.Weights = opt.Index16, opt.Weights
	if opt.Index16 || (opt.Weights != "" && opt.Weights != "f32") {
		e := relErr(dst, a, x, r.Batch)
		r.RelErr = &e
	}
	return nil
}

// relErr returns ‖y − a·x‖₂ / ‖a·x‖₂ in float64 norms, a·x the float32
// product from the CSR.
func relErr(y []float32, a *sparse.CSR, x []float32, batch int) float64 {
	want := make([]float32, len(y))
	sparse.MulTo(want, a, x, batch)
	var num, den float64
	for i, w := range want {
		d := float64(y[i]) - float64(w)
		num += d * d
		den += float64(w) * float64(w)
	}
	return math.Sqrt(num / den)
}

func ms(d time.Duration) float64 { return d.Seconds() * 1e3 }

// WriteText writes r as lines of text, without Train.
func (r *Report) WriteText(w io.Writer) {
	fmt.Fprintf(w, "machine      %s, GOMAXPROCS %d, %s\n", r.CPU, r.GOMAXPROCS, r.GoVersion)
	if r.BandwidthGBps > 0 {
		fmt.Fprintf(w, "bandwidth    %.1f GB/s (triad, %d workers)\n", r.BandwidthGBps, r.Workers)
	}
	fmt.Fprintf(w, "connectome   %s: %d neurons, %d synapses\n", r.Source, r.Neurons, r.Synapses)
	if len(r.Tuned) > 0 {
		fmt.Fprintf(w, "autotune    ")
		for _, t := range r.Tuned {
			fmt.Fprintf(w, " %s %.2f ms", t.Kernel, t.Ms)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "product      batch %d, kernel %s, %d workers: median %.3f ms, min %.3f ms over %d\n",
		r.Batch, r.Kernel, r.Workers, r.SpMMms, r.SpMMMinms, r.Reps)
	fmt.Fprintf(w, "             %.1f MB moved, %.1f GB/s", float64(r.SpMMBytes)/1e6, r.SpMMGBps)
	if r.SpMMFraction > 0 {
		fmt.Fprintf(w, " = %.0f%% of the bandwidth", 100*r.SpMMFraction)
	}
	fmt.Fprintln(w)
	if r.RelErr != nil {
		fmt.Fprintf(w, "encoding     index16 %v, weights %s: relative error %.2e against float32\n", r.Index16, r.Weights, *r.RelErr)
	}
	if r.SimulateSeconds != nil {
		fmt.Fprintf(w, "simulate     %.3f s for the whole command; solve %.3f s, %d evaluations; peak RSS %.0f MB\n",
			*r.SimulateSeconds, r.SimulateSolveSeconds, r.SimulateEvals, float64(r.SimulatePeakRSS)/1e6)
	} else {
		fmt.Fprintf(w, "simulate     not measured: %s\n", r.SimulateNote)
	}
}

// CPUFeatures names the vector extensions the kernels can use here.
func CPUFeatures() string {
	f := []string{runtime.GOARCH}
	if cpu.X86.HasAVX2 {
		f = append(f, "avx2")
	}
	if cpu.X86.HasFMA {
		f = append(f, "fma")
	}
	if cpu.X86.HasAVX512F {
		f = append(f, "avx512f")
	}
	return strings.Join(f, " ")
}
