package opticlobe

import (
	"fmt"
	"slices"

	"github.com/neuropil/neuropil/connectome"
	"github.com/neuropil/neuropil/internal/budget"
	"github.com/neuropil/neuropil/sparse"
)

// DefaultExtent is the radius of the lattice in columns (flyvis default).
const DefaultExtent = 15

// MaxExtent bounds the extent Build accepts: 3e(e+1)+1 columns per type
// grows quadratically, and extent 200 already means 7.8 million neurons.
const MaxExtent = 200

// fillSynapses is the synapse count given to offsets added by the hull
// completion (flyvis n_syn_fill).
const fillSynapses = 1

// initialStrengthScale is the numerator of the initial per-pair strength,
// 0.01 / mean(n_syn over the pair's edges) (flyvis SynapseCountScaling).
const initialStrengthScale = 0.01

// Network is the optic-lobe network expanded from a Spec on a lattice.
type Network struct {
	Spec   *Spec
	Extent int

	// Conn holds W[post, pre] = sign·n_syn·strength with the initial
	// strengths, Type and TypeNames per neuron, and Sign per neuron: the
	// sign of the neuron type's outgoing pairs, or, for the four types
	// whose outgoing pairs differ in sign (R8, Am, C2, C3 in the flyvis
	// file), the sign carrying most of its edges; 0 for types that send no
	// synapses. The exact sign of every edge is in Edges.Sign and in W.
	Conn *connectome.Connectome

	U, V      []int32 // [neurons] column of each neuron
	TypeStart []int   // [types+1] neurons of type k are TypeStart[k]:TypeStart[k+1]

	Edges EdgeTable
	Pairs []Pair // [pairs] one per PairSpec, in spec order
}

// EdgeTable lists the edges (one per source neuron, offset and pair), in
// the order described in the package documentation.
type EdgeTable struct {
	Source, Target []int32   // [edges] presynaptic and postsynaptic neuron
	Sign           []int8    // [edges] +1 or -1
	NSyn           []float32 // [edges] average synapse count of the offset
	Pair           []int32   // [edges] index into Network.Pairs
}

// Len returns the number of edges.
func (e *EdgeTable) Len() int { return len(e.Source) }

// Pair summarises one (source type, target type) pair of a Network.
type Pair struct {
	Source, Target int  // type indices
	Sign           int8 // +1 or -1
	Offsets        int  // offsets after the hull completion
	Filled         int  // offsets added by the hull completion
	Edges          int  // realised edges; 0 when no target column exists
	First          int  // the pair's edges are Edges[First:First+Edges]
	MeanNSyn       float64
	// Strength is the initial shared strength 0.01 / MeanNSyn (0 for a
	// pair without edges).
	Strength float32
}

// edgeBytes is about what one edge costs while a network is built: its
// row of the edge table (17 bytes), its COO entry (16) and its CSR entry
// (8), rounded up; neuronBytes is a neuron's share (lattice position,
// type, sign, row pointer, state of a default solve).
const (
	edgeBytes   = 48
	neuronBytes = 64
)

// Build expands spec on the lattice of the given extent. The extent comes
// from users, so a value outside [0, MaxExtent] is an error.
func Build(spec *Spec, extent int) (*Network, error) {
	return build(spec, extent, halfOpen)
}

