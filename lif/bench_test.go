package lif

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/neuropil/neuropil/format/parquet"
)

var brain = sync.OnceValue(SyntheticBrain)

// BenchmarkBrain runs one trial of 1 s on the built-in whole-brain
// connectome with the default excitation (the low-activity regime).
func BenchmarkBrain(b *testing.B) {
	benchBrain(b, DefaultExcite(brain()))
}

// BenchmarkBrainHigh drives HighExcite's 2,000 neurons (the high-activity
// regime).
func BenchmarkBrainHigh(b *testing.B) {
	benchBrain(b, HighExcite(brain(), 2000))
}

func benchBrain(b *testing.B, ex []int) {
	net := brain()
	p := Defaults()
	p.NRun = 1
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

// TestExportBrain writes the built-in brain for bench/lif_brian2.py when
// NEUROPIL_LIF_EXPORT names a directory: Connectivity.parquet and
// Completeness.csv in Shiu's layout, pre.i32, post.i32 and count.i32
// (little-endian int32 arrays of the connections, for Brian2 without
// pyarrow), excite.txt (DefaultExcite) and excite_high.txt (HighExcite,
// 2,000 neurons), ids 720575940600000000 + index.
func TestExportBrain(t *testing.T) {
	dir := os.Getenv("NEUROPIL_LIF_EXPORT")
	if dir == "" {
		t.Skip("NEUROPIL_LIF_EXPORT not set")
	}
	net := brain()
	ids := make([]int64, net.Neurons())
	var b strings.Builder
	b.WriteString(",Completed\n")
	for i := range ids {
		ids[i] = 720575940600000000 + int64(i)
		fmt.Fprintf(&b, "%d,True\n", ids[i])
	}
	must(t, os.WriteFile(filepath.Join(dir, "Completeness.csv"), []byte(b.String()), 0o644))
	must(t, parquet.WriteConnectivity(filepath.Join(dir, "Connectivity.parquet"), net.Out, ids))
	out := net.Out
	pre := make([]int32, 0, out.NNZ())
	cnt := make([]int32, out.NNZ())
	for i := range out.Rows {
		for range out.RowPtr[i+1] - out.RowPtr[i] {
			pre = append(pre, int32(i))
		}
	}
	for k, v := range out.Val {
		cnt[k] = int32(v)
	}
	for name, a := range map[string][]int32{"pre.i32": pre, "post.i32": out.ColIdx, "count.i32": cnt} {
		f, err := os.Create(filepath.Join(dir, name))
		must(t, err)
		must(t, binary.Write(f, binary.LittleEndian, a))
		must(t, f.Close())
	}
	for name, ex := range map[string][]int{"excite.txt": DefaultExcite(net), "excite_high.txt": HighExcite(net, 2000)} {
		var s strings.Builder
		for _, i := range ex {
			fmt.Fprintln(&s, ids[i])
		}
		must(t, os.WriteFile(filepath.Join(dir, name), []byte(s.String()), 0o644))
	}
}

// TestRunFromEnv runs Run on the files of TestExportBrain for
// bench/lif_brian2.py: NEUROPIL_LIF_RUN names the directory,
// NEUROPIL_LIF_EXCITE the excitation file, NEUROPIL_LIF_TRIALS the
// trials; it writes into NEUROPIL_LIF_OUT and prints the summary as JSON
// on a line starting "summary: ".
func TestRunFromEnv(t *testing.T) {
	dir := os.Getenv("NEUROPIL_LIF_RUN")
	if dir == "" {
		t.Skip("NEUROPIL_LIF_RUN not set")
	}
	p := Defaults()
	p.NRun, _ = strconv.Atoi(os.Getenv("NEUROPIL_LIF_TRIALS"))
	sum, err := Run(Config{Connectome: filepath.Join(dir, "Connectivity.parquet"),
		Neurons: filepath.Join(dir, "Completeness.csv"), Excite: os.Getenv("NEUROPIL_LIF_EXCITE"),
		Params: p, Seed: 1, Out: os.Getenv("NEUROPIL_LIF_OUT")})
	must(t, err)
	js, _ := json.Marshal(sum)
	fmt.Printf("summary: %s\n", js)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestHighExciteIsExcitatoryAndSeeded(t *testing.T) {
	net := Synthetic(3000, 100000, 1)
	a, b := HighExcite(net, 50), HighExcite(net, 50)
	if len(a) != 50 || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Fatalf("HighExcite gave %v and %v", a, b)
	}
	for _, i := range a {
		if net.Out.Val[net.Out.RowPtr[i]] < 0 {
			t.Fatalf("neuron %d is inhibitory", i)
		}
	}
}
