package train

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/neuropil/neuropil/internal/team"
)

// OptimConfig chooses an optimiser, its learning-rate schedule and
// gradient clipping. Zero values mean the defaults of torch.optim.
type OptimConfig struct {
	Method      string  // "adamw" (default), "adam" or "sgd"
	LR          float64 // peak learning rate; 0: 1e-3
	Momentum    float64 // sgd momentum (torch.optim.SGD: b = μb + g)
	Beta1       float64 // adam β1; 0: 0.9
	Beta2       float64 // adam β2; 0: 0.999
	Eps         float64 // adam ε; 0: 1e-8
	WeightDecay float64 // adamw: decoupled (default 0.01, negative: none); adam, sgd: L2 added to the gradient

	Schedule string // "constant" (default), "cosine" (to 0 at TotalSteps) or "step" (×Gamma every StepEvery steps)
	Warmup   int    // linear warm-up steps from 0 to LR
	// TotalSteps is the number of optimiser steps of the run, for cosine.
	TotalSteps int
	StepEvery  int
	Gamma      float64 // step schedule factor; 0: 0.1

	Clip float64 // clip the global gradient norm to this; 0: no clipping
}

// Optimizers returns the known optimisers' names.
func Optimizers() []string { return slices.Clone(optimizers) }

// Schedules returns the known learning-rate schedules' names.
func Schedules() []string { return slices.Clone(schedules) }

var (
	optimizers = []string{"adamw", "adam", "sgd"}
	schedules  = []string{"constant", "cosine", "step"}
)

