package train

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"hash/crc32"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/internal/budget"
)

// splitCheckpoint returns the JSON header of checkpoint b and the arrays
// that follow it (without the checksum).
func splitCheckpoint(t testing.TB, b []byte) (header, arrays []byte) {
	t.Helper()
	at := len(ckptMagic) + 4
	n := binary.LittleEndian.Uint64(b[at:])
	return b[at+8 : at+8+int(n)], b[at+8+int(n) : len(b)-4]
}

// sealCheckpoint builds a checkpoint of header and arrays with a valid
// length and CRC-32C: a forgery that the checksum cannot catch.
func sealCheckpoint(header, arrays []byte) []byte {
	b := []byte(ckptMagic)
	b = binary.LittleEndian.AppendUint32(b, ckptVersion)
	b = binary.LittleEndian.AppendUint64(b, uint64(len(header)))
	b = append(append(b, header...), arrays...)
	return binary.LittleEndian.AppendUint32(b, crc32.Checksum(b, crcTable))
}

// forge returns the small checkpoint with its header edited by edit.
func forge(t *testing.T, edit func(h map[string]any)) []byte {
	t.Helper()
	hj, arrays := splitCheckpoint(t, encodeSmall(t))
	var h map[string]any
	if err := json.Unmarshal(hj, &h); err != nil {
		t.Fatal(err)
	}
	edit(h)
	hj, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	return sealCheckpoint(hj, arrays)
}

// Forged checkpoints with a valid CRC (issue 11): State.batch = -7
// panicked in Fit; every field is checked against the model before use.
func TestForgedCheckpointState(t *testing.T) {
	for _, c := range []struct {
		name string
		edit func(st map[string]any)
		want string
	}{
		{"negative batch", func(st map[string]any) { st["batch"] = -7 }, "negative epoch"},
		{"negative epoch", func(st map[string]any) { st["epoch"] = -1 }, "negative epoch"},
		{"more correct than seen", func(st map[string]any) { st["correct"] = 100 }, "correct of"},
		{"history ahead", func(st map[string]any) { st["history"] = []any{map[string]any{"epoch": 5}} }, "history entry"},
	} {
		b := forge(t, func(h map[string]any) { c.edit(h["State"].(map[string]any)) })
		_, err := Decode(b)
		if err == nil || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	// A sane state that does not fit the run it resumes is refused by Fit.
	st := State{Batch: 50, Seen: 400}
	if err := st.fits(10, 8); err == nil || !errors.Is(err, ErrCorrupt) {
		t.Errorf("batch 50 of a 10-batch run: %v", err)
	}
}

// Settings of 10^9 steps, a batch of 60000 or a hidden layer of 10^8 are
// refused from the estimate before work (they ran out of memory).
func TestTrainMemoryRefusal(t *testing.T) {
	defer budget.Set(0)
	budget.Set(4 << 30)
	base := Settings{Solver: "euler", Steps: 20, Batch: 8, EvalBatch: 32, Hidden: 128, StoreZ: true}
	if err := base.CheckMemory("train", base.TrainBytes(1000, 30000)); err != nil {
		t.Fatalf("default run refused: %v", err)
	}
	for name, edit := range map[string]func(*Settings){
		"steps 1e9":   func(s *Settings) { s.Steps = 1e9 },
		"batch 60000": func(s *Settings) { s.Batch, s.TrainLimit = 60000, 60000 },
		"hidden 1e8":  func(s *Settings) { s.Hidden = 1e8 },
	} {
		s := base
		edit(&s)
		err := s.CheckMemory("train", s.TrainBytes(1000, 30000))
		var be *budget.Error
		if !errors.As(err, &be) || !strings.Contains(err.Error(), "--max-memory") {
			t.Errorf("%s: %v", name, err)
		}
	}
	s := base
	s.Steps = 1e9
	if err := s.CheckMemory("eval", s.EvalBytes(1000, 30000, 0, 32)); err == nil {
		t.Error("eval of 10^9 steps not refused")
	}
}

// FuzzDecodeHeader mutates the JSON header of a checkpoint and reseals
// its length and checksum, so that every field reaches the checks behind
// the CRC: a decoded checkpoint must hold a sane state and model.
func FuzzDecodeHeader(f *testing.F) {
	hj, arrays := splitCheckpoint(f, encodeSmall(f))
	f.Add(hj)
	f.Add(bytes.Replace(hj, []byte(`"batch":7`), []byte(`"batch":-7`), 1))
	f.Fuzz(func(t *testing.T, header []byte) {
		c, err := Decode(sealCheckpoint(header, arrays))
		if err != nil {
			return
		}
		if err := c.State.Check(); err != nil {
			t.Fatalf("decoded a state that fails Check: %v", err)
		}
		if err := c.Model.Check(); err != nil {
			t.Fatalf("decoded a model that fails Check: %v", err)
		}
	})
}
