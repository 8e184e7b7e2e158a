package lif

import (
	"math"
	"math/rand/v2"
	"slices"

	"github.com/neuropil/neuropil/internal/team"
	"github.com/neuropil/neuropil/sparse"
)

// FlyWire v783 as Shiu et al. use it (Completeness_783.csv and
// Connectivity_783.parquet).
const (
	FlyWireNeurons     = 138639
	FlyWireConnections = 15091983
)

// SyntheticSeed is the seed of the built-in synthetic connectome.
const SyntheticSeed = 783

// Synthetic returns a seeded random connectome of the given size with the
// statistics of FlyWire's: out-degrees log-normal (mean connections/neurons,
// shape 1.2) capped at 10,000, targets uniform and distinct, synapse counts
// per connection heavy-tailed (⌈U^(−1/1.6)⌉, mean about 3, capped at
// 2,000), and 70 % of the neurons excitatory (positive counts), the rest
// inhibitory (negative). Rows are drawn in parallel, each from its own
// stream, so the result depends only on the arguments.
func Synthetic(neurons, connections int, seed uint64) *Network {
	if neurons < 1 || connections < 0 || connections > neurons*min(neurons, maxOutDegree) {
		panic("lif: Synthetic with an impossible size")
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	deg := outDegrees(rng, neurons, connections)
	sign := make([]float32, neurons)
	for i := range sign {
		sign[i] = 1
		if rng.Float64() >= 0.7 {
			sign[i] = -1
		}
	}
	a := &sparse.CSR{Rows: neurons, Cols: neurons, RowPtr: make([]int32, neurons+1),
		ColIdx: make([]int32, connections), Val: make([]float32, connections)}
	for i, d := range deg {
		a.RowPtr[i+1] = a.RowPtr[i] + int32(d)
	}
	team.For(neurons, 1024, func(lo, hi int) {
		seen := make([]int32, neurons) // seen[j] = i+1: j drawn for row i
		for i := lo; i < hi; i++ {
			r := rand.New(rand.NewPCG(seed, uint64(i)+1))
			row := a.ColIdx[a.RowPtr[i]:a.RowPtr[i+1]]
			for k := range row {
				for {
					j := int32(r.IntN(neurons))
					if seen[j] != int32(i+1) {
						seen[j] = int32(i + 1)
						row[k] = j
						break
					}
				}
			}
			slices.Sort(row)
			for k := a.RowPtr[i]; k < a.RowPtr[i+1]; k++ {
				c := math.Ceil(math.Pow(1-r.Float64(), -1/1.6))
				a.Val[k] = sign[i] * float32(min(c, 2000))
			}
		}
	})
	return &Network{Out: a}
}

const maxOutDegree = 10000

// outDegrees draws log-normal out-degrees and adjusts them to sum to
// exactly connections.
func outDegrees(rng *rand.Rand, neurons, connections int) []int {
	const sigma = 1.2
	capDeg := min(maxOutDegree, neurons)
	mean := float64(connections) / float64(neurons)
	mu := math.Log(mean) - sigma*sigma/2
	deg := make([]int, neurons)
	total := 0
	for i := range deg {
		d := int(math.Round(math.Exp(mu + sigma*rng.NormFloat64())))
		deg[i] = min(max(d, 0), capDeg)
		total += deg[i]
	}
	for total != connections {
		i := rng.IntN(neurons)
		switch {
		case total < connections && deg[i] < capDeg:
			deg[i]++
			total++
		case total > connections && deg[i] > 0:
			deg[i]--
			total--
		}
	}
	return deg
}

// SyntheticBrain returns the built-in whole-brain connectome: Synthetic at
// FlyWire's size with SyntheticSeed.
func SyntheticBrain() *Network {
	return Synthetic(FlyWireNeurons, FlyWireConnections, SyntheticSeed)
}

// DefaultExcite returns the built-in excitation of a network: 21 neurons
// (as many as Shiu's sugar-sensing GRNs), the excitatory neurons with the
// most synapses out among those with 200 to 1,000 targets (a sensory
// neuron's reach, not a hub's).
func DefaultExcite(net *Network) []int {
	out := net.Out
	type ns struct {
		i   int
		syn float64
	}
	var cand []ns
	for i := range out.Rows {
		lo, hi := out.RowPtr[i], out.RowPtr[i+1]
		if hi-lo < 200 || hi-lo > 1000 || out.Val[lo] < 0 {
			continue
		}
		var s float64
		for _, v := range out.Val[lo:hi] {
			s += float64(v)
		}
		cand = append(cand, ns{i, s})
	}
	slices.SortFunc(cand, func(a, b ns) int {
		if a.syn != b.syn {
			if a.syn > b.syn {
				return -1
			}
			return 1
		}
		return a.i - b.i
	})
	var idx []int
	for k := 0; k < len(cand) && len(idx) < 21; k++ {
		idx = append(idx, cand[k].i)
	}
	slices.Sort(idx)
	return idx
}

// HighExcite returns n distinct excitatory neurons with outgoing synapses
// drawn with a fixed seed: driving 2,000 of them at r_poi is the
// high-activity regime of the benchmark (some 340,000 spikes a second on
// the built-in brain).
func HighExcite(net *Network, n int) []int {
	out := net.Out
	r := rand.New(rand.NewPCG(2, 2000))
	seen := map[int]bool{}
	var idx []int
	for tries := 0; len(idx) < n && tries < 100*n; tries++ {
		i := r.IntN(out.Rows)
		if !seen[i] && out.RowPtr[i+1] > out.RowPtr[i] && out.Val[out.RowPtr[i]] > 0 {
			seen[i] = true
			idx = append(idx, i)
		}
	}
	slices.Sort(idx)
	return idx
}
