package lif

import (
	"encoding/csv"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/neuropil/neuropil/format"
)

// Acceptance bounds of issue 13 against Brian2 2.5.1.
const (
	minReproduced = 0.99 // share of Brian2's spikes reproduced (same neuron and step)
	maxExtra      = 0.01 // spikes Brian2 does not have, as a share of Brian2's
	minPearson    = 0.95 // per-neuron mean rates over active neurons, Poisson input
	maxTotalDiff  = 0.10 // total spike count, Poisson input, relative
)

type brian2Meta struct {
	Neurons, Trials int
	Drivers         []int
	Silence         []int
}

func loadBrian2(t *testing.T) (*Network, brian2Meta) {
	t.Helper()
	c, err := format.Load(filepath.Join("testdata", "brian2_net.npz"), format.Options{})
	if err != nil {
		t.Fatal(err)
	}
	net, err := FromConnectome(c)
	if err != nil {
		t.Fatal(err)
	}
	var m brian2Meta
	b, err := os.ReadFile(filepath.Join("testdata", "brian2_lif.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return net, m
}

// readCSV returns the rows of a two-column CSV with a header as float64.
func readCSV(t *testing.T, name string) [][2]float64 {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out [][2]float64
	for _, r := range recs[1:] {
		a, err1 := strconv.ParseFloat(r[0], 64)
		b, err2 := strconv.ParseFloat(r[1], 64)
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: bad row %v", name, r)
		}
		out = append(out, [2]float64{a, b})
	}
	return out
}

func TestBrian2DeterministicInput(t *testing.T) {
	net, m := loadBrian2(t)
	var in []Input
	for _, r := range readCSV(t, "brian2_input.csv") {
		in = append(in, Input{Neuron: int(r[0]), T: r[1], Trial: -1})
	}
	want := map[Spike]bool{}
	for _, r := range readCSV(t, "brian2_det.csv") {
		want[Spike{int32(r[1]), int32(r[0])}] = true
	}
	p := Defaults()
	p.NRun = 1
	s, err := New(net, p, Experiment{Input: in, Silence: m.Silence})
	if err != nil {
		t.Fatal(err)
	}
	got := s.Run().Spikes[0]
	same := 0
	for _, sp := range got {
		if want[sp] {
			same++
		}
	}
	rep := float64(same) / float64(len(want))
	extra := float64(len(got)-same) / float64(len(want))
	t.Logf("Brian2 %d spikes, neuropil %d: %.4f reproduced, %.4f extra", len(want), len(got), rep, extra)
	if rep < minReproduced || extra > maxExtra {
		t.Fatalf("reproduced %.4f (want ≥ %v), extra %.4f (want ≤ %v)", rep, minReproduced, extra, maxExtra)
	}
}

func TestBrian2PoissonRates(t *testing.T) {
	net, m := loadBrian2(t)
	ref := make([]float64, m.Neurons)
	var refTotal float64
	for _, r := range readCSV(t, "brian2_poisson.csv") {
		ref[int(r[0])] = r[1]
		refTotal += r[1]
	}
	p := Defaults()
	p.NRun = m.Trials
	s, err := New(net, p, Experiment{Excite: m.Drivers, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	res := s.Run()
	got := make([]float64, m.Neurons)
	for _, c := range res.Counts {
		for i, x := range c {
			got[i] += float64(x)
		}
	}
	var x, y []float64
	var total float64
	for i := range got {
		total += got[i]
		if got[i] > 0 || ref[i] > 0 {
			x, y = append(x, got[i]), append(y, ref[i])
		}
	}
	r := pearson(x, y)
	diff := math.Abs(total-refTotal) / refTotal
	t.Logf("%d active neurons, r = %.4f; spikes %v vs Brian2 %v (%.2f %%)", len(x), r, total, refTotal, 100*diff)
	if r < minPearson || diff > maxTotalDiff {
		t.Fatalf("r = %.4f (want ≥ %v), total off by %.3f (want ≤ %v)", r, minPearson, diff, maxTotalDiff)
	}
}

func pearson(x, y []float64) float64 {
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= float64(len(x))
	my /= float64(len(y))
	var sxy, sxx, syy float64
	for i := range x {
		sxy += (x[i] - mx) * (y[i] - my)
		sxx += (x[i] - mx) * (x[i] - mx)
		syy += (y[i] - my) * (y[i] - my)
	}
	return sxy / math.Sqrt(sxx*syy)
}
