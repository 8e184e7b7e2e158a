package connectome

import "testing"

func TestDefaultHasTutorialSize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds 4.6M synapses")
	}
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Neurons() != TutorialNeurons || c.Synapses() != TutorialSynapses {
		t.Fatalf("default is %d neurons, %d synapses", c.Neurons(), c.Synapses())
	}
	// Skewed in-degree: the largest row is many times the mean.
	maxDeg := 0
	for i := 0; i < c.Neurons(); i++ {
		maxDeg = max(maxDeg, int(c.W.RowPtr[i+1]-c.W.RowPtr[i]))
	}
	if mean := c.Synapses() / c.Neurons(); maxDeg < 10*mean {
		t.Errorf("max in-degree %d vs mean %d: not skewed", maxDeg, mean)
	}
	pos := 0
	for _, v := range c.W.Val {
		if v > 0 {
			pos++
		}
	}
	if f := float64(pos) / float64(c.Synapses()); f < 0.45 || f > 0.55 {
		t.Errorf("fraction positive %v", f)
	}
	// Same seed, same connectome.
	d := Default()
	for k := range c.W.Val {
		if c.W.Val[k] != d.W.Val[k] || c.W.ColIdx[k] != d.W.ColIdx[k] {
			t.Fatal("default connectome not deterministic")
		}
	}
}

func TestValidateRejectsNonSquare(t *testing.T) {
	c := Random(10, 20, 1)
	c.W.Cols = 11
	if err := c.Validate(); err == nil {
		t.Fatal("non-square accepted")
	}
}
