package analysis

import (
	"fmt"
	"io"
	"math"
	"path/filepath"
	"strconv"

	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/opticlobe"
)

// edgeEnsemble runs MovingEdge (settings s) for every member, writes each
// member's files into out/NAME and the ensemble's direction selectivity
// into out/dsi_ensemble.csv and out/tuning_ensemble.png.
func edgeEnsemble(net *opticlobe.Network, members []string, j Job, s EdgeSettings) ([]string, error) {
	var written []string
	var res []*EdgeResult
	names := make([]string, len(members))
	for m, path := range members {
		p, err := opticlobe.LoadParams(net, j.memberParams(path))
		if err != nil {
			return written, fmt.Errorf("--params: %w", err)
		}
		s.Params = &p
		r, err := MovingEdge(net, s)
		if err != nil {
			return written, err
		}
		j.warn("moving-edge", j.memberParams(path), r.Warnings)
		names[m] = filepath.Base(path)
		if written, err = writeMember(j.Out, path, r.Write, written); err != nil {
			return written, err
		}
		res = append(res, r)
	}
	p := filepath.Join(j.Out, "dsi_ensemble.csv")
	if err := atomic.WriteFile(p, func(w io.Writer) error { return writeEnsembleDSI(w, names, res) }); err != nil {
		return written, err
	}
	written = append(written, p)
	p = filepath.Join(j.Out, "tuning_ensemble.png")
	if err := res[0].plotTuning(p, res); err != nil {
		return written, err
	}
	return append(written, p), nil
}

// writeEnsembleDSI writes cell_type, then per intensity (off, on) the
// median, q25 and q75 of the DSI over the members and each member's DSI
// (dsi_off_NAME), then each member's preferred direction in degrees
// (pd_off_NAME, pd_on_NAME).
func writeEnsembleDSI(w io.Writer, names []string, res []*EdgeResult) error {
	b := []byte("cell_type")
	for _, in := range []string{"off", "on"} {
		b = append(b, ",median_dsi_"+in+",q25_dsi_"+in+",q75_dsi_"+in...)
		for _, n := range names {
			b = append(b, ",dsi_"+in+"_"+n...)
		}
	}
	for _, in := range []string{"off", "on"} {
		for _, n := range names {
			b = append(b, ",pd_"+in+"_deg_"+n...)
		}
	}
	b = append(b, '\n')
	for k, name := range res[0].Types {
		b = append(b, name...)
		var row []float64
		for i := range 2 {
			x := make([]float64, len(res))
			for m, r := range res {
				x[m] = r.DSI[k][i]
			}
			row = append(append(row, Quantile(x, 0.5), Quantile(x, 0.25), Quantile(x, 0.75)), x...)
		}
		for i := range 2 {
			for _, r := range res {
				row = append(row, r.PD[k][i]*180/math.Pi)
			}
		}
		for _, v := range row {
			b = append(b, ',')
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
		b = append(b, '\n')
	}
	_, err := w.Write(b)
	return err
}
