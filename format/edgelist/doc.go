// Package edgelist reads and writes connectomes as CSV or TSV edge lists
// with a header row, such as FlyWire's connections.csv (columns
// pre_root_id, post_root_id, neuropil, syn_count, nt_type; one row per
// pair and neuropil) or neuPrint's traced-total-connections.csv
// (bodyId_pre, bodyId_post, weight).
//
// Layout: UTF-8 text, optionally gzip-compressed (detected from the magic
// bytes 1f 8b); the first row names the columns; every row has as many
// fields as the header. Neuron ids are 64-bit signed integers. Rows of
// the same (pre, post) pair are summed. The distinct ids, sorted
// ascending, become neurons 0..N-1 (Connectome.IDs maps back), and the
// weight of pre → post is W[post, pre].
//
// Signs: with Options.Sign naming a column (e.g. nt_type), each neuron's
// presynaptic sign is inhibitory (-1) when the synapses it makes with an
// inhibitory value (Options.Inhibitory, default GABA and GLUT, or a
// negative number) outnumber the rest, excitatory (+1) otherwise; a
// neuron that makes no synapses is excitatory.
//
// Floods: gzip text may inflate at most 100-fold (beyond its first MiB),
// a line may hold at most 1 MiB, and the rows read so far must fit the
// memory budget (internal/budget, --max-memory, about 72 bytes a row);
// past any bound the reader stops with an error.
package edgelist
