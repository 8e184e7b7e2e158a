package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/internal/membw"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/sim"
	"github.com/neuropil/neuropil/sparse"
	"golang.org/x/sys/cpu"
)

func init() {
	register("bench", "measure memory bandwidth, the sparse product and a default simulation", runBench)
}

// benchReport is the output of neuropil bench (--json writes it as is).
type benchReport struct {
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

	Tuned []benchKernel `json:"autotune,omitempty"` // every kernel's time, fastest first

	TrainStepSeconds *float64          `json:"train_step_seconds,omitempty"` // --train: median forward+backward of 20 euler steps
	Train            *benchTrainResult `json:"train,omitempty"`

	SimulateSeconds      *float64 `json:"simulate_seconds"`                 // wall time of the whole command; nil: not measured
	SimulateSolveSeconds float64  `json:"simulate_solve_seconds,omitempty"` // the ODE solve alone (its summary.json)
	SimulateEvals        int      `json:"simulate_rhs_evals,omitempty"`
	SimulatePeakRSS      int64    `json:"simulate_peak_rss_bytes,omitempty"`
	SimulateNote         string   `json:"simulate_note,omitempty"`
}

type benchKernel struct {
	Kernel string  `json:"kernel"`
	Ms     float64 `json:"ms"`
}

// benchFlags are the options of "neuropil bench".
type benchFlags struct {
	batch, workers, reps, neurons, synapses     int
	kernel, conn, weights, simArgs              string
	asJSON, index16, bandwidth, simulate, train bool
	load                                        *loadFlags
	cpu, mem                                    *string
}

func (b *benchFlags) add(fs *flag.FlagSet) {
	fs.IntVar(&b.batch, "batch", 8, "batch size of the product (vectors per synapse)")
	fs.IntVar(&b.workers, "workers", 0, "goroutines for the product and the bandwidth test (0: GOMAXPROCS)")
	fs.StringVar(&b.kernel, "kernel", "tune", "product kernel: tune (time every kernel, keep the fastest), auto (default choice), or a name")
	fs.IntVar(&b.reps, "reps", 30, "timed products (after 3 warm-up products); the median is reported")
	fs.BoolVar(&b.asJSON, "json", false, "write the report as JSON")
	fs.StringVar(&b.conn, "connectome", "default", "connectome to multiply: default (the built-in 47,521-neuron connectome) or a file of any format")
	b.load = addLoadFlags(fs)
	fs.IntVar(&b.neurons, "neurons", 0, "instead of --connectome, a random connectome with this many neurons (needs --synapses)")
	fs.IntVar(&b.synapses, "synapses", 0, "synapses of the random connectome of --neurons")
	fs.BoolVar(&b.index16, "index16", false, "read 16-bit column offsets (row segments) instead of int32 columns")
	fs.StringVar(&b.weights, "weights", "f32", "weight format the product reads: f32, bf16 or f16 (rounded once)")
	fs.BoolVar(&b.bandwidth, "bandwidth", true, "measure the memory bandwidth")
	fs.BoolVar(&b.simulate, "simulate", true, "time a default \"neuropil simulate\" run, if this build has that command")
	fs.StringVar(&b.simArgs, "simulate-args", "", "arguments for the timed simulate run (split at spaces)")
	fs.BoolVar(&b.train, "train", false, "also time one training step (forward and backward through 20 euler steps over [0, 1], loss on the last state) on the connectome; skips the simulation and bandwidth runs unless they are asked for")
	b.cpu, b.mem = profileFlags(fs)
}

// check validates the flags and checks the connectome before the minutes
// of simulation and bandwidth test: a file by its header, a random one by
// its size.
func (b *benchFlags) check(fs *flag.FlagSet) error {
	if b.batch < 1 {
		return fmt.Errorf("bench: --batch %d < 1", b.batch)
	}
	if b.train {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		b.simulate = b.simulate && set["simulate"]
		b.bandwidth = b.bandwidth && set["bandwidth"]
	}
	if b.reps < 1 {
		return fmt.Errorf("bench: --reps %d < 1", b.reps)
	}
	if b.workers < 0 {
		return fmt.Errorf("bench: --workers %d < 0", b.workers)
	}
	switch {
	case b.conn != "default":
		if b.neurons != 0 || b.synapses != 0 {
			return errors.New("bench: --connectome and --neurons/--synapses both given: choose one")
		}
		if _, err := format.ReadHeader(b.conn, b.load.options()); err != nil {
			return fmt.Errorf("bench: --connectome: %w", err)
		}
	case b.neurons != 0 || b.synapses != 0:
		if b.neurons < 1 || b.synapses < 0 || int64(b.synapses) > int64(b.neurons)*int64(b.neurons) {
			return fmt.Errorf("bench: cannot make %d synapses among %d neurons", b.synapses, b.neurons)
		}
		// The builder's triplets, the CSR and the product's vectors.
		need := 24*float64(b.synapses) + 8*float64(b.neurons)*float64(2*b.batch+1)
		if err := sim.Fits(fmt.Sprintf("bench: --neurons %d --synapses %d", b.neurons, b.synapses), need); err != nil {
			return err
		}
	}
	return nil
}

