package lif

import (
	"sync"
	"testing"
)

var brain = sync.OnceValue(SyntheticBrain)

// BenchmarkBrain runs one trial of 1 s on the built-in whole-brain
// connectome with the default excitation (the low-activity regime).
func BenchmarkBrain(b *testing.B) {
	net := brain()
	p := Defaults()
	p.NRun = 1
	ex := DefaultExcite(net)
	b.ResetTimer()
	for range b.N {
		s, err := New(net, p, Experiment{Excite: ex, Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		r := s.Run()
		b.ReportMetric(float64(r.Total()), "spikes")
		b.ReportMetric(r.SimSeconds*1e3, "sim-ms")
	}
}
