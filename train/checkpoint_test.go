package train

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// trainedSmall returns a small model with an optimiser that has taken a
// few steps, so that every array of a checkpoint is non-trivial.
func trainedSmall(t testing.TB) (*Model, *Optimizer) {
	m := smallModel(t, smallOpts{neurons: 12, inputs: 5, outputs: 4, hidden: 6, classes: 3, phi: "tanh", dale: true, perType: true, proj: true, seed: 5})
	opt, err := NewOptimizer(OptimConfig{Method: "adamw", LR: 1e-2}, m.Params())
	if err != nil {
		t.Fatal(err)
	}
	r := NewRunner(m, 3, 1)
	defer r.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	for range 3 {
		x := make([]float32, 3*5)
		for i := range x {
			x[i] = float32(rng.NormFloat64())
		}
		if _, err := r.Forward(x, []int{0, 1, 2}, nil, Solve{Steps: 5}); err != nil {
			t.Fatal(err)
		}
		r.Backward()
		if _, _, err := opt.Update(m.Params(), r.Grads, nil); err != nil {
			t.Fatal(err)
		}
		m.Project()
	}
	return m, opt
}

func encodeSmall(t testing.TB) []byte {
	m, opt := trainedSmall(t)
	c := &Checkpoint{Model: m, Opt: opt, State: State{Epoch: 1, Batch: 7, LossSum: 3.5, Correct: 4, Seen: 9,
		History: []Epoch{{Epoch: 1, TrainLoss: 1, TestAccuracy: 0.5}}}, Settings: []byte(`{"lr":0.01}`)}
	var buf bytes.Buffer
	if err := c.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestCheckpointRoundTrip(t *testing.T) {
	m, opt := trainedSmall(t)
	st := State{Epoch: 2, Batch: 3, LossSum: 1.25, Correct: 2, Seen: 6, History: []Epoch{{Epoch: 1, TrainLoss: 0.7}}}
	c := &Checkpoint{Model: m, Opt: opt, State: st, Settings: []byte(`{"a":1}`)}
	path := filepath.Join(t.TempDir(), "c.ckpt")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	d, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(d.Model, m) {
		t.Error("model differs after the round trip")
	}
	if !reflect.DeepEqual(d.Opt, opt) {
		t.Errorf("optimizer differs after the round trip: %+v vs %+v", d.Opt.Config, opt.Config)
	}
	if !reflect.DeepEqual(d.State, st) || string(d.Settings) != `{"a":1}` {
		t.Errorf("state %+v, settings %s", d.State, d.Settings)
	}
}

func TestCheckpointCorrupt(t *testing.T) {
	good := encodeSmall(t)
	if _, err := Decode(good); err != nil {
		t.Fatal(err)
	}
	flip := append([]byte(nil), good...)
	flip[len(flip)/2] ^= 0x10
	reseal := func(b []byte) []byte {
		binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], crcTable))
		return b
	}
	version := append([]byte(nil), good...)
	binary.LittleEndian.PutUint32(version[8:], 99)
	badModel := append([]byte(nil), good...)
	i := bytes.Index(badModel, []byte(`"Neurons":12`))
	copy(badModel[i:], `"Neurons":13`)
	cases := []struct {
		name string
		b    []byte
		want string
	}{
		{"empty", nil, "not a neuropil checkpoint"},
		{"magic", append([]byte("XXXXXXXX"), good[8:]...), "not a neuropil checkpoint"},
		{"flipped byte", flip, "checksum mismatch"},
		{"truncated", good[:len(good)-100], "checksum mismatch"},
		{"truncated header", good[:20], "too short"},
		{"version", reseal(version), "unsupported checkpoint version 99"},
		{"inconsistent model", reseal(badModel), "hh.weight: row pointer has 13 entries, want rows+1 = 14"},
	}
	for _, c := range cases {
		_, err := Decode(c.b)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one containing %q", c.name, err, c.want)
		}
	}
	path := filepath.Join(t.TempDir(), "bad.ckpt")
	os.WriteFile(path, flip, 0o644)
	_, err := Load(path)
	var ce *CheckpointError
	if !errors.As(err, &ce) || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), path) {
		t.Errorf("Load of a corrupt file: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	good := encodeSmall(f)
	f.Add(good)
	f.Add(good[:64])
	f.Fuzz(func(t *testing.T, in []byte) {
		// The checksum rejects almost every mutation; reseal (a copy: the
		// fuzzer's input must stay as it was) so that the parser behind it
		// is exercised too.
		b := append([]byte(nil), in...)
		if len(b) > 4 {
			binary.LittleEndian.PutUint32(b[len(b)-4:], crc32.Checksum(b[:len(b)-4], crcTable))
		}
		c, err := Decode(b)
		if err == nil {
			if err := c.Model.Check(); err != nil {
				t.Fatalf("decoded a model that fails Check: %v", err)
			}
		}
	})
}

// A checkpoint written before the parameters were saved by name (commit
// 3438b58, encodeSmall's checkpoint; its arrays in another order) decodes
// to what the current encoder writes for the same run.
func TestCheckpointReadsEarlierFiles(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "small_v1_3438b58.ckpt"))
	if err != nil {
		t.Fatal(err)
	}
	old, err := Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	now, err := Decode(encodeSmall(t))
	if err != nil {
		t.Fatal(err)
	}
	// The run's numbers differ in their last bits between the assembly
	// kernels that wrote the file and the plain Go ones (-tags noasm):
	// values agree within float32 rounding, everything else exactly.
	approx := func(what string, a, b [][]float32) {
		if len(a) != len(b) {
			t.Fatalf("%s: %d arrays, want %d", what, len(a), len(b))
		}
		for i := range a {
			if len(a[i]) != len(b[i]) {
				t.Fatalf("%s %d: %d values, want %d", what, i, len(a[i]), len(b[i]))
			}
			for k := range a[i] {
				if d := math.Abs(float64(a[i][k] - b[i][k])); d > 1e-5*(1+math.Abs(float64(b[i][k]))) {
					t.Fatalf("%s %d[%d]: %v, want %v", what, i, k, a[i][k], b[i][k])
				}
			}
			copy(a[i], b[i])
		}
	}
	approx("parameter", old.Model.Params(), now.Model.Params())
	approx("first moment", old.Opt.M, now.Opt.M)
	approx("second moment", old.Opt.V, now.Opt.V)
	if !reflect.DeepEqual(old, now) {
		t.Error("the earlier file decodes to another checkpoint")
	}
}
