package connectome

import (
	"encoding/binary"
	"hash/fnv"
	"math"
	"testing"
)

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
	// The default connectome is part of every default result: it must not
	// change from one version to the next (a faster generator must draw
	// exactly the same matrix).
	if h := csrHash(c); h != defaultHash {
		t.Errorf("default connectome hash %#x, want %#x: the built-in connectome changed", h, defaultHash)
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

// defaultHash is csrHash of Default() since the first release.
const defaultHash uint64 = 0x8b34464955f7b7b0

// csrHash is FNV-64a of the row pointers, columns and weight bits.
func csrHash(c *Connectome) uint64 {
	h := fnv.New64a()
	var b [4]byte
	put := func(u uint32) {
		binary.LittleEndian.PutUint32(b[:], u)
		h.Write(b[:])
	}
	for _, v := range c.W.RowPtr {
		put(uint32(v))
	}
	for _, v := range c.W.ColIdx {
		put(uint32(v))
	}
	for _, v := range c.W.Val {
		put(math.Float32bits(v))
	}
	return h.Sum64()
}
