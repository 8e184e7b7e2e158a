package analysis

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/neuropil/neuropil/internal/atomic"
	"github.com/neuropil/neuropil/opticlobe"
	"github.com/neuropil/neuropil/plot"
	"gonum.org/v1/plot/vg"
)

// EnsembleMembers returns the members of a flyvis ensemble directory
// (.../flow/0000 holding 000, 001, ...: every subdirectory with a chkpts
// directory), sorted by name; none for another path.
func EnsembleMembers(dir string) []string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		p := filepath.Join(dir, e.Name())
		if st, err := os.Stat(filepath.Join(p, "chkpts")); e.IsDir() && err == nil && st.IsDir() {
			out = append(out, p)
		}
	}
	return out
}

// flashEnsemble runs Flash for every member, writes each member's files
// into out/NAME and the ensemble's FRIs into out/fri_ensemble.csv and
// out/fri_ensemble.png.
func flashEnsemble(net *opticlobe.Network, members []string, j Job) ([]string, error) {
	var written []string
	var fris [][][]float64 // [members][radii][types]
	var res *FlashResult
	for _, m := range members {
		p, err := opticlobe.LoadParams(net, j.memberParams(m))
		if err != nil {
			return written, fmt.Errorf("--params: %w", err)
		}
		r, err := Flash(net, FlashSettings{Params: &p, Workers: j.Workers})
		if err != nil {
			return written, err
		}
		j.warn("flash", j.memberParams(m), r.Warnings)
		if written, err = writeMember(j.Out, m, r.Write, written); err != nil {
			return written, err
		}
		fris, res = append(fris, r.FRI), r
	}
	names := make([]string, len(members))
	for i, m := range members {
		names[i] = filepath.Base(m)
	}
	p := filepath.Join(j.Out, "fri_ensemble.csv")
	if err := atomic.WriteFile(p, func(w io.Writer) error { return writeEnsembleFRI(w, res, names, fris) }); err != nil {
		return written, err
	}
	written = append(written, p)
	p = filepath.Join(j.Out, "fri_ensemble.png")
	if err := plotEnsembleFRI(p, res, fris); err != nil {
		return written, err
	}
	return append(written, p), nil
}

// writeMember writes a member's files with write into out/NAME (NAME the
// member directory's base name), appending their paths to written.
func writeMember(out, member string, write func(dir string) ([]string, error), written []string) ([]string, error) {
	dir := filepath.Join(out, filepath.Base(member))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return written, err
	}
	w, err := write(dir)
	return append(written, w...), err
}

// Quantile is numpy's default (linear) quantile q in [0, 1] of x.
func Quantile(x []float64, q float64) float64 {
	s := slices.Clone(x)
	slices.Sort(s)
	pos := q * float64(len(s)-1)
	i := int(pos)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (pos-float64(i))*(s[i+1]-s[i])
}

// column returns the FRI of type k for radius ri over the members.
func column(fris [][][]float64, ri, k int) []float64 {
	x := make([]float64, len(fris))
	for m := range fris {
		x[m] = fris[m][ri][k]
	}
	return x
}

// writeEnsembleFRI writes cell_type, then per radius R the median, q25,
// q75 over the members and each member's FRI (fri_radius_R_NAME).
func writeEnsembleFRI(w io.Writer, r *FlashResult, names []string, fris [][][]float64) error {
	b := []byte("cell_type")
	for _, rad := range r.Radii {
		R := strconv.Itoa(rad)
		b = append(b, ",median_radius_"+R+",q25_radius_"+R+",q75_radius_"+R...)
		for _, n := range names {
			b = append(b, ",fri_radius_"+R+"_"+n...)
		}
	}
	b = append(b, '\n')
	for k, name := range r.Types {
		b = append(b, name...)
		for ri := range r.Radii {
			x := column(fris, ri, k)
			for _, v := range append([]float64{Quantile(x, 0.5), Quantile(x, 0.25), Quantile(x, 0.75)}, x...) {
				b = append(b, ',')
				b = strconv.AppendFloat(b, v, 'g', -1, 64)
			}
		}
		b = append(b, '\n')
	}
	_, err := w.Write(b)
	return err
}

// plotEnsembleFRI draws each member's full-field FRIs as points and the
// median as a line.
func plotEnsembleFRI(path string, r *FlashResult, fris [][][]float64) error {
	var series []plot.Series
	med := plot.Series{Label: "median"}
	for k := range r.Types {
		x := column(fris, 0, k)
		med.X, med.Y = append(med.X, float64(k)), append(med.Y, Quantile(x, 0.5))
	}
	series = append(series, med)
	for m := range fris {
		s := plot.Series{Marker: true}
		for k := range r.Types {
			s.X, s.Y = append(s.X, float64(k)), append(s.Y, fris[m][0][k])
		}
		series = append(series, s)
	}
	title := fmt.Sprintf("flash response index, radius %d: %d members and their median", r.Radii[0], len(fris))
	return plot.Lines(path, title, "cell type (index as in fri_ensemble.csv)", "FRI", series, 10*vg.Inch, 4*vg.Inch)
}
