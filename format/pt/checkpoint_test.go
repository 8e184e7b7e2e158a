package pt

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// flyvisCheckpoint is a checkpoint written by PyTorch 1.13 in flyvis's
// format (opticlobe/testdata/gen/flyvis_checkpoint.py): a dict with the
// network's state dict, a decoder's, Adam's state, a time string, a
// numpy.float64 val_loss, the iteration and dt.
const flyvisCheckpoint = "../../opticlobe/testdata/flyvis/chkpts/chkpt_00000"

func TestDecodeStateDictInFlyvisCheckpoint(t *testing.T) {
	b, err := os.ReadFile(flyvisCheckpoint)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := DecodeStateDictIn(bytes.NewReader(b), int64(len(b)), "network")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"nodes_bias", "nodes_time_const", "edges_sign", "edges_syn_count", "edges_syn_strength"}
	if len(ts) != len(want) {
		t.Fatalf("%d entries, want %d", len(ts), len(want))
	}
	for i, w := range want {
		if ts[i].Name != w || len(ts[i].Shape) != 1 || len(ts[i].Data) != ts[i].Shape[0] {
			t.Errorf("entry %d: %s %v, want %s, one dimension", i, ts[i].Name, ts[i].Shape, w)
		}
	}
	if ts[0].Shape[0] != 65 || ts[4].Shape[0] != 604 {
		t.Errorf("shapes %v %v, want 65 and 604", ts[0].Shape, ts[4].Shape)
	}
	if _, err := DecodeStateDictIn(bytes.NewReader(b), int64(len(b)), "nets"); err == nil || !strings.Contains(err.Error(), `"nets"`) {
		t.Errorf("missing key: %v", err)
	}
}

func TestNumpyScalar(t *testing.T) {
	v, err := npScalar(tuple{&npDtype{code: "f8", order: "<"}, "\x00\x00\x00\x00\x00\x00\xc0\x3f"})
	if err != nil || v != 0.125 {
		t.Errorf("f8: %v, %v", v, err)
	}
	v, err = npScalar(tuple{&npDtype{code: "i2", order: "<"}, "\xfe\xff"})
	if err != nil || v != int64(-2) {
		t.Errorf("i2: %v, %v", v, err)
	}
	if _, err := npScalar(tuple{&npDtype{code: "c16"}, "0123456789abcdef"}); !errors.As(err, new(UnsupportedError)) {
		t.Errorf("complex: %v", err)
	}
}

func TestEncodeCheckpointTorchLoads(t *testing.T) {
	if _, err := os.Stat("/usr/bin/python3"); err != nil {
		t.Skip("no /usr/bin/python3")
	}
	path := filepath.Join(t.TempDir(), "chkpt_00000")
	var buf bytes.Buffer
	ts := []Tensor{{Name: "nodes_bias", Shape: []int{2}, Data: []float32{0.5, -1}}}
	dec := []Item{{"flow", []Tensor{{Name: "base.0.weight", Shape: []int{1, 2}, Data: []float32{3, 4}},
		{Name: "base.1.num_batches_tracked", Shape: []int{}, Int: []int32{9}}}}}
	items := []Item{{"decoder", dec}, {"optim", nil}, {"time", "now"}, {"val_loss", 0.25}, {"iteration", 7}, {"dt", 0.02}}
	if err := EncodeCheckpoint(&buf, "network", ts, items); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("/usr/bin/python3", "-c", `import sys, torch
c = torch.load(sys.argv[1], weights_only=True)
print(sorted(c), c["network"]["nodes_bias"].tolist(), c["val_loss"].item(), c["iteration"], c["dt"].item(), c["time"], c["optim"], {k: {n: x.tolist() for n, x in d.items()} for k, d in c["decoder"].items()})`, path).CombinedOutput()
	if err != nil {
		if strings.Contains(string(out), "No module named") {
			t.Skip("no torch")
		}
		t.Fatalf("%v: %s", err, out)
	}
	want := "['decoder', 'dt', 'iteration', 'network', 'optim', 'time', 'val_loss'] [0.5, -1.0] 0.25 7 0.02 now {} " +
		"{'flow': {'base.0.weight': [[3.0, 4.0]], 'base.1.num_batches_tracked': 9}}"
	if strings.TrimSpace(string(out)) != want {
		t.Errorf("torch.load: %s, want %s", out, want)
	}
	back, err := DecodeStateDictIn(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "network")
	if err != nil || len(back) != 1 || back[0].Data[1] != -1 {
		t.Errorf("read back: %v, %v", back, err)
	}
}
