package opticlobe

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/neuropil/neuropil/format/npy"
	"github.com/neuropil/neuropil/format/pt"
)

// maxParamsFile bounds the size of a parameter file read whole (a flyvis
// checkpoint of the default network is about 100 KB with its optimiser).
const maxParamsFile = 256 << 20

// LoadParams reads the parameters of net from path: a flyvis checkpoint
// (torch.save of a dict whose "network" entry is the Network's state
// dict; the rest, decoder, optimiser, numpy scalars, is unpickled under
// package pt's allow-list and ignored), a bare state dict
// (torch.save(network.state_dict())), a flyvis network directory (the
// checkpoint ChooseCheckpoint picks: by default the best, as flyvis's
// NetworkView; DIR@latest, DIR@N choose another), or neuropil's own .npz with the same five arrays. Missing entries, wrong
// shapes and globals outside the allow-list are errors naming them.
func LoadParams(net *Network, path string) (Params, error) {
	g := net.FlyvisGroups()
	f, err := ReadFlyvis(path)
	if err != nil {
		return Params{}, err
	}
	p, err := f.Params(g, net)
	if err != nil {
		return Params{}, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// ReadFlyvis reads a flyvis state dict from a checkpoint, a network
// directory or an .npz (see LoadParams), without checking its shapes.
func ReadFlyvis(path string) (*Flyvis, error) {
	path, which := SplitParams(path)
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		if path, err = ChooseCheckpoint(path, which); err != nil {
			return nil, err
		}
		if st, err = os.Stat(path); err != nil {
			return nil, err
		}
	} else if which != "" {
		return nil, fmt.Errorf("opticlobe: %s@%s: a checkpoint is chosen in a network directory, and %s is a file", path, which, path)
	}
	if st.Size() > maxParamsFile {
		return nil, fmt.Errorf("opticlobe: %s: %d bytes, more than a parameter file holds (%d)", path, st.Size(), maxParamsFile)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var named map[string][]float32
	if strings.EqualFold(filepath.Ext(path), ".npz") {
		named, err = readNPZArrays(b)
	} else {
		named, err = readCheckpoint(b)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f := &Flyvis{}
	for i, v := range f.values() {
		x, ok := named[flyvisNames[i]]
		if !ok {
			return nil, fmt.Errorf("%s: no entry %q (a flyvis Network state dict has %s)", path, flyvisNames[i], strings.Join(flyvisNames[:], ", "))
		}
		*v = x
	}
	return f, nil
}

// readCheckpoint returns the one-dimensional float entries of a
// checkpoint's "network" state dict by name.
func readCheckpoint(b []byte) (map[string][]float32, error) {
	ts, err := pt.DecodeStateDictIn(bytes.NewReader(b), int64(len(b)), "network")
	if err != nil && strings.Contains(err.Error(), `no entry "network"`) {
		// A bare state dict (torch.save(network.state_dict())).
		ts, err = pt.DecodeStateDictIn(bytes.NewReader(b), int64(len(b)), "")
	}
	if err != nil {
		return nil, err
	}
	out := map[string][]float32{}
	for _, t := range ts {
		if t.Sparse != nil || t.Int != nil || len(t.Shape) != 1 {
			return nil, fmt.Errorf("network entry %q: shape %v, want one float dimension", t.Name, t.Shape)
		}
		out[t.Name] = t.Data
	}
	return out, nil
}

// readNPZArrays returns the one-dimensional float arrays of an .npz.
func readNPZArrays(b []byte) (map[string][]float32, error) {
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return nil, err
	}
	out := map[string][]float32{}
	for _, zf := range z.File {
		name := strings.TrimSuffix(zf.Name, ".npy")
		if zf.UncompressedSize64 > maxParamsFile {
			return nil, fmt.Errorf("array %q: %d bytes", name, zf.UncompressedSize64)
		}
		r, err := zf.Open()
		if err != nil {
			return nil, err
		}
		a, err := npy.Read(io.LimitReader(r, maxParamsFile))
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("array %q: %w", name, err)
		}
		x, ok := a.Data.([]float32)
		if !ok || len(a.Shape) != 1 {
			return nil, fmt.Errorf("array %q: %s of shape %v, want float32 of one dimension", name, a.DType, a.Shape)
		}
		out[name] = x
	}
	return out, nil
}

// SaveParams writes p as a flyvis state dict: an .npz of the five arrays
// (float32, flyvis's names) for a path ending in .npz, and otherwise a
// flyvis checkpoint, {"network": state dict, "decoder": {}, "optim": {},
// "time", "val_loss" (NaN: unknown), "iteration": 0, "dt"}, which
// torch.load(weights_only=True) accepts (val_loss and dt as 0-dimensional
// float64 tensors) and whose "network" flyvis's Network.load_state_dict
// takes. Values are those of p: strengths read from flyvis are already
// clamped at 0 (as flyvis's own forward pass leaves them), and
// edges_syn_count is log|Coef| in float32 (within 1e-7 of what was read).
func SaveParams(net *Network, p Params, path string, dt float64) error {
	return SaveCheckpoint(net, p, path, CheckpointInfo{DT: dt, ValLoss: math.NaN()})
}

// CheckpointInfo is what a flyvis checkpoint holds beside the network's
// parameters.
type CheckpointInfo struct {
	DT        float64   // s: the integration step of the run
	ValLoss   float64   // the validation loss (NaN: unknown), by which ChooseCheckpoint picks the best
	Iteration int       // the training iteration
	Decoder   []pt.Item // {task: the decoder's state dict}, as flyvis's {"flow": DecoderGAVP.state_dict()}; nil: {}
}

// SaveCheckpoint writes p as SaveParams does, with info's entries (an
// .npz path holds the parameters alone).
func SaveCheckpoint(net *Network, p Params, path string, info CheckpointInfo) error {
	if err := p.Validate(net); err != nil {
		return err
	}
	f := FlyvisOf(p, net.FlyvisGroups(), net)
	vals := f.values()
	if strings.EqualFold(filepath.Ext(path), ".npz") {
		return create(path, func(w io.Writer) error {
			z := npy.NewNPZWriter(w)
			for i, v := range vals {
				if err := z.Add(flyvisNames[i], []int{len(*v)}, *v); err != nil {
					return err
				}
			}
			return z.Close()
		})
	}
	ts := make([]pt.Tensor, len(vals))
	for i, v := range vals {
		ts[i] = pt.Tensor{Name: flyvisNames[i], Shape: []int{len(*v)}, Data: *v}
	}
	var dec any
	if info.Decoder != nil {
		dec = info.Decoder
	}
	items := []pt.Item{{Name: "decoder", Value: dec}, {Name: "optim"}, {Name: "time", Value: time.Now().Format(time.ANSIC)},
		{Name: "val_loss", Value: info.ValLoss}, {Name: "iteration", Value: info.Iteration}, {Name: "dt", Value: info.DT}}
	return create(path, func(w io.Writer) error { return pt.EncodeCheckpoint(w, "network", ts, items) })
}