func runBench(args []string, stdout, stderr io.Writer) (err error) {
	var b benchFlags
	fs := newFlags("bench", stderr)
	b.add(fs)
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if err := b.check(fs); err != nil {
		return err
	}
	stop, err := startProfiles(*b.cpu, *b.mem)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, stop()) }()

	r := benchReport{GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), CPU: cpuFeatures(),
		Batch: b.batch, Reps: b.reps}
	// The simulation runs first, so that the peak memory it reports is its
	// own and not that of the bandwidth test's arrays.
	if !b.simulate {
		r.SimulateNote = "not requested (--simulate=false)"
	} else if err := benchSimulate(&r, strings.Fields(b.simArgs)); err != nil {
		return err
	}
	if b.bandwidth {
		r.BandwidthGBps = membw.Triad(membw.DefaultElements, b.workers, 10).GBps
	}
	c, err := b.connectome(&r)
	if err != nil {
		return err
	}
	if err := b.product(&r, c.W); err != nil {
		return err
	}
	if b.train {
		t, err := benchTrain(c.W, r.Source, b.batch, 20, 3, b.workers, model.Nonlinearity{model.Sigmoid})
		if err != nil {
			return fmt.Errorf("bench: --train: %w", err)
		}
		r.Train, r.TrainStepSeconds = t, &t.TrainStepSeconds
	}
	if b.asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	}
	writeBench(stdout, &r)
	return nil
}

// connectome returns the connectome to multiply and records its source.
func (b *benchFlags) connectome(r *benchReport) (c *connectome.Connectome, err error) {
	switch {
	case b.conn != "default":
		if c, r.Source, err = loadConnectome(b.conn, b.load.options()); err != nil {
			return nil, fmt.Errorf("bench: --connectome: %w", err)
		}
	case b.neurons != 0 || b.synapses != 0:
		c = connectome.Random(b.neurons, b.synapses, connectome.DefaultSeed)
		r.Source = fmt.Sprintf("random %d×%d", b.neurons, b.neurons)
	default:
		c = connectome.Default()
		r.Source = "default"
	}
	r.Neurons, r.Synapses = c.Neurons(), c.Synapses()
	return c, nil
}

// product times the product with a, and measures the accuracy of a narrow
// encoding against float32.
func (b *benchFlags) product(r *benchReport, a *sparse.CSR) error {
	p, err := sparse.NewProductWith(a, b.batch, sparse.ProductOptions{Workers: b.workers, Kernel: b.kernel,
		Index16: b.index16, Weights: b.weights})
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer p.Close()
	r.Workers, r.Kernel = p.Workers(), p.Kernel()
	for _, t := range p.Tuned() {
		r.Tuned = append(r.Tuned, benchKernel{Kernel: t.Kernel, Ms: ms(t.Time)})
	}
	rng := rand.New(rand.NewPCG(42, 0))
	x := make([]float32, a.Cols*b.batch)
	for i := range x {
		x[i] = float32(rng.Float64() - 0.5)
	}
	dst := make([]float32, a.Rows*b.batch)
	times := make([]time.Duration, b.reps)
	for i := -3; i < b.reps; i++ {
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
	// The formula of shared/bench/spmm_ref.c: the matrix streamed once,
	// x read once, dst written once; with a narrow encoding, its own
	// matrix bytes.
	r.SpMMBytes = p.MatrixBytes() + int64(len(x)+len(dst))*4
	r.SpMMGBps = float64(r.SpMMBytes) / med.Seconds() / 1e9
	if r.BandwidthGBps > 0 {
		r.SpMMFraction = r.SpMMGBps / r.BandwidthGBps
	}
	r.Index16, r.Weights = b.index16, b.weights
	if b.index16 || b.weights != "f32" {
		// Accuracy of the narrow encoding: the same product from the
		// float32 CSR, in float64 norms.
		want := make([]float32, len(dst))
		sparse.MulTo(want, a, x, b.batch)
		var num, den float64
		for i, w := range want {
			d := float64(dst[i]) - float64(w)
			num += d * d
			den += float64(w) * float64(w)
		}
		e := math.Sqrt(num / den)
		r.RelErr = &e
	}
	return nil
}

// benchSimulate times "neuropil simulate" with args, in this process, with
// its output in a temporary directory (unless args name another --out).
func benchSimulate(r *benchReport, args []string) error {
	sim, ok := commands["simulate"]
	if !ok {
		r.SimulateNote = "this build has no simulate command"
		return nil
	}
	dir, err := os.MkdirTemp("", "neuropil-bench-")
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer os.RemoveAll(dir)
	t0 := time.Now()
	if err := sim.run(append([]string{"--out", dir}, args...), io.Discard, io.Discard); err != nil {
		return fmt.Errorf("bench: simulate: %w", err)
	}
	sec := time.Since(t0).Seconds()
	r.SimulateSeconds = &sec
	var sum struct {
		Solve   float64 `json:"solve_seconds"`
		Evals   int     `json:"rhs_evals"`
		PeakRSS int64   `json:"peak_rss_bytes"`
	}
	if b, err := os.ReadFile(filepath.Join(dir, "summary.json")); err == nil && json.Unmarshal(b, &sum) == nil {
		r.SimulateSolveSeconds, r.SimulateEvals, r.SimulatePeakRSS = sum.Solve, sum.Evals, sum.PeakRSS
	}
	return nil
}

func ms(d time.Duration) float64 { return d.Seconds() * 1e3 }

func writeBench(w io.Writer, r *benchReport) {
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
	if t := r.Train; t != nil {
		fmt.Fprintf(w, "train step   %.3f s (forward %.3f s) for %d euler steps at batch %d; %.3f s checkpointed\n",
			t.TrainStepSeconds, t.ForwardSeconds, t.Steps, t.Batch, t.TrainStepSecondsCkpt)
	}
}

// cpuFeatures names the vector extensions the kernels can use here.
func cpuFeatures() string {
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