func build(spec *Spec, extent int, rule hullRule) (*Network, error) {
	if extent < 0 || extent > MaxExtent {
		return nil, fmt.Errorf("opticlobe: extent %d outside [0, %d]", extent, MaxExtent)
	}
	if spec == nil || len(spec.Types) == 0 {
		return nil, fmt.Errorf("opticlobe: empty spec")
	}
	nt := len(spec.Types)
	net := &Network{Spec: spec, Extent: extent, TypeStart: make([]int, nt+1)}

	// Neurons, and for each type a map from the square grid position
	// (u+e)·(2e+1) + (v+e) to the neuron there (-1: none).
	side := 2*extent + 1
	cell := func(u, v int) int {
		if u < -extent || u > extent || v < -extent || v > extent {
			return -1
		}
		return (u+extent)*side + v + extent
	}
	where := make([][]int32, nt)
	types := make([]int32, 0, nt*ColumnCount(extent))
	for k, t := range spec.Types {
		e := extent
		if t.Single {
			e = 0
		}
		where[k] = make([]int32, side*side)
		for i := range where[k] {
			where[k][i] = -1
		}
		for _, c := range StridedColumns(e, t.Stride[0], t.Stride[1]) {
			where[k][cell(c.U, c.V)] = int32(len(net.U))
			net.U = append(net.U, int32(c.U))
			net.V = append(net.V, int32(c.V))
			types = append(types, int32(k))
		}
		net.TypeStart[k+1] = len(net.U)
	}

	// Edges, pair by pair; the completed offsets first, to size the table
	// (an upper bound: offsets × source neurons).
	completed := make([][]Offset, len(spec.Pairs))
	bound := 0
	for p, ps := range spec.Pairs {
		completed[p] = completeOffsets(ps.Offsets, rule, fillSynapses)
		bound += len(completed[p]) * (net.TypeStart[ps.Source+1] - net.TypeStart[ps.Source])
	}
	need := edgeBytes*float64(bound) + neuronBytes*float64(len(net.U))
	if err := budget.Check(fmt.Sprintf("opticlobe: extent %d (%d neurons, up to %d edges)", extent, len(net.U), bound), need); err != nil {
		return nil, err
	}
	et := &net.Edges
	et.Source, et.Target = make([]int32, 0, bound), make([]int32, 0, bound)
	et.Sign, et.NSyn, et.Pair = make([]int8, 0, bound), make([]float32, 0, bound), make([]int32, 0, bound)
	net.Pairs = make([]Pair, len(spec.Pairs))
	for p, ps := range spec.Pairs {
		offs := completed[p]
		pr := Pair{Source: ps.Source, Target: ps.Target, Sign: ps.Sign,
			Offsets: len(offs), Filled: len(offs) - len(ps.Offsets), First: et.Len()}
		tw := where[ps.Target]
		s0, s1 := net.TypeStart[ps.Source], net.TypeStart[ps.Source+1]
		sum := 0.0
		for _, o := range offs {
			for i := s0; i < s1; i++ {
				c := cell(int(net.U[i])+o.DU, int(net.V[i])+o.DV)
				if c < 0 || tw[c] < 0 {
					continue
				}
				et.Source = append(et.Source, int32(i))
				et.Target = append(et.Target, tw[c])
				et.Sign = append(et.Sign, ps.Sign)
				et.NSyn = append(et.NSyn, float32(o.NSyn))
				et.Pair = append(et.Pair, int32(p))
				sum += o.NSyn
			}
		}
		pr.Edges = et.Len() - pr.First
		if pr.Edges > 0 {
			pr.MeanNSyn = sum / float64(pr.Edges)
			pr.Strength = float32(initialStrengthScale / pr.MeanNSyn)
		}
		net.Pairs[p] = pr
	}

	strengths := make([]float32, len(net.Pairs))
	for p, pr := range net.Pairs {
		strengths[p] = pr.Strength
	}
	net.Conn = &connectome.Connectome{
		W:         net.Weights(strengths),
		Type:      types,
		TypeNames: spec.TypeNames(),
		Sign:      net.neuronSigns(types),
	}
	if err := net.Conn.Validate(); err != nil {
		return nil, fmt.Errorf("opticlobe: built an invalid connectome: %w", err)
	}
	return net, nil
}

// Weights returns W[post, pre] = sign·n_syn·strength[pair] for the given
// per-pair strengths. It panics if strength has not one entry per pair.
func (net *Network) Weights(strength []float32) *sparse.CSR { return net.weights(nil, strength) }

