// Package parquet reads and writes the parquet files of Shiu et al.'s
// whole-brain LIF model (github.com/philshiu/Drosophila_brain_model):
//
//	Connectivity_783.parquet   one row per connection (pre, post): int64 columns
//	                           Presynaptic_ID, Postsynaptic_ID, Presynaptic_Index,
//	                           Postsynaptic_Index, Connectivity, Excitatory,
//	                           "Excitatory x Connectivity" (the signed synapse count)
//	Completeness_783.csv       the neuron table: FlyWire id in the first column,
//	                           row order = neuron index (Brian2's index)
//	spikes.parquet             one row per spike: t (double, seconds), trial (int64),
//	                           flywire_id (int64), exp_name (string), all optional
//	                           columns as pandas/pyarrow write them
//
// Only Presynaptic_Index, Postsynaptic_Index and "Excitatory x Connectivity"
// are read; rows may come in any order, columns may be required or
// optional (without nulls), INT32 or INT64, in any compression and
// encoding that github.com/parquet-go/parquet-go decodes. The reader
// streams one page at a time and makes two passes over the index column
// (counting, then filling), so that its peak memory is the CSR it returns
// plus a few pages.
//
// Errors are *Error values naming the file, and the column and row where
// there is one.
package parquet
