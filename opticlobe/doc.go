// Package opticlobe builds the fly optic-lobe network of Lappalainen et al.
// (2024, flyvis) from its compact description, simulates it with the flyvis
// voltage dynamics, and drives it through a model of the fly's eye.
//
// # The description
//
// A spec file (flyvis's "fib25-fib19_v2.2.json") lists cell types, each
// with a pattern saying which columns of a hexagonal lattice it occupies,
// and (source type, target type) pairs, each with a sign and a list of
// hexagonal offsets (du, dv) with average synapse counts. ParseSpec and
// LoadSpec read it; Build expands it into a Network.
//
// # The lattice
//
// Columns are points (u, v) of a hexagonal lattice in oblique coordinates
// with |u| <= extent, |v| <= extent and |u+v| <= extent (721 columns for
// extent 15). The six neighbours of a column are (u±1, v), (u, v±1),
// (u+1, v-1) and (u-1, v+1). A type with stride (su, sv) keeps the columns
// with u % su == 0 and v % sv == 0.
//
// Neurons are numbered type by type in file order; within a type, by u
// ascending, then v ascending. Edges of a pair are numbered offset by offset
// (listed offsets first, then those added by the hull completion, in u then
// v order), then source neuron by source neuron, which is the order flyvis
// produces.
//
// # Hull completion
//
// For a pair with 3 or more offsets, every integer point inside the convex
// hull of the offsets that is not listed is added with 1 synapse. "Inside"
// is the half-open crossing rule of matplotlib's Path.contains_points on
// the hull traversed counter-clockwise (x = du, y = dv): for a convex hull
// this keeps every boundary point except those at the hull's lowest dv (its
// bottom edge or bottom vertex). Collinear offsets span no area and get
// nothing added.
//
// # Weights and dynamics
//
// W[post, pre] = sign · n_syn · strength, with strength shared per type pair
// and initialised to 0.01 / mean(n_syn over the pair's edges). The dynamics
// (flyvis "PPNeuronIGRSynapses") are, per neuron i with type T(i),
//
//	tau_T dV_i/dt = -V_i + Vrest_T + Σ_e w_e relu(V_src(e)) + x_i(t)
//
// with x the input added to the photoreceptors R1–R8. Dynamics evaluates
// this right-hand side over a state laid out [neurons][batch]; Simulate
// integrates it, after relaxing the network to its grey-input steady state.
//
// # Training
//
// Trainable is the same right-hand side as a model.Differentiable with a
// constant input, so that package train trains it like any other model.
// Its parameters carry the names of flyvis's state dict and are shared as
// flyvis shares them: nodes_bias (Vrest) and nodes_time_const (tau) per
// cell type, edges_syn_strength per type pair (every pair of the spec,
// also one without edges, whose gradient is 0), with the network's own
// synapse counts (not a Params.Coef). Unlike flyvis it does not clamp
// strengths at 0 or tau at dt: constraints are the trainer's.
//
// Trainable does not gather edge by edge. The network's synapses are the
// same in every column, so W is a stencil: one term per pair and column
// offset (2,355 terms for the 1,513,231 edges at extent 15), each a
// shifted copy of the source type's relu(V) on a zero-margined square map
// of the lattice. W·relu(V), Wᵀ·u and the strengths' gradient (one dot
// product per term) run over the runs of each type's neurons along the
// lattice's rows, in AVX2/FMA kernels with plain Go twins. The products'
// sums run term after term; TestStencilIsW holds them to the network's
// edges.
//
// # flyvis parameters
//
// A flyvis Network built with the default config has this state dict, in
// this order, all float32 and one-dimensional (Flyvis holds it):
//
//	nodes_bias          [65]   resting potential per cell type, raw = value
//	nodes_time_const    [65]   time constant per cell type, s, raw = value
//	edges_sign          [604]  ±1 per (source type, target type), fixed
//	edges_syn_count     [2355] log(n_syn) per (source type, target type, dv, du), fixed
//	edges_syn_strength  [604]  strength per (source type, target type)
//
// 65 + 65 + 604 = 734 trainable values (bias, time constant, strength).
// Groups are numbered by first appearance (pandas groupby, sort=False):
// cell types in neuron order, which is the spec's type order; type pairs
// in edge order, which is the spec's pair order without the one pair that
// has no edge (605 in the spec, 604 realised); (pair, dv, du) in edge
// order, each pair's offsets as its edges list them, those with at least
// one edge (count the groups with FlyvisGroups; the number above is for
// extent 15). A value reaches the network as flyvis's forward pass uses
// it: neuron i of type T gets Vrest = nodes_bias[T] and tau =
// max(nodes_time_const[T], dt) (the max applies to fixed-step solvers,
// where the step is known); edge e of pair group g and count group c gets
//
//	w_e = edges_sign[g] · exp(edges_syn_count[c]) · max(edges_syn_strength[g], 0)
//
// the clamp at 0 being flyvis's Network.clamp before every forward pass.
// Flyvis.Params maps a state dict onto Params (Vrest, Tau, Strength per
// pair, Coef = sign · exp(syn_count) per edge) and FlyvisOf back.
// LoadParams reads a flyvis checkpoint (chkpts/chkpt_NNNNN, a torch.save
// dict whose "network" is the state dict), a network directory (the
// checkpoint ChooseCheckpoint picks: by default the best, the smallest
// val_loss as flyvis's NetworkView; PATH@latest and PATH@N, SplitParams,
// choose another) or neuropil's .npz of the same arrays; SaveParams and
// SaveCheckpoint (with the validation loss) write either.
//
// # The eye
//
// Eye samples an image onto the lattice's columns like flyvis's BoxEye:
// a kernel×kernel box filter (13 by default) read at pixel offsets
// y = trunc(13(u + v/2)), x = 13v from the image centre, after a bilinear
// resize of images smaller than the 391×391 the lattice spans. LoadImage
// reads PNG and JPEG files, LoadMovie .npy movies.
//
// # Files and plots
//
// SaveConnectome writes W with format.Save (any registered format, .pt as
// the tutorial's connectome, .npz as scipy's); WriteTables writes the
// neuron, edge and pair tables beside it as CSV or .npz. PlotTypes draws
// hexagonal activity maps of chosen cell types, PlotCentral the response of
// the central column of every type over time (package plot/hexplot).
package opticlobe
