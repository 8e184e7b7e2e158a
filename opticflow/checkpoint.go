package opticflow

import (
	"github.com/neuropil/neuropil/format/pt"
)

// decoderStateDict returns d as flyvis's state dict of DecoderGAVP
// (base.0 the first hexagonal convolution, base.1 its batch norm with
// running statistics and num_batches_tracked, decoder.0 the second
// convolution), the batch norm having seen batches training batches.
func decoderStateDict(d *Decoder[float32], batches int) []pt.Tensor {
	shapes := d.Shapes()
	var ts []pt.Tensor
	add := func(name string, shape []int, v []float32) {
		ts = append(ts, pt.Tensor{Name: name, Shape: shape, Data: append([]float32(nil), v...)})
	}
	for i := range numDecoderParams {
		add(DecoderParamNames[i], shapes[i], d.P[i])
		if i == DBeta {
			add("base.1.running_mean", []int{d.hidden}, d.RunMean)
			add("base.1.running_var", []int{d.hidden}, d.RunVar)
			ts = append(ts, pt.Tensor{Name: "base.1.num_batches_tracked", Shape: []int{}, Int: []int32{int32(min(batches, 1<<31-1))}})
		}
	}
	return ts
}
