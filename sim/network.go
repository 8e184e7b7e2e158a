package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/format"
	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/mnist"
	"github.com/neuropil/neuropil/model"
	"github.com/neuropil/neuropil/ode"
	"github.com/neuropil/neuropil/sparse"
)

// NetworkConfig describes a run of bioplnn's connectome ODE RNN (or of its
// discrete twin, the ConnectomeRNN) whose connectome, input and parameters
// are read from files. A file setting holds a path, "" for its default.
// The zero value runs the built-in connectome (connectome.Default) with
// the sigmoid and tau 1 on 8 MNIST training digits, each input driving a
// seeded random neuron, from zeros over [0, 1] with 20 output times,
// solved by package ode's default, dopri5. Errors name the fields by
// Names (a command maps them to its flags).
type NetworkConfig struct {
	Connectome string         // a connectome file of any format of package format; "": the built-in one
	Load       format.Options // how Connectome is read

	Input string // float .npy [batch][inputs] (constant) or [frames][batch][inputs] over [T0, T1]; "": MNIST digits
	MNIST string // directory of the MNIST IDX files of the default input; "": mnist.DefaultDir
	Split string // MNIST split: "train" ("" too) or "test"
	Batch int    // samples; 0: the input file's, or 8 MNIST digits
	Seed  uint64 // seeds the MNIST batch, then the random input neurons, then the traced neurons of Figures

	InputIndices    string // int .npy [inputs]: the neuron each input drives (an identity projection)
	InputProjection string // W_ih [neurons][inputs] in any matrix format; with InputIndices "": one random neuron per input
	Bias            string // float .npy [neurons] b; "": 0
	TauFile         string // float .npy [neurons] time constants; overrides Tau
	TauType         string // float .npy [types] time constant per neuron type (the connectome must carry types)
	H0              string // float .npy [batch][neurons] initial state; "": zeros

	OutputProjection string // record W_ho h instead of h: a matrix [outputs][neurons] in any format
	OutputBias       string // float .npy [outputs] added to W_ho h (with OutputProjection)
	OutputNeurons    string // int .npy: record only these neurons; "": all
	BatchFirst       bool   // Activity [batch][times][width] instead of [times][batch][width]

	Tau          float64            // time constant of every neuron; 0: 1
	Nonlinearity model.Nonlinearity // phi; nil: sigmoid
	Dale         bool               // weights are magnitudes, signs from the connectome's neuron table
	DaleClamp    bool               // with Dale: negative weights are bioplnn's raw parameter, clamped to 0 (relu(W) ⊙ sign), even where they disagree with the neuron table
	Discrete     bool               // the discrete ConnectomeRNN: one step per input frame, output times 1..frames
	Product      sparse.ProductOptions

	T0, T1 float64      // the interval; both 0: [0, 1]
	Evals  int          // output times over [T0, T1], both ends; 0: 20 (Discrete: the input's frames, the only choice)
	Solver ode.Settings // the solver; Method "": dopri5

	Names Namer // names of the fields in errors; nil: the fields' own
}

// Check reports settings that are wrong whatever the files hold: negative
// sizes, an empty or infinite interval, a time constant that is not
// positive, and settings given together that exclude each other.
func (c *NetworkConfig) Check() error {
	name := c.Names.Name
	t0, t1 := c.T0, c.T1
	if t0 == 0 && t1 == 0 {
		t1 = 1
	}
	switch {
	case c.Batch < 0:
		return fmt.Errorf("%s %d: must be at least 1", name("Batch"), c.Batch)
	case c.Evals < 0:
		return fmt.Errorf("%s %d: must be at least 1", name("Evals"), c.Evals)
	case !(t1 > t0) || math.IsInf(t1-t0, 0):
		return fmt.Errorf("%s %v, %s %v: need finite t0 < t1", name("T0"), t0, name("T1"), t1)
	case c.Tau < 0 || math.IsNaN(c.Tau) || math.IsInf(c.Tau, 0):
		return fmt.Errorf("%s %v: must be positive", name("Tau"), c.Tau)
	}
	for _, p := range [][2]string{{"Input", "MNIST"}, {"InputIndices", "InputProjection"}, {"OutputProjection", "OutputNeurons"}} {
		if c.file(p[0]) != "" && c.file(p[1]) != "" {
			return fmt.Errorf("%s and %s both given: choose one", name(p[0]), name(p[1]))
		}
	}
	if c.OutputBias != "" && c.OutputProjection == "" {
		return fmt.Errorf("%s needs %s", name("OutputBias"), name("OutputProjection"))
	}
	return nil
}

// file returns the path of a file setting by its field name.
func (c *NetworkConfig) file(field string) string {
	return map[string]string{"Input": c.Input, "MNIST": c.MNIST, "InputIndices": c.InputIndices,
		"InputProjection": c.InputProjection, "OutputProjection": c.OutputProjection, "OutputNeurons": c.OutputNeurons}[field]
}

// resolved returns c with its defaults filled in.
func (c NetworkConfig) resolved() NetworkConfig {
	if c.Batch == 0 && c.Input == "" {
		c.Batch = 8 // with an input file: its batch (loadInput)
	}
	if c.Evals == 0 && !c.Discrete {
		c.Evals = 20 // a discrete run: one per input frame, known once the input is read
	}
	if c.T0 == 0 && c.T1 == 0 {
		c.T1 = 1
	}
	if c.Tau == 0 {
		c.Tau = 1
	}
	if c.Nonlinearity == nil {
		c.Nonlinearity = model.Nonlinearity{model.Sigmoid}
	}
	if c.Solver.Method == "" {
		c.Solver.Method = ode.DefaultMethod
	}
	return c
}

