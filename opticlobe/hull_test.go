package opticlobe

import (
	"math/rand/v2"
	"testing"
)

// On a counter-clockwise convex hull, the half-open crossing rule equals
// the closed hull minus the points at its lowest y: the property the
// package documentation states and TestBuildHullRules relies on.
func TestHalfOpenIsClosedMinusBottom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for trial := 0; trial < 2000; trial++ {
		n := 3 + r.IntN(8)
		pts := make([]point, n)
		for i := range pts {
			pts[i] = point{r.IntN(9) - 4, r.IntN(9) - 4}
		}
		hull := convexHull(pts)
		if len(hull) < 3 {
			continue
		}
		ymin := hull[0].y
		for _, v := range hull {
			ymin = min(ymin, v.y)
		}
		for x := -5; x <= 5; x++ {
			for y := -5; y <= 5; y++ {
				tp := point{x, y}
				want := containsConvex(hull, tp, true) && y != ymin
				if got := containsHalfOpen(hull, tp); got != want {
					t.Fatalf("hull %v, point %v: half-open %v, closed-minus-bottom %v", hull, tp, got, want)
				}
			}
		}
	}
}

func TestConvexHull(t *testing.T) {
	// Collinear points span no area.
	if h := convexHull([]point{{0, 0}, {1, 1}, {2, 2}, {3, 3}}); len(h) != 2 {
		t.Errorf("collinear hull %v", h)
	}
	// A square with points on its edges and inside: four vertices,
	// counter-clockwise from the lowest-leftmost.
	h := convexHull([]point{{0, 0}, {2, 0}, {1, 0}, {2, 2}, {0, 2}, {1, 1}, {0, 1}})
	want := []point{{0, 0}, {2, 0}, {2, 2}, {0, 2}}
	if len(h) != len(want) {
		t.Fatalf("hull %v, want %v", h, want)
	}
	for i := range want {
		if h[i] != want[i] {
			t.Fatalf("hull %v, want %v", h, want)
		}
	}
}
