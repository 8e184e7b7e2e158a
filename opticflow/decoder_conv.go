package opticflow

import "github.com/neuropil/neuropil/internal/team"

// The hexagonal convolutions run on padded maps: each (side)×(side) map is
// copied into the middle of a ps×ps map, ps = side + kernel − 1, whose
// border of kernel/2 rows and columns is zero, so that a tap is one flat
// offset (tap.off) and every tap's loop is one contiguous run over the
// rows of the map, [r·ps, (r+side)·ps), r = kernel/2, border columns
// included: those read zeros (or write values that are never read back).
// The sums are taken in the same order as on the unpadded maps, adding
// zeros where a tap falls off the map.

// convScratch is one part's padded maps and gradients.
type convScratch[T any] struct {
	in, g, gin, out []T // [channels][ps·ps] padded input, output gradient, input gradient; [ps·ps] one output
	gw              []T // weight and bias gradients of the part
}

// parts returns the number of parts images are split into and sizes each
// part's scratch for ci input and co output channels and nw weight and
// bias gradients.
func (d *Decoder[T]) parts(n, ci, co, nw int) int {
	parts := min(team.Helpers()+1, n)
	pp := d.ps * d.ps
	size := func(b []T, m int) []T {
		if len(b) < m {
			return make([]T, m) // zero: the borders stay zero
		}
		return b[:m]
	}
	for len(d.scratch) < parts {
		d.scratch = append(d.scratch, convScratch[T]{})
	}
	for p := range parts {
		s := &d.scratch[p]
		s.in, s.g, s.gin = size(s.in, max(ci, co)*pp), size(s.g, co*pp), size(s.gin, max(ci, co)*pp)
		s.out, s.gw = size(s.out, pp), size(s.gw, nw)
	}
	return parts
}

// pad copies the maps [ch][hw] of src into the padded maps [ch][ps·ps] of
// dst, whose borders are zero.
func (d *Decoder[T]) pad(dst, src []T, ch int) {
	r, pp := d.Cfg.Kernel/2, d.ps*d.ps
	for c := range ch {
		for y := range d.side {
			copy(dst[c*pp+(y+r)*d.ps+r:][:d.side], src[c*d.hw+y*d.side:][:d.side])
		}
	}
}

// rows returns the flat range of a padded map's rows of the map.
func (d *Decoder[T]) rows() (lo, hi int) {
	r := d.Cfg.Kernel / 2
	return r * d.ps, (r + d.side) * d.ps
}

// conv writes to dst ([images][co][hw]) the hexagonal convolution of src
// ([images][ci][hw]) with w ([co][ci][k][k]), plus bias b ([co]).
func (d *Decoder[T]) conv(dst, src, w, b []T, n, ci, co int) {
	parts := d.parts(n, ci, co, 0)
	team.For(parts, 1, func(p0, p1 int) {
		for p := p0; p < p1; p++ {
			d.convImages(&d.scratch[p], dst, src, w, b, n*p/parts, n*(p+1)/parts, ci, co)
		}
	})
}

// convImages is conv on images [i0, i1).
func (d *Decoder[T]) convImages(s *convScratch[T], dst, src, w, b []T, i0, i1, ci, co int) {
	kk, pp, r := d.Cfg.Kernel*d.Cfg.Kernel, d.ps*d.ps, d.Cfg.Kernel/2
	lo, hi := d.rows()
	out := s.out[lo:hi]
	for img := i0; img < i1; img++ {
		d.pad(s.in, src[img*ci*d.hw:], ci)
		for o := range co {
			for p := range out {
				out[p] = b[o]
			}
			for i := range ci {
				in := s.in[i*pp:]
				for _, t := range d.taps {
					axpy(out, in[lo+t.off:hi+t.off], w[(o*ci+i)*kk+t.k])
				}
			}
			dm := dst[(img*co+o)*d.hw:]
			for y := range d.side {
				copy(dm[y*d.side:][:d.side], s.out[(y+r)*d.ps+r:][:d.side])
			}
		}
	}
}

// convBack accumulates the gradients of the convolution: gw and gb from
// the output gradient gout and src, and (unless gsrc is nil) gsrc, the
// input gradient, overwritten.
// The images are split into one part per team member, each with its own
// weight gradient, summed in part order afterwards (deterministic for a
// given team size).
func (d *Decoder[T]) convBack(gsrc, gw, gb, gout, src, w []T, n, ci, co int) {
	if gsrc != nil {
		clear(gsrc)
	}
	parts := d.parts(n, ci, co, len(gw)+len(gb))
	team.For(parts, 1, func(p0, p1 int) {
		for p := p0; p < p1; p++ {
			s := &d.scratch[p]
			clear(s.gw)
			d.convBackImages(s, gsrc, s.gw[:len(gw)], s.gw[len(gw):], gout, src, w, n*p/parts, n*(p+1)/parts, ci, co)
		}
	})
	for p := range parts {
		g := d.scratch[p].gw
		for q := range gw {
			gw[q] += g[q]
		}
		for q := range gb {
			gb[q] += g[len(gw)+q]
		}
	}
}

// convBackImages is convBack on images [i0, i1) (gsrc already cleared).
func (d *Decoder[T]) convBackImages(s *convScratch[T], gsrc, gw, gb, gout, src, w []T, i0, i1, ci, co int) {
	kk, pp, r := d.Cfg.Kernel*d.Cfg.Kernel, d.ps*d.ps, d.Cfg.Kernel/2
	lo, hi := d.rows()
	for img := i0; img < i1; img++ {
		d.pad(s.in, src[img*ci*d.hw:], ci)
		d.pad(s.g, gout[img*co*d.hw:], co)
		if gsrc != nil {
			clear(s.gin[:ci*pp])
		}
		for o := range co {
			var sb T
			for _, v := range gout[(img*co+o)*d.hw : (img*co+o+1)*d.hw] {
				sb += v
			}
			gb[o] += sb
			g := s.g[o*pp+lo : o*pp+hi]
			for i := range ci {
				in, gi := s.in[i*pp:], s.gin[i*pp:]
				for _, t := range d.taps {
					q := (o*ci+i)*kk + t.k
					gw[q] += dot(g, in[lo+t.off:hi+t.off])
					if gsrc != nil {
						axpy(gi[lo+t.off:hi+t.off], g, w[q])
					}
				}
			}
		}
		if gsrc == nil {
			continue
		}
		for i := range ci {
			gm, gi := gsrc[(img*ci+i)*d.hw:], s.gin[i*pp:]
			for y := range d.side {
				row := gm[y*d.side:][:d.side]
				for x, v := range gi[(y+r)*d.ps+r:][:d.side] {
					row[x] += v
				}
			}
		}
	}
}