// Network is a run of a NetworkConfig, its files read: the model, its
// input, readout and initial state, ready to Run.
type Network struct {
	Model   model.Model // a *model.ODERNN, or a *model.RNN when Discrete
	Input   Input
	Readout Readout
	Y0      []float32 // [neurons][batch] initial state; nil: zeros

	Conn        *connectome.Connectome
	ConnName    string  // the connectome's file, or a description of the built-in one
	InputName   string  // the input's file, or the MNIST images read
	Inputs      int     // input values per sample and frame
	Labels      []uint8 // [batch] the MNIST digits' labels; nil for an input file
	Evals       int     // output times (a discrete run's: the input's frames)
	LoadSeconds float64 // reading the files and building the model

	cfg NetworkConfig // defaults filled in
	rng *rand.Rand    // seeded with cfg.Seed
}

// LoadNetwork reads the files of c and builds the model of its run. It
// returns an error for bad settings (Check), files that cannot be read or
// do not fit each other, and a run too large for the machine's memory. The
// network must be closed after use.
func LoadNetwork(c NetworkConfig) (*Network, error) {
	start := time.Now()
	if err := c.Check(); err != nil {
		return nil, err
	}
	n := &Network{cfg: c.resolved(), rng: rand.New(rand.NewPCG(c.Seed, 0x73696d))}
	if err := n.load(); err != nil {
		return nil, err
	}
	if err := n.build(); err != nil {
		return nil, err
	}
	n.LoadSeconds = time.Since(start).Seconds()
	return n, nil
}

// Close releases the model.
func (n *Network) Close() { n.Model.Close() }

// load reads the input and the connectome at the same time: the default
// run spends about as long gunzipping MNIST on one core as drawing the
// connectome on the other. loadInput is the only user of the seeded
// generator until it returns, so the draws are the same as in sequence.
// (Reading files overlaps here; it is no parallel loop for package team.)
func (n *Network) load() error {
	c := &n.cfg
	inputDone := make(chan error, 1)
	go func() { inputDone <- n.loadInput() }()
	var err error
	n.Conn, n.ConnName, err = format.LoadOrDefault(c.Connectome, c.Load)
	if errIn := <-inputDone; err == nil {
		err = errIn
	}
	if err != nil {
		return err
	}
	nn := n.Conn.Neurons()
	if nn == 0 {
		return fmt.Errorf("%s: the connectome has no neurons", n.ConnName)
	}
	n.Evals = c.Evals
	if c.Discrete && n.Evals == 0 {
		n.Evals = n.Input.Frames
	}
	if c.Discrete && n.Evals != n.Input.Frames {
		return fmt.Errorf("%s: the input has %d frames, so %s must be %d, not %d", // one output time per frame
			c.Names.Name("Discrete"), n.Input.Frames, c.Names.Name("Evals"), n.Input.Frames, n.Evals)
	}
	// The run holds every neuron at every output time, whatever it records.
	return CheckSize(c.Names, n.Evals, c.Batch, nn, nn)
}

// loadInput reads Input, [batch][inputs], [frames][batch][inputs] or
// [batch][28][28] images (flattened), taking the batch from it unless
// Batch is set, or a batch of MNIST digits normalized as the tutorial's.
func (n *Network) loadInput() error {
	c, name := &n.cfg, n.cfg.Names.Name("Input")
	n.Input.T0, n.Input.T1 = c.T0, c.T1
	if c.Input == "" {
		im, labels, desc, err := LoadDigits(c.MNIST, c.Split, c.Batch, n.rng.Uint64(), c.Names)
		if err != nil {
			return err
		}
		n.Input.X = make([]float32, len(im.Pix))
		mnist.NormalizeTo(n.Input.X, im.Pix)
		n.Input.Frames, n.Inputs, n.Labels, n.InputName = 1, im.Rows*im.Cols, labels, desc
		return nil
	}
	shape, data, err := npy.ReadFloat32File(c.Input)
	if err != nil {
		return err
	}
	const want = "want [batch][inputs], [frames][batch][inputs] or [batch][28][28] images"
	batch := 0
	switch {
	case len(shape) == 2:
		n.Input.Frames, batch, n.Inputs = 1, shape[0], shape[1]
	case len(shape) == 3 && shape[0] == 0:
		return fmt.Errorf("%s %s: shape %v holds no frames", name, c.Input, shape)
	case len(shape) == 3 && shape[1] == 28 && shape[2] == 28:
		// MNIST-shaped images, one frame each, flattened row by row as
		// the digits are.
		n.Input.Frames, batch, n.Inputs = 1, shape[0], 28*28
	case len(shape) == 3:
		n.Input.Frames, batch, n.Inputs = shape[0], shape[1], shape[2]
	default:
		return fmt.Errorf("%s %s: shape %v, %s", name, c.Input, shape, want)
	}
	if n.Input.Frames == 0 || batch == 0 || n.Inputs == 0 {
		return fmt.Errorf("%s %s: shape %v holds no values; %s", name, c.Input, shape, want)
	}
	switch {
	case c.Batch == 0:
		c.Batch = batch
	case batch != c.Batch:
		return fmt.Errorf("%s %s: shape %v is a batch of %d samples, but %s is %d (leave it out to take the file's)", name, c.Input, shape, batch, c.Names.Name("Batch"), c.Batch)
	}
	if err := sparse.CheckFinite(data); err != nil {
		return fmt.Errorf("%s %s: %w", name, c.Input, err)
	}
	n.Input.X, n.InputName = data, c.Input
	return nil
}
