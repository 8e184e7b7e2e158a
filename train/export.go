package train

import (
	"io"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/format/pt"
)

// ExportNPZ writes the model's parameters as a NumPy .npz archive: dense
// parameters as arrays named as in paramNames, and each sparse matrix
// (hh, ih, and out with an output projection) in the layout of
// scipy.sparse.save_npz under a prefix
// ("hh/data.npy", "hh/indices.npy", "hh/indptr.npy", "hh/shape.npy"), so
// that
// scipy.sparse.csr_matrix((z["hh/data"], z["hh/indices"], z["hh/indptr"]), shape=z["hh/shape"])
// rebuilds it. tau is per neuron (or per type, with "neuron_type").
func ExportNPZ(w io.Writer, m *Model) error {
	z := npy.NewNPZWriter(w)
	if err := z.AddCSR("hh", m.W); err != nil {
		return err
	}
	if err := z.AddCSR("ih", m.Input); err != nil {
		return err
	}
	type array struct {
		name  string
		shape []int
		v     []float32
	}
	dense := []array{
		{"bias", []int{len(m.Bias)}, m.Bias}, {"tau", []int{len(m.Tau)}, m.Tau},
		{"fc1.weight", []int{m.Hidden, m.Outputs}, m.FC1}, {"fc1.bias", []int{m.Hidden}, m.B1},
		{"fc2.weight", []int{m.Classes, m.Hidden}, m.FC2}, {"fc2.bias", []int{m.Classes}, m.B2},
	}
	if m.OutputProjection {
		if err := z.AddCSR("out", m.Out); err != nil {
			return err
		}
		dense = append(dense, array{"out.bias", []int{len(m.OutBias)}, m.OutBias})
	} else if err := z.Add("output_neurons", []int{m.Outputs}, outputNeurons(m)); err != nil {
		return err
	}
	for _, d := range dense {
		if err := z.Add(d.name, d.shape, d.v); err != nil {
			return err
		}
	}
	if m.Dale {
		s := make([]int32, len(m.Sign))
		for i, v := range m.Sign {
			s[i] = int32(v)
		}
		if err := z.Add("sign", []int{len(s)}, s); err != nil {
			return err
		}
	}
	if m.NeuronType != nil {
		if err := z.Add("neuron_type", []int{len(m.NeuronType)}, m.NeuronType); err != nil {
			return err
		}
	}
	return z.Close()
}

// ExportPT writes the model's parameters as a PyTorch state dict (the zip
// format of torch.save), an OrderedDict by the names of paramNames, in
// that order, with the shapes of ExportNPZ: hh.weight [neurons][neurons],
// ih.weight [neurons][inputs] and out.weight [outputs][neurons] as
// coalesced sparse COO float32 tensors, the dense parameters as float32
// tensors, then sign (int32, with Dale), neuron_type (int32, when tau is
// per type) and, without an output projection, output_neurons (int32,
// the neuron each output reads) instead of out.weight and out.bias.
// torch.load(f, weights_only=True) reads it.
func ExportPT(w io.Writer, m *Model) error {
	return pt.EncodeStateDict(w, stateDict(m))
}

// stateDict lists the model's parameters as ExportPT writes them.
func stateDict(m *Model) []pt.Tensor {
	vec := func(name string, v []float32) pt.Tensor {
		return pt.Tensor{Name: name, Shape: []int{len(v)}, Data: v}
	}
	sd := []pt.Tensor{
		{Name: paramNames[PW], Sparse: m.W},
		{Name: paramNames[PInput], Sparse: m.Input},
		vec(paramNames[PBias], m.Bias),
		vec(paramNames[PTau], m.Tau),
	}
	if m.OutputProjection {
		sd = append(sd, pt.Tensor{Name: paramNames[POut], Sparse: m.Out}, vec(paramNames[POutBias], m.OutBias))
	}
	sd = append(sd,
		pt.Tensor{Name: paramNames[PFC1], Shape: []int{m.Hidden, m.Outputs}, Data: m.FC1},
		vec(paramNames[PB1], m.B1),
		pt.Tensor{Name: paramNames[PFC2], Shape: []int{m.Classes, m.Hidden}, Data: m.FC2},
		vec(paramNames[PB2], m.B2))
	if !m.OutputProjection {
		sd = append(sd, pt.Tensor{Name: "output_neurons", Shape: []int{m.Outputs}, Int: outputNeurons(m)})
	}
	if m.Dale {
		s := make([]int32, len(m.Sign))
		for i, v := range m.Sign {
			s[i] = int32(v)
		}
		sd = append(sd, pt.Tensor{Name: "sign", Shape: []int{len(s)}, Int: s})
	}
	if m.NeuronType != nil {
		sd = append(sd, pt.Tensor{Name: "neuron_type", Shape: []int{len(m.NeuronType)}, Int: m.NeuronType})
	}
	return sd
}

// outputNeurons returns the neuron each output reads, [outputs], for a
// model without an output projection (whose out matrix is a selection,
// not a parameter: one 1 per row).
func outputNeurons(m *Model) []int32 {
	idx := make([]int32, m.Out.Rows)
	for r := range idx {
		idx[r] = m.Out.ColIdx[m.Out.RowPtr[r]]
	}
	return idx
}
