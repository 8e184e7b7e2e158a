package check

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/sparse"
)

// A NaN, an infinity, a value beyond float32 and a sum of duplicates that
// overflows are refused, whichever path of ToCSR they take.
func TestCSRRejectsNonFinite(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), 1e39} {
		b := sparse.NewCOO(2, 2, 0)
		b.Add(0, 0, v)
		if _, err := CSR(b); !errors.Is(err, sparse.ErrNotFinite) {
			t.Errorf("%v: err %v", v, err)
		}
	}
	for _, v := range []float64{math.NaN(), math.Inf(-1)} { // sorted, unique: ToCSR's in-place path
		b := sparse.NewCOO(2, 2, 0)
		b.Add(0, 0, 1)
		b.Add(1, 1, v)
		if _, err := CSR(b); !errors.Is(err, sparse.ErrNotFinite) || !strings.Contains(err.Error(), "entry 1 at (1, 1)") {
			t.Errorf("%v: err %v", v, err)
		}
	}
	b := sparse.NewCOO(2, 2, 0)
	b.Add(0, 1, 3e38)
	b.Add(0, 1, 3e38)
	b.Add(0, 0, 1)
	if _, err := CSR(b); !errors.Is(err, sparse.ErrNotFinite) {
		t.Errorf("overflowing sum: err %v", err)
	}
}

func TestShapeLimits(t *testing.T) {
	for _, s := range [][2]int64{{-1, 2}, {2, -1}, {MaxShape + 1, 1}, {1, 1 << 40}} {
		if Shape(s[0], s[1]) == nil {
			t.Errorf("%v accepted", s)
		}
	}
	if err := Shape(47521, MaxShape); err != nil {
		t.Error(err)
	}
}
