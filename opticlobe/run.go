package opticlobe

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/neuropil/neuropil/sim"
)

// Stimulus chooses what the eye sees in a run: a uniform light level
// (Flash), an image, a movie, or, the zero value, a batch of MNIST digits.
// Errors name the fields by Names.
type Stimulus struct {
	Flash *float64 // uniform light level (FlashInput); nil: none
	Image string   // PNG or JPEG file (ImageInput)
	Movie string   // .npy movie (MovieInput)

	MNIST string // directory of the digits' IDX files; "": mnist.DefaultDir
	Split string // MNIST split: "train" ("" too) or "test"
	Seed  uint64 // seeds the digits' shuffle

	Names sim.Namer
}

// Input returns the stimulus shown to batch samples on the lattice of the
// given extent. Giving more than one of Flash, Image and Movie is an
// error.
func (s *Stimulus) Input(extent, batch int) (*Input, error) {
	name := s.Names.Name
	given := 0
	for _, g := range []bool{s.Flash != nil, s.Image != "", s.Movie != ""} {
		if g {
			given++
		}
	}
	switch {
	case given > 1:
		return nil, fmt.Errorf("%s, %s and %s: choose one", name("Image"), name("Movie"), name("Flash"))
	case s.Flash != nil:
		in, err := FlashInput(extent, *s.Flash, batch)
		return in, named(name("Flash"), err)
	case s.Image != "":
		in, err := ImageInput(s.Image, extent, batch)
		return in, named(name("Image"), err)
	case s.Movie != "":
		in, err := MovieInput(s.Movie, extent, batch)
		return in, named(name("Movie"), err)
	}
	seed := rand.New(rand.NewPCG(s.Seed, 0x6f6c)).Uint64()
	im, labels, desc, err := sim.LoadDigits(s.MNIST, s.Split, batch, seed, s.Names)
	if err != nil {
		return nil, err
	}
	return DigitsInput(im, labels, desc, extent), nil
}

// named returns err prefixed with a setting's name; nil for nil.
func named(name string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", name, err)
}

// Summary describes a run in the summary.json of "neuropil simulate
// --model optic-lobe"; its fields are in the order of their JSON names.
type Summary struct {
	Accepted     int      `json:"accepted_steps"`
	Layout       string   `json:"activity_layout"`
	Batch        int      `json:"batch"`
	Columns      int      `json:"columns"`
	Dt           float64  `json:"dt"` // s
	Evals        int      `json:"evals"`
	Extent       int      `json:"extent"`
	Frames       int      `json:"frames"`
	Grey         float32  `json:"grey"`
	Input        string   `json:"input"`
	Labels       []int    `json:"labels"` // the digits' labels; null for other stimuli
	LoadSeconds  float64  `json:"load_seconds"`
	Model        string   `json:"model"`
	Neurons      int      `json:"neurons"`
	Recorded     string   `json:"recorded"` // "all", or "central" for the central column of every type
	Rejected     int      `json:"rejected_steps"`
	RelaxSeconds float64  `json:"relax_seconds"`
	RHSEvals     int      `json:"rhs_evals"`
	Seed         uint64   `json:"seed"`
	SolveSeconds float64  `json:"solve_seconds"`
	Solver       string   `json:"solver"`
	Spec         string   `json:"spec"` // the description's file
	Synapses     int      `json:"synapses"`
	T0           float64  `json:"t0"` // s, the stimulus onset
	T1           float64  `json:"t1"`
	Warnings     []string `json:"warnings"`
}

// Summary returns the summary of r, a run of net with input in and
// settings s (their defaults resolved as Simulate resolves them). Spec,
// Recorded and LoadSeconds are the caller's to fill in.
func (r *Result) Summary(net *Network, in *Input, s Settings) Summary {
	s, _, _ = s.resolve() // Simulate succeeded with s: it resolves
	cn := net.Counts()
	return Summary{Accepted: r.Stats.TotalAccepted(), Layout: "[evals][batch][recorded]", Batch: r.Batch,
		Columns: ColumnCount(net.Extent), Dt: s.Dt, Evals: len(r.Times), Extent: net.Extent, Frames: in.Frames, Grey: s.Grey,
		Input: in.Name, Labels: sim.IntLabels(in.Labels), Model: "optic-lobe", Neurons: cn.Neurons,
		Rejected: r.Stats.TotalRejected(), RelaxSeconds: max(s.Relax, 0), RHSEvals: r.Stats.RHSEvals, Seed: s.Seed,
		SolveSeconds: r.Seconds, Solver: strings.ToLower(s.Method), Synapses: cn.Edges, T1: s.Duration,
		Warnings: append([]string{}, r.Warnings...)}
}
