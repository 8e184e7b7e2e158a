package opticlobe

import (
	"cmp"
	"slices"
)

// hullRule says which integer points of a convex hull count as inside.
type hullRule int

const (
	// halfOpen is matplotlib's Path.contains_points, the rule flyvis's
	// hull completion uses: the boundary counts on some sides only.
	halfOpen hullRule = iota
	// closed counts every boundary point.
	closed
	// open counts no boundary point.
	open
)

// point is an integer point (x, y) = (du, dv).
type point struct{ x, y int }

// convexHull returns the vertices of the convex hull of pts, counter-
// clockwise, without collinear points (Andrew's monotone chain). Fewer than
// three vertices mean the points span no area.
func convexHull(pts []point) []point {
	p := slices.Clone(pts)
	slices.SortFunc(p, func(a, b point) int {
		if c := cmp.Compare(a.x, b.x); c != 0 {
			return c
		}
		return cmp.Compare(a.y, b.y)
	})
	p = slices.Compact(p)
	if len(p) < 3 {
		return p
	}
	h := make([]point, 0, 2*len(p))
	for _, q := range p { // lower hull
		for len(h) >= 2 && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	lower := len(h) + 1
	for i := len(p) - 2; i >= 0; i-- { // upper hull
		q := p[i]
		for len(h) >= lower && cross(h[len(h)-2], h[len(h)-1], q) <= 0 {
			h = h[:len(h)-1]
		}
		h = append(h, q)
	}
	return h[:len(h)-1]
}

// cross returns the z component of (a→b) × (a→c): positive when c lies to
// the left of a→b.
func cross(a, b, c point) int {
	return (b.x-a.x)*(c.y-a.y) - (b.y-a.y)*(c.x-a.x)
}

// containsHalfOpen reports whether t is inside the closed polygon poly by
// the crossing-number test of matplotlib's point_in_path: for each edge
// v0→v1 whose endpoints lie on different sides of the horizontal line
// through t (a vertex at t's height counts as above), toggle when the edge
// crosses at or to the right of t in the sense
//
//	((v1.y-t.y)*(v0.x-v1.x) >= (v1.x-t.x)*(v0.y-v1.y)) == (v1.y >= t.y)
//
// Integer coordinates make the test exact.
func containsHalfOpen(poly []point, t point) bool {
	in := false
	v0 := poly[len(poly)-1]
	for _, v1 := range poly {
		y0, y1 := v0.y >= t.y, v1.y >= t.y
		if y0 != y1 {
			right := (v1.y-t.y)*(v0.x-v1.x) >= (v1.x-t.x)*(v0.y-v1.y)
			if right == y1 {
				in = !in
			}
		}
		v0 = v1
	}
	return in
}

// containsConvex reports whether t is inside the counter-clockwise convex
// polygon poly, boundary included or not.
func containsConvex(poly []point, t point, boundary bool) bool {
	v0 := poly[len(poly)-1]
	for _, v1 := range poly {
		c := cross(v0, v1, t)
		if c < 0 || (c == 0 && !boundary) {
			return false
		}
		v0 = v1
	}
	return true
}

// completeOffsets returns offsets followed by every integer point inside
// their convex hull (by rule) that is not listed, each with fill synapses,
// in du then dv order. Fewer than 3 offsets, or collinear ones, get
// nothing added.
func completeOffsets(offsets []Offset, rule hullRule, fill float64) []Offset {
	out := slices.Clone(offsets)
	if len(offsets) < 3 {
		return out
	}
	pts := make([]point, len(offsets))
	known := make(map[point]bool, len(offsets))
	lo, hi := point{offsets[0].DU, offsets[0].DV}, point{offsets[0].DU, offsets[0].DV}
	for i, o := range offsets {
		pts[i] = point{o.DU, o.DV}
		known[pts[i]] = true
		lo = point{min(lo.x, o.DU), min(lo.y, o.DV)}
		hi = point{max(hi.x, o.DU), max(hi.y, o.DV)}
	}
	hull := convexHull(pts)
	if len(hull) < 3 {
		return out
	}
	for x := lo.x; x <= hi.x; x++ {
		for y := lo.y; y <= hi.y; y++ {
			t := point{x, y}
			if known[t] {
				continue
			}
			var in bool
			switch rule {
			case halfOpen:
				in = containsHalfOpen(hull, t)
			case closed:
				in = containsConvex(hull, t, true)
			case open:
				in = containsConvex(hull, t, false)
			}
			if in {
				out = append(out, Offset{DU: x, DV: y, NSyn: fill})
			}
		}
	}
	return out
}
