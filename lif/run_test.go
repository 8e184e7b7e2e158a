package lif

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	pq "github.com/parquet-go/parquet-go"

	"github.com/neuropil/neuropil/format/parquet"
)

// writeShiuFiles writes a small network in Shiu's file layout: a
// Completeness csv and a Connectivity parquet (rows reversed), ids
// 1000+index.
func writeShiuFiles(t *testing.T, dir string, net *Network) (conn, neurons string) {
	t.Helper()
	neurons = filepath.Join(dir, "Completeness.csv")
	var b strings.Builder
	b.WriteString(",Completed\n")
	for i := range net.Neurons() {
		fmt.Fprintf(&b, "%d,True\n", 1000+i)
	}
	if err := os.WriteFile(neurons, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	type row struct {
		Pre    int64 `parquet:"Presynaptic_Index"`
		Post   int64 `parquet:"Postsynaptic_Index"`
		Weight int64 `parquet:"Excitatory x Connectivity"`
	}
	var rows []row
	out := net.Out
	for i := range out.Rows {
		for k := out.RowPtr[i]; k < out.RowPtr[i+1]; k++ {
			rows = append(rows, row{int64(i), int64(out.ColIdx[k]), int64(out.Val[k])})
		}
	}
	slices.Reverse(rows)
	conn = filepath.Join(dir, "Connectivity.parquet")
	f, err := os.Create(conn)
	if err != nil {
		t.Fatal(err)
	}
	w := pq.NewGenericWriter[row](f)
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	return conn, neurons
}

func TestRunWritesOutputs(t *testing.T) {
	net := smallNet(800, 20000, 3)
	dir := t.TempDir()
	conn, neurons := writeShiuFiles(t, dir, net)
	p := Defaults()
	p.NRun, p.TRun = 3, 0.2
	out := filepath.Join(dir, "out")
	cfg := Config{Connectome: conn, Neurons: neurons, Excite: "1000,1001,1002,1003", Silence: "1005",
		Params: p, Seed: 1, ExpName: "test", Out: out}
	sum, err := Run(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"spikes.parquet", "rates.csv", "summary.json", "raster.png", "rates.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	// The same experiment through the API gives the same spikes.
	s, _ := New(net, p, Experiment{Excite: []int{0, 1, 2, 3}, Silence: []int{5}, Seed: 1})
	res := s.Run()
	if sum.Spikes != res.Total() || sum.Neurons != 800 || sum.Synapses != net.Synapses() {
		t.Fatalf("summary %+v, want %d spikes", sum, res.Total())
	}
	spikes, names, err := parquet.ReadSpikes(filepath.Join(out, "spikes.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(spikes) != res.Total() || names[0] != "test" {
		t.Fatalf("%d spikes in the file, want %d", len(spikes), res.Total())
	}
	first := res.Spikes[0][0]
	if want := (parquet.Spike{T: float64(first.Step) * p.Dt, Trial: 0, FlywireID: 1000 + int64(first.Neuron)}); spikes[0] != want {
		t.Fatalf("first row %+v, want %+v", spikes[0], want)
	}
	var js map[string]any
	b, _ := os.ReadFile(filepath.Join(out, "summary.json"))
	if err := json.Unmarshal(b, &js); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"neurons", "synapses", "trials", "duration", "dt", "spikes", "sim_seconds", "load_seconds", "peak_rss_bytes"} {
		if _, ok := js[k]; !ok {
			t.Errorf("summary.json lacks %s", k)
		}
	}
	rates, _ := os.ReadFile(filepath.Join(out, "rates.csv"))
	if !strings.HasPrefix(string(rates), "flywire_id,rate_hz,std_hz\n") {
		t.Fatalf("rates.csv starts %q", string(rates[:40]))
	}
}

func TestRunRejectsBadInputBeforeWriting(t *testing.T) {
	net := smallNet(100, 1000, 4)
	dir := t.TempDir()
	conn, neurons := writeShiuFiles(t, dir, net)
	spikes := filepath.Join(dir, "in.csv")
	os.WriteFile(spikes, []byte("flywire_id,t\n1000,0.01\n77,0.02\n"), 0o644)
	p := Defaults()
	p.NRun = 1
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{Config{Excite: "1000,99"}, "id 99 is not in the neuron table"},
		{Config{Silence: "x"}, `"x" is not a FlyWire id`},
		{Config{InputSpikes: spikes}, "line 3: id 77"},
	} {
		cfg := c.cfg
		cfg.Connectome, cfg.Neurons, cfg.Params = conn, neurons, p
		cfg.Out = filepath.Join(dir, "out")
		_, err := Run(cfg)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want %q", c.cfg, err, c.want)
		}
		if _, err := os.Stat(cfg.Out); err == nil {
			t.Errorf("%+v: output directory written", c.cfg)
		}
	}
}

func TestLoadMatrixFormat(t *testing.T) {
	net, err := Load(filepath.Join("testdata", "brian2_net.npz"), "")
	if err != nil {
		t.Fatal(err)
	}
	if net.Neurons() != 1500 || net.IDs != nil {
		t.Fatalf("%d neurons, ids %v", net.Neurons(), net.IDs != nil)
	}
	bad := filepath.Join(t.TempDir(), "c.csv")
	os.WriteFile(bad, []byte(",Completed\n1,True\n"), 0o644)
	if _, err := Load(filepath.Join("testdata", "brian2_net.npz"), bad); err == nil || !strings.Contains(err.Error(), "1 neurons") {
		t.Fatalf("table of the wrong size: %v", err)
	}
}

func TestFieldsSetInUnits(t *testing.T) {
	p := Defaults()
	fs := p.Fields()
	names := map[string]Field{}
	for _, f := range fs {
		names[f.Name] = f
	}
	for _, n := range []string{"v_0", "v_rst", "v_th", "t_mbr", "tau", "t_rfc", "t_dly", "w_syn", "f_poi", "r_poi", "r_poi2"} {
		if _, ok := names[n]; !ok {
			t.Fatalf("no field %s", n)
		}
	}
	if got := names["w_syn"].Get(); got != 0.275 {
		t.Fatalf("w_syn shows %v mV", got)
	}
	names["t_rfc"].Set(3)
	names["r_poi"].Set(100)
	if p.TRfc != 3e-3 || p.RPoi != 100 || p.RefractorySteps() != 30 {
		t.Fatalf("t_rfc %v s, r_poi %v", p.TRfc, p.RPoi)
	}
	if p.DelaySteps() != 18 || Defaults().RefractorySteps() != 22 {
		t.Fatalf("delay %d steps", p.DelaySteps())
	}
	p.Tau = 0
	if p.Validate() == nil {
		t.Fatal("tau = 0 accepted")
	}
}