func (c OptimConfig) resolve() (OptimConfig, error) {
	c.Method = strings.ToLower(c.Method)
	if c.Method == "" {
		c.Method = "adamw"
	}
	if !contains(optimizers, c.Method) {
		return c, fmt.Errorf("unknown optimizer %q (known: %s)", c.Method, strings.Join(optimizers, ", "))
	}
	c.Schedule = strings.ToLower(c.Schedule)
	if c.Schedule == "" {
		c.Schedule = "constant"
	}
	if !contains(schedules, c.Schedule) {
		return c, fmt.Errorf("unknown learning-rate schedule %q (known: %s)", c.Schedule, strings.Join(schedules, ", "))
	}
	if c.LR == 0 {
		c.LR = 1e-3
	}
	if c.Beta1 == 0 {
		c.Beta1 = 0.9
	}
	if c.Beta2 == 0 {
		c.Beta2 = 0.999
	}
	if c.Eps == 0 {
		c.Eps = 1e-8
	}
	if c.Gamma == 0 {
		c.Gamma = 0.1
	}
	if c.Method == "adamw" && c.WeightDecay == 0 {
		c.WeightDecay = 0.01
	}
	c.WeightDecay = max(c.WeightDecay, 0)
	bad := func(v float64) bool { return math.IsNaN(v) || math.IsInf(v, 0) }
	if !(c.LR > 0) || bad(c.LR) || c.Momentum < 0 || c.Momentum >= 1 || c.Beta1 < 0 || c.Beta1 >= 1 ||
		c.Beta2 < 0 || c.Beta2 >= 1 || !(c.Eps > 0) || c.Clip < 0 || bad(c.Clip) || c.Warmup < 0 || bad(c.WeightDecay) {
		return c, fmt.Errorf("optimizer settings out of range: %+v", c)
	}
	if c.Schedule == "step" && c.StepEvery < 1 {
		return c, fmt.Errorf("step schedule needs a step interval ≥ 1")
	}
	return c, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Optimizer updates parameters in place from their gradients. Its state
// (moments, step count) is per parameter slice, so a sparse parameter is
// updated on its stored entries only and never densified.
type Optimizer struct {
	Config OptimConfig
	Step   int64       // updates done
	M, V   [][]float32 // first and second moments (sgd: momentum buffer in M), aligned with the parameters
}

// NewOptimizer returns an optimiser for parameters of the given sizes.
func NewOptimizer(c OptimConfig, params [][]float32) (*Optimizer, error) {
	c, err := c.resolve()
	if err != nil {
		return nil, err
	}
	o := &Optimizer{Config: c}
	for _, p := range params {
		o.M = append(o.M, make([]float32, len(p)))
		if c.Method != "sgd" {
			o.V = append(o.V, make([]float32, len(p)))
		}
	}
	return o, nil
}

// LR returns the learning rate of update number step (0-based).
func (o *Optimizer) LR(step int64) float64 {
	c := o.Config
	lr := c.LR
	if c.Warmup > 0 && step < int64(c.Warmup) {
		return lr * float64(step+1) / float64(c.Warmup)
	}
	switch c.Schedule {
	case "cosine":
		total := int64(c.TotalSteps) - int64(c.Warmup)
		if total > 0 {
			f := min(1, float64(step-int64(c.Warmup))/float64(total))
			lr *= 0.5 * (1 + math.Cos(math.Pi*f))
		}
	case "step":
		lr *= math.Pow(c.Gamma, float64(step/int64(c.StepEvery)))
	}
	return lr
}

// GradNorm returns the global L2 norm of the gradients of the parameters
// that are not frozen.
func GradNorm(grads [][]float32, frozen []bool) float64 {
	s := 0.0
	for i, g := range grads {
		if i < len(frozen) && frozen[i] {
			continue
		}
		for _, v := range g {
			s += float64(v) * float64(v)
		}
	}
	return math.Sqrt(s)
}

// Update applies one step to params from grads (aligned slices; frozen
// parameters are skipped), after clipping the global gradient norm. It
// returns the gradient norm before clipping and the learning rate used, and
// an error if the norm is not finite (params are then left unchanged).
func (o *Optimizer) Update(params, grads [][]float32, frozen []bool) (norm, lr float64, err error) {
	if len(params) != len(o.M) || len(grads) != len(params) {
		panic(fmt.Sprintf("train: optimizer for %d parameters given %d and %d gradients", len(o.M), len(params), len(grads)))
	}
	c := o.Config
	norm = GradNorm(grads, frozen)
	if math.IsNaN(norm) || math.IsInf(norm, 0) {
		return norm, 0, fmt.Errorf("gradient norm is %v", norm)
	}
	scale := 1.0
	if c.Clip > 0 && norm > c.Clip {
		scale = c.Clip / norm
	}
	lr = o.LR(o.Step)
	o.Step++
	t := float64(o.Step)
	bc1 := 1 - math.Pow(c.Beta1, t)
	bc2 := 1 - math.Pow(c.Beta2, t)
	for i, p := range params {
		if i < len(frozen) && frozen[i] {
			continue
		}
		if len(p) != len(grads[i]) || len(p) != len(o.M[i]) {
			panic(fmt.Sprintf("train: parameter %d has %d values, gradient %d, state %d", i, len(p), len(grads[i]), len(o.M[i])))
		}
		// Large parameters are updated in parallel pieces.
		team.For(len(p), 1<<15, func(lo, hi int) {
			o.update(i, p[lo:hi], grads[i][lo:hi], lo, scale, lr, bc1, bc2)
		})
	}
	return norm, lr, nil
}

func (o *Optimizer) update(i int, p, g []float32, off int, scale, lr, bc1, bc2 float64) {
	c := o.Config
	m := o.M[i][off : off+len(p)]
	switch c.Method {
	case "sgd":
		for k := range p {
			gk := float64(g[k])*scale + c.WeightDecay*float64(p[k])
			if c.Momentum > 0 {
				gk = c.Momentum*float64(m[k]) + gk
				m[k] = float32(gk)
			}
			p[k] = float32(float64(p[k]) - lr*gk)
		}
	case "adam", "adamw":
		v := o.V[i][off : off+len(p)]
		decoupled := c.Method == "adamw"
		for k := range p {
			pk := float64(p[k])
			gk := float64(g[k]) * scale
			if decoupled {
				pk -= lr * c.WeightDecay * pk
			} else {
				gk += c.WeightDecay * pk
			}
			mk := c.Beta1*float64(m[k]) + (1-c.Beta1)*gk
			vk := c.Beta2*float64(v[k]) + (1-c.Beta2)*gk*gk
			m[k], v[k] = float32(mk), float32(vk)
			pk -= lr * (mk / bc1) / (math.Sqrt(vk/bc2) + c.Eps)
			p[k] = float32(pk)
		}
	}
}
