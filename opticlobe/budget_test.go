package opticlobe

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/neuropil/neuropil/internal/budget"
)

// --extent 200, the largest accepted, ran out of memory in build and
// simulate (issue 11); its edges are estimated before any is allocated,
// and refused beyond the budget within a second.
func TestBuildRefusesOverBudget(t *testing.T) {
	s, err := LoadSpec(specPath(t))
	if err != nil {
		t.Fatal(err)
	}
	defer budget.Set(0)
	budget.Set(2 << 30)
	start := time.Now()
	_, err = Build(s, MaxExtent)
	var be *budget.Error
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "extent 200") {
		t.Fatalf("extent 200 under 2 GiB: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refused after %v", d)
	}
	if _, err := Build(s, DefaultExtent); err != nil {
		t.Fatalf("default extent under 2 GiB: %v", err)
	}
}
