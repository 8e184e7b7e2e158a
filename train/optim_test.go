package train

import (
	"encoding/json"
	"math"
	"os"
	"strings"
	"testing"
)

// Agreement with torch.optim: both keep float32 parameters and state;
// neuropil computes each update in float64, PyTorch in float32, so
// trajectories agree to a few float32 ulp per step.
const optimTol = 1e-6

func TestOptimizersMatchTorch(t *testing.T) {
	b, err := os.ReadFile("testdata/optim.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		P0, Grads   any
		Clip        float64
		TotalSteps  int     `json:"total_steps"`
		WeightDecay float64 `json:"weight_decay"`
		Momentum    float64
		Cases       []struct {
			Method string
			LR     float64
			Traj   [][][]float64
		}
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	var p0 [][]float32
	var grads [][][]float32
	raw, _ := json.Marshal(fx.P0)
	json.Unmarshal(raw, &p0)
	raw, _ = json.Marshal(fx.Grads)
	json.Unmarshal(raw, &grads)
	for _, c := range fx.Cases {
		params := [][]float32{append([]float32(nil), p0[0]...), append([]float32(nil), p0[1]...)}
		wd := fx.WeightDecay
		opt, err := NewOptimizer(OptimConfig{Method: c.Method, LR: c.LR, Momentum: fx.Momentum, WeightDecay: wd,
			Schedule: "cosine", TotalSteps: fx.TotalSteps, Clip: fx.Clip}, params)
		if err != nil {
			t.Fatal(err)
		}
		for step, g := range grads {
			if _, _, err := opt.Update(params, g, nil); err != nil {
				t.Fatal(err)
			}
			for i := range params {
				for k, v := range params[i] {
					want := c.Traj[step][i][k]
					if math.Abs(float64(v)-want) > optimTol*(1+math.Abs(want)) {
						t.Errorf("%s step %d param %d[%d]: %.9g, torch %.9g", c.Method, step+1, i, k, v, want)
					}
				}
			}
		}
	}
}

func TestOptimizerErrors(t *testing.T) {
	p := [][]float32{{1, 2}}
	if _, err := NewOptimizer(OptimConfig{Method: "lion"}, p); err == nil || !strings.Contains(err.Error(), "adamw, adam, sgd") {
		t.Errorf("unknown optimizer: %v", err)
	}
	if _, err := NewOptimizer(OptimConfig{Schedule: "linear"}, p); err == nil || !strings.Contains(err.Error(), "constant, cosine, step") {
		t.Errorf("unknown schedule: %v", err)
	}
	o, _ := NewOptimizer(OptimConfig{}, p)
	if _, _, err := o.Update(p, [][]float32{{float32(math.NaN()), 0}}, nil); err == nil {
		t.Error("NaN gradient accepted")
	}
	if p[0][0] != 1 {
		t.Error("a NaN gradient changed the parameters")
	}
	// Frozen parameters are left alone.
	if _, _, err := o.Update(p, [][]float32{{1, 1}}, []bool{true}); err != nil || p[0][0] != 1 {
		t.Errorf("frozen parameter updated: %v %v", p, err)
	}
}
