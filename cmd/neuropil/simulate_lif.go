package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"

	"github.com/neuropil/neuropil/lif"
)

func init() { families = append(families, func() family { return &spiking{p: lif.Defaults()} }) }

// spiking is the family of the whole-brain leaky integrate-and-fire model
// of Shiu et al. (2024) (--model lif): its parameters under Brian2's names
// (tau, the synaptic time constant in ms, is the common --tau; r_poi and
// r_poi2 are --rate and --rate2), the experiment, and package lif's run.
type spiking struct {
	cfg    lif.Config
	p      lif.Params
	trials int
}

func (f *spiking) title() string {
	return "lif: Shiu et al.'s whole-brain spiking model (Brian2's names)"
}

func (f *spiking) models() map[string]string {
	return map[string]string{"lif": "leaky integrate-and-fire whole brain of Shiu et al. 2024, as their Brian2 model"}
}

func (f *spiking) addFlags(fs *flag.FlagSet) {
	c := &f.cfg
	fs.StringVar(&c.Neurons, "neurons", "", "neuron table: Completeness_783.csv (FlyWire ids in Brian2's index order)")
	fs.StringVar(&c.Excite, "excite", "", "neurons driven at --rate: a file of FlyWire ids or ID,ID,... (default on the built-in brain: its default set)")
	fs.StringVar(&c.Excite2, "excite2", "", "neurons driven at --rate2 (file or ids)")
	fs.StringVar(&c.Silence, "silence", "", "neurons whose synapses are silenced (file or ids)")
	fs.StringVar(&c.InputSpikes, "input-spikes", "", "CSV flywire_id,t[,trial]: input events replayed, each one Poisson-input kick")
	fs.StringVar(&c.ExpName, "exp-name", "lif", "exp_name written in spikes.parquet")
	fs.Float64Var(&f.p.RPoi, "rate", f.p.RPoi, "rate of the Poisson input to --excite, Hz (r_poi)")
	fs.Float64Var(&f.p.RPoi2, "rate2", f.p.RPoi2, "rate of the Poisson input to --excite2, Hz (r_poi2)")
	fs.IntVar(&f.trials, "trials", f.p.NRun, "trials (n_run)")
	for _, fl := range f.p.Fields() {
		if fl.Name == "tau" || fl.Name == "r_poi" || fl.Name == "r_poi2" {
			continue // --tau, --rate, --rate2
		}
		fs.Func(fl.Name, fmt.Sprintf("%s, %s (default %g)", fl.Doc, fl.Unit, fl.Get()), func(s string) error {
			x, err := strconv.ParseFloat(s, 64)
			if err == nil {
				fl.Set(x)
			}
			return err
		})
	}
}

func (f *spiking) run(_ string, c *common, stdout, stderr io.Writer) error {
	if err := c.checkFiles(); err != nil {
		return err
	}
	p := &f.p
	p.NRun = f.trials
	for name, v := range map[string]*float64{"dt": &p.Dt, "duration": &p.TRun} {
		if c.set[name] {
			*v = map[string]float64{"dt": c.dt, "duration": c.duration}[name]
		}
	}
	if c.set["tau"] {
		p.Tau = c.tau * 1e-3 // ms, as Brian2's tau
	}
	f.cfg.Connectome, f.cfg.Params, f.cfg.Seed, f.cfg.Out = c.connectome, *p, c.seed, c.out
	s, err := lif.Run(f.cfg)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "simulated %d neurons, %d synapses, %d trials of %g s: %d spikes in %.3f s\nwrote %s\n",
		s.Neurons, s.Synapses, s.Trials, s.Duration, s.Spikes, s.SimSeconds, c.out)
	return nil
}