// weights is Weights with sign·n_syn of edge k taken from coef[k] when
// coef is not nil.
func (net *Network) weights(coef, strength []float32) *sparse.CSR {
	if len(strength) != len(net.Pairs) {
		panic(fmt.Sprintf("opticlobe: %d strengths for %d pairs", len(strength), len(net.Pairs)))
	}
	e := &net.Edges
	n := net.Neurons()
	coo := sparse.NewCOO(n, n, e.Len())
	for k := range e.Source {
		c := float32(e.Sign[k]) * e.NSyn[k]
		if coef != nil {
			c = coef[k]
		}
		coo.Add(int(e.Target[k]), int(e.Source[k]), float64(c*strength[e.Pair[k]]))
	}
	return coo.ToCSR()
}

// neuronSigns returns the per-neuron presynaptic sign described on Conn.
func (net *Network) neuronSigns(types []int32) []int8 {
	nt := len(net.Spec.Types)
	count := make([][2]int, nt) // edges with sign -1, +1
	for _, pr := range net.Pairs {
		if pr.Sign > 0 {
			count[pr.Source][1] += pr.Edges
		} else {
			count[pr.Source][0] += pr.Edges
		}
	}
	typeSign := make([]int8, nt)
	for k, c := range count {
		switch {
		case c[1] >= c[0]: // also a type that sends nothing
			typeSign[k] = 1
		default:
			typeSign[k] = -1
		}
	}
	s := make([]int8, len(types))
	for i, t := range types {
		s[i] = typeSign[t]
	}
	return s
}

// Neurons returns the number of neurons.
func (net *Network) Neurons() int { return len(net.U) }

// TypeNeurons returns the neurons of the named type, TypeStart[k]:
// TypeStart[k+1], as a start and an end; ok is false for an unknown name.
func (net *Network) TypeNeurons(name string) (start, end int, ok bool) {
	k := net.Spec.TypeIndex(name)
	if k < 0 {
		return 0, 0, false
	}
	return net.TypeStart[k], net.TypeStart[k+1], true
}

// MaxOffset returns the largest |du| or |dv| of an edge's column offset:
// the margin of the lattice maps on which Trainable computes (the
// stencil's pad).
func (net *Network) MaxOffset() int {
	m := 0
	for k, s := range net.Edges.Source {
		t := net.Edges.Target[k]
		du, dv := int(net.U[t]-net.U[s]), int(net.V[t]-net.V[s])
		m = max(m, du, -du, dv, -dv)
	}
	return m
}

// PairsAmong returns the indices into Pairs of the pairs whose source
// and target types are both among the named ones (unknown names match
// nothing), in Pairs' order.
func (net *Network) PairsAmong(names ...string) []int {
	var out []int
	for q, pr := range net.Pairs {
		if slices.Contains(names, net.Spec.Types[pr.Source].Name) && slices.Contains(names, net.Spec.Types[pr.Target].Name) {
			out = append(out, q)
		}
	}
	return out
}

// Central returns, for each type, the neuron in the central column (0, 0).
func (net *Network) Central() []int {
	c := make([]int, len(net.Spec.Types))
	for k := range c {
		c[k] = -1
		for i := net.TypeStart[k]; i < net.TypeStart[k+1]; i++ {
			if net.U[i] == 0 && net.V[i] == 0 {
				c[k] = i
				break
			}
		}
	}
	return c
}

// Counts summarises a network's size.
type Counts struct {
	Neurons, Edges, Excitatory, Inhibitory, PairsRealised int
}

// Counts returns the network's neuron, edge and realised-pair counts.
func (net *Network) Counts() Counts {
	c := Counts{Neurons: net.Neurons(), Edges: net.Edges.Len()}
	for _, s := range net.Edges.Sign {
		if s > 0 {
			c.Excitatory++
		} else {
			c.Inhibitory++
		}
	}
	for _, p := range net.Pairs {
		if p.Edges > 0 {
			c.PairsRealised++
		}
	}
	return c
}
