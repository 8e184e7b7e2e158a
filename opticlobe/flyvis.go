package opticlobe

import (
	"fmt"
	"math"
)

// The entries of a flyvis Network's state dict, in its order (the
// registration order of flyvis's default node and edge configs).
const (
	FlyvisBias        = "nodes_bias"         // [types] resting potential, raw = value
	FlyvisTimeConst   = "nodes_time_const"   // [types] time constant, s, raw = value; max(tau, dt) in use
	FlyvisSign        = "edges_sign"         // [pair groups] ±1, fixed
	FlyvisSynCount    = "edges_syn_count"    // [count groups] log(n_syn), fixed; exp in use
	FlyvisSynStrength = "edges_syn_strength" // [pair groups] strength, raw; clamped at 0 in use
)

// flyvisNames are the state dict's entries in order.
var flyvisNames = [...]string{FlyvisBias, FlyvisTimeConst, FlyvisSign, FlyvisSynCount, FlyvisSynStrength}

// FlyvisGroups are flyvis's parameter groups over a Network. flyvis
// numbers the groups of a parameter by first appearance in its table
// (pandas groupby with sort=False): cell types in neuron order (the
// spec's type order), (source type, target type) pairs in edge order (the
// spec's order of the pairs with at least one edge), and (source type,
// target type, dv, du) in edge order (each pair's offsets in the order of
// the edges, for the offsets with at least one edge).
type FlyvisGroups struct {
	Pair      []int   // [pair groups] the Network pair of each edges_sign and edges_syn_strength entry
	PairGroup []int32 // [pairs] pair group of each pair, -1 for a pair without edges
	Count     []int32 // [edges] edges_syn_count group of each edge
	CountEdge []int   // [count groups] first edge of each count group
}

// FlyvisGroups enumerates net's flyvis parameter groups.
func (net *Network) FlyvisGroups() *FlyvisGroups {
	e := &net.Edges
	g := &FlyvisGroups{PairGroup: make([]int32, len(net.Pairs)), Count: make([]int32, e.Len())}
	for i := range g.PairGroup {
		g.PairGroup[i] = -1
	}
	type key struct{ pair, du, dv int32 }
	count := map[key]int32{}
	for k := range e.Source {
		p := e.Pair[k]
		if g.PairGroup[p] < 0 {
			g.PairGroup[p] = int32(len(g.Pair))
			g.Pair = append(g.Pair, int(p))
		}
		s, t := e.Source[k], e.Target[k]
		kk := key{p, net.U[t] - net.U[s], net.V[t] - net.V[s]}
		c, ok := count[kk]
		if !ok {
			c = int32(len(g.CountEdge))
			count[kk] = c
			g.CountEdge = append(g.CountEdge, k)
		}
		g.Count[k] = c
	}
	return g
}

// Flyvis is a flyvis Network's parameters in the storage of its state
// dict: raw values, before the transforms and clamps of flyvis's forward
// pass. A value reaches the network as
//
//	neuron i of type T:  Vrest_i = Bias[T], tau_i = max(TimeConst[T], dt)
//	edge e of pair group g and count group c:
//	    w_e = Sign[g] · exp(SynCount[c]) · max(SynStrength[g], 0)
//
// (float32 products in this order, as flyvis computes them).
type Flyvis struct {
	Bias, TimeConst   []float32 // [types]
	Sign, SynStrength []float32 // [pair groups]
	SynCount          []float32 // [count groups] log of the synapse count
}

// values returns the entries in state dict order.
func (f *Flyvis) values() [len(flyvisNames)]*[]float32 {
	return [...]*[]float32{&f.Bias, &f.TimeConst, &f.Sign, &f.SynCount, &f.SynStrength}
}

// shapes returns the length of each entry for net, in state dict order.
func (g *FlyvisGroups) shapes(net *Network) [len(flyvisNames)]int {
	nt := len(net.Spec.Types)
	return [...]int{nt, nt, len(g.Pair), len(g.CountEdge), len(g.Pair)}
}

// Check returns an error naming the first entry of f whose length does
// not fit net's groups, or that holds a value that is not finite.
func (f *Flyvis) Check(g *FlyvisGroups, net *Network) error {
	want := g.shapes(net)
	for i, v := range f.values() {
		if len(*v) != want[i] {
			return fmt.Errorf("opticlobe: flyvis parameter %s has %d values, want %d for this network", flyvisNames[i], len(*v), want[i])
		}
		for k, x := range *v {
			if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
				return fmt.Errorf("opticlobe: flyvis parameter %s[%d] is %v", flyvisNames[i], k, x)
			}
		}
	}
	return nil
}

// Params maps f onto neuropil's Params value for value: Vrest = Bias,
// Tau = TimeConst (the max with dt is Simulate's, which knows the step),
// Strength[pair] = max(SynStrength[group], 0) (0 for a pair without
// edges), and Coef[e] = Sign[g] · exp(SynCount[c]) per edge. It returns an
// error as Check does.
func (f *Flyvis) Params(g *FlyvisGroups, net *Network) (Params, error) {
	if err := f.Check(g, net); err != nil {
		return Params{}, err
	}
	p := Params{Vrest: append([]float32(nil), f.Bias...), Tau: append([]float32(nil), f.TimeConst...),
		Strength: make([]float32, len(net.Pairs)), Coef: make([]float32, net.Edges.Len())}
	for i, pg := range g.PairGroup {
		if pg >= 0 {
			p.Strength[i] = max(f.SynStrength[pg], 0)
		}
	}
	count := make([]float32, len(f.SynCount))
	for c, x := range f.SynCount {
		count[c] = float32(math.Exp(float64(x)))
	}
	for k, c := range g.Count {
		p.Coef[k] = f.Sign[g.PairGroup[net.Edges.Pair[k]]] * count[c]
	}
	return p, nil
}

// FlyvisOf returns p in flyvis's storage: Bias = Vrest, TimeConst = Tau,
// SynStrength per pair group, Sign the pair's sign and SynCount the log of
// the group's synapse count, from p.Coef when set (|Coef|, its sign the
// sign) and else from the network (log of the offset's n_syn). It panics
// if p does not fit net (see Params.Validate).
func FlyvisOf(p Params, g *FlyvisGroups, net *Network) *Flyvis {
	if len(p.Vrest) != len(net.Spec.Types) || len(p.Tau) != len(p.Vrest) || len(p.Strength) != len(net.Pairs) {
		panic("opticlobe: FlyvisOf: params do not fit the network")
	}
	f := &Flyvis{Bias: append([]float32(nil), p.Vrest...), TimeConst: append([]float32(nil), p.Tau...),
		Sign: make([]float32, len(g.Pair)), SynStrength: make([]float32, len(g.Pair)), SynCount: make([]float32, len(g.CountEdge))}
	for i, pr := range g.Pair {
		f.Sign[i] = float32(net.Pairs[pr].Sign)
		f.SynStrength[i] = p.Strength[pr]
	}
	for c, k := range g.CountEdge {
		n := float64(net.Edges.NSyn[k])
		if p.Coef != nil {
			n = math.Abs(float64(p.Coef[k]))
			f.Sign[g.PairGroup[net.Edges.Pair[k]]] = float32(math.Copysign(1, float64(p.Coef[k])))
		}
		f.SynCount[c] = float32(math.Log(n))
	}
	return f
}
