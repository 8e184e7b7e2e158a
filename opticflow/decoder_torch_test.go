package opticflow

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/neuropil/neuropil/opticlobe"
)

// torchTol bounds the difference to the float64 PyTorch fixture of
// testdata/gen/opticflow_decoder.py: both sides compute in float64, and
// the sums run in different orders.
const torchTol = 1e-9

type decoderFixture struct {
	Extent, Channels, Hidden, Kernel, Samples, Frames int
	Activity, Target                                  []float64
	W1, B1, Gamma, Beta, W2, B2                       []float64
	Flow                                              []float64
	Loss                                              float64
	RunningMean                                       []float64 `json:"running_mean"`
	RunningVar                                        []float64 `json:"running_var"`
	GradActivity                                      []float64 `json:"grad_activity"`
	GradW1                                            []float64 `json:"grad_w1"`
	GradB1                                            []float64 `json:"grad_b1"`
	GradGamma                                         []float64 `json:"grad_gamma"`
	GradBeta                                          []float64 `json:"grad_beta"`
	GradW2                                            []float64 `json:"grad_w2"`
	GradB2                                            []float64 `json:"grad_b2"`
}

// The decoder's flow, loss, running statistics and gradients (training
// mode, no dropout) equal PyTorch's on the same inputs and parameters.
func TestDecoderTorch(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "decoder.json"))
	if err != nil {
		t.Fatal(err)
	}
	var fx decoderFixture
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	nc, ch, batch, frames := opticlobe.ColumnCount(fx.Extent), fx.Channels, fx.Samples, fx.Frames
	src := make([][]int32, ch)
	for c := range src {
		for col := range nc {
			src[c] = append(src[c], int32(c*nc+col))
		}
	}
	d := newDecoder[float64](fx.Extent, src, DecoderConfig{Hidden: fx.Hidden, Kernel: fx.Kernel, Dropout: -1, ConstWeight: 1}, 0)
	for i, v := range [][]float64{fx.W1, fx.B1, fx.Gamma, fx.Beta, fx.W2, fx.B2} {
		copy(d.P[i], v)
	}
	// torch: [samples][frames][...]; here states per frame [neurons][batch]
	// and flow [frames][batch][2][columns]
	states := make([][]float64, frames)
	target := make([]float64, len(fx.Target))
	for f := range frames {
		states[f] = make([]float64, ch*nc*batch)
		for s := range batch {
			for q := range ch * nc {
				states[f][q*batch+s] = fx.Activity[(s*frames+f)*ch*nc+q]
			}
			for q := range 2 * nc {
				target[(f*batch+s)*2*nc+q] = fx.Target[(s*frames+f)*2*nc+q]
			}
		}
	}
	flow := d.Forward(states, batch)
	gflow := make([]float64, len(flow))
	loss := L2Norm(gflow, flow, target, frames, batch)
	if math.Abs(loss-fx.Loss) > torchTol {
		t.Errorf("loss %v, torch %v", loss, fx.Loss)
	}
	for f := range frames {
		for s := range batch {
			for q := range 2 * nc {
				near(t, "flow", flow[(f*batch+s)*2*nc+q], fx.Flow[(s*frames+f)*2*nc+q])
			}
		}
	}
	for k := range fx.Hidden {
		near(t, "running mean", d.RunMean[k], fx.RunningMean[k])
		near(t, "running var", d.RunVar[k], fx.RunningVar[k])
	}
	d.ZeroGrad()
	dstates := [][]float64{make([]float64, len(states[0])), make([]float64, len(states[0]))}
	d.Backward(dstates, gflow, batch)
	for i, want := range [][]float64{fx.GradW1, fx.GradB1, fx.GradGamma, fx.GradBeta, fx.GradW2, fx.GradB2} {
		for k, w := range want {
			near(t, DecoderParamNames[i], d.G[i][k], w)
		}
	}
	for f := range frames {
		for s := range batch {
			for q := range ch * nc {
				near(t, "activity gradient", dstates[f][q*batch+s], fx.GradActivity[(s*frames+f)*ch*nc+q])
			}
		}
	}
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > torchTol*(1+math.Abs(want)) {
		t.Fatalf("%s: %v, torch %v", what, got, want)
	}
}
