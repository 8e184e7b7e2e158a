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

// convScratch is one part's padded maps, gradients and tap lists.
type convScratch[T any] struct {
	in, g, out []T   // [channels][ps·ps] padded input and output gradient; [2][ps·ps] two output rows
	gw         []T   // weight and bias gradients of the part
	w          []T   // [channels·taps][2] two outputs' weights, as convTapsPair reads them
	offs       []int // [channels·taps] the taps' offsets, as convTapsPair reads them; then [taps] dotTaps's
	sums       []T   // [taps] dotTaps's sums
}

// parts returns the number of parts images are split into and sizes each
// part's scratch for ci input and co output channels and nw weight and
// bias gradients.
func (d *Decoder[T]) parts(n, ci, co, nw int) int {
	parts := min(team.Helpers()+1, n)
	pp, nc := d.ps*d.ps, max(ci, co)
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
		s.in, s.g, s.out, s.gw, s.w = size(s.in, nc*pp), size(s.g, co*pp), size(s.out, 2*pp), size(s.gw, nw), size(s.w, 2*nc*len(d.taps))
		if len(s.offs) < (nc+1)*len(d.taps) {
			s.offs = make([]int, (nc+1)*len(d.taps))
		}
		s.sums = size(s.sums, len(d.taps))
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

// unpad adds (add) or copies the map's part of the row range [lo, hi) of
// a padded map, src, to the map dst [hw].
func (d *Decoder[T]) unpad(dst, src []T, add bool) {
	r := d.Cfg.Kernel / 2
	for y := range d.side {
		row, in := dst[y*d.side:][:d.side], src[y*d.ps+r:][:d.side]
		if !add {
			copy(row, in)
			continue
		}
		for x, v := range in {
			row[x] += v
		}
	}
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

// convImages is conv on images [i0, i1): each output row is the bias plus
// the taps of every input channel, two outputs at a time (rowPair).
func (d *Decoder[T]) convImages(s *convScratch[T], dst, src, w, b []T, i0, i1, ci, co int) {
	kk, pp, nt := d.Cfg.Kernel*d.Cfg.Kernel, d.ps*d.ps, len(d.taps)
	lo, _ := d.rows()
	offs := s.offs[:ci*nt]
	for i := range ci {
		for j, t := range d.taps {
			offs[i*nt+j] = i*pp + lo + t.off
		}
	}
	for img := i0; img < i1; img++ {
		d.pad(s.in, src[img*ci*d.hw:], ci)
		for o := 0; o < co; o += 2 {
			pair := min(co-o, 2)
			d.rowPair(s, s.in[:ci*pp], offs, ci, pair, func(k int) T { return b[o+k] },
				func(k, i int, t tap) T { return w[((o+k)*ci+i)*kk+t.k] })
			for k := range pair {
				d.unpad(dst[(img*co+o+k)*d.hw:], s.out[k*pp:], false)
			}
		}
	}
}

// rowPair computes the padded rows [lo, hi) s.out[0] and s.out[1] of two
// outputs (of one where pair is 1: the second row is then computed with
// zero weights and not read), each init(k) plus the sum over channels
// c < nc and taps t of weight(k, c, t) times in at offs[c·taps + t].
func (d *Decoder[T]) rowPair(s *convScratch[T], in []T, offs []int, nc, pair int, init func(k int) T, weight func(k, c int, t tap) T) {
	pp, nt := d.ps*d.ps, len(d.taps)
	lo, hi := d.rows()
	wl := s.w[:2*nc*nt]
	for k := range 2 {
		var v T
		if k < pair {
			v = init(k)
		}
		row := s.out[k*pp:][:hi-lo]
		for p := range row {
			row[p] = v
		}
		for c := range nc {
			for j, t := range d.taps {
				wl[2*(c*nt+j)+k] = 0
				if k < pair {
					wl[2*(c*nt+j)+k] = weight(k, c, t)
				}
			}
		}
	}
	convTapsPair(s.out[:hi-lo], s.out[pp:][:hi-lo], in, offs, wl)
}

// convBack accumulates the gradients of the convolution: gw and gb from
// the output gradient gout and src, and (unless gsrc is nil) gsrc, the
// input gradient, overwritten.
// The images are split into one part per team member, each with its own
// weight gradient, summed in part order afterwards (deterministic for a
// given team size).
func (d *Decoder[T]) convBack(gsrc, gw, gb, gout, src, w []T, n, ci, co int) {
	parts := d.parts(n, ci, co, len(gw)+len(gb))
	team.For(parts, 1, func(p0, p1 int) {
		for p := p0; p < p1; p++ {
			s := &d.scratch[p]
			clear(s.gw)
			if gsrc != nil { // the part's images of the input gradient
				clear(gsrc[n*p/parts*ci*d.hw : n*(p+1)/parts*ci*d.hw])
			}
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

// convBackImages is convBack on images [i0, i1) (gsrc already cleared):
// the weight gradients are dot products of the output gradient with the
// shifted inputs (dotTaps), the input gradient the convolution of the output
// gradient with the taps mirrored (rowPair at the negated offsets).
func (d *Decoder[T]) convBackImages(s *convScratch[T], gsrc, gw, gb, gout, src, w []T, i0, i1, ci, co int) {
	kk, pp, nt := d.Cfg.Kernel*d.Cfg.Kernel, d.ps*d.ps, len(d.taps)
	lo, hi := d.rows()
	offs := s.offs[:co*nt]
	doffs, sums := s.offs[co*nt:][:nt], s.sums[:nt]
	for j, t := range d.taps {
		doffs[j] = lo + t.off
		for o := range co {
			offs[o*nt+j] = o*pp + lo - t.off
		}
	}
	for img := i0; img < i1; img++ {
		d.pad(s.in, src[img*ci*d.hw:], ci)
		d.pad(s.g, gout[img*co*d.hw:], co)
		for o := range co {
			var sb T
			for _, v := range gout[(img*co+o)*d.hw : (img*co+o+1)*d.hw] {
				sb += v
			}
			gb[o] += sb
			g := s.g[o*pp+lo : o*pp+hi]
			for i := range ci {
				clear(sums)
				dotTaps(sums, g, s.in[i*pp:(i+1)*pp], doffs)
				for j, t := range d.taps {
					gw[(o*ci+i)*kk+t.k] += sums[j]
				}
			}
		}
		if gsrc == nil {
			continue
		}
		for i := 0; i < ci; i += 2 {
			pair := min(ci-i, 2)
			d.rowPair(s, s.g[:co*pp], offs, co, pair, func(int) T { return 0 },
				func(k, o int, t tap) T { return w[(o*ci+i+k)*kk+t.k] })
			for k := range pair {
				d.unpad(gsrc[(img*ci+i+k)*d.hw:], s.out[k*pp:], true)
			}
		}
	}
}
