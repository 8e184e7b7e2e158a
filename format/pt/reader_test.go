package pt

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/neuropil/neuropil/format/internal/fixture"
	"github.com/neuropil/neuropil/sparse"
)

func decodeFile(t testing.TB, path, key string) (*sparse.CSR, error) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Decode(bytes.NewReader(data), int64(len(data)), key)
}

// Every fixture written by torch.save loads with exactly the indices and
// values torch itself sees (after coalesce, in float32).
func TestDecodeTorchFixtures(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*.expect.json")
	if len(paths) < 15 {
		t.Fatalf("only %d fixtures; run testdata/gen/formats.py", len(paths))
	}
	for _, e := range paths {
		name := strings.TrimSuffix(filepath.Base(e), ".expect.json")
		t.Run(name, func(t *testing.T) {
			got, err := decodeFile(t, "testdata/"+name+".pt", "")
			if err != nil {
				t.Fatal(err)
			}
			fixture.Equal(t, name, got, fixture.Expect(t, e))
		})
	}
}

func TestDecodeHeader(t *testing.T) {
	for _, c := range []struct {
		file, key string
		want      Header
	}{
		{"coo_f64", "", Header{Layout: "sparse_coo", DType: "float64", IndexDType: "int64", Rows: 40, Cols: 40, NNZ: 157}},
		{"csr_i32_f64", "", Header{Layout: "sparse_csr", DType: "float64", IndexDType: "int32", Rows: 40, Cols: 40, NNZ: 150}},
		{"dense_f64_t", "", Header{Layout: "strided", DType: "float64", Rows: 7, Cols: 9, NNZ: 63}},
		{"state_dict", "ih.weight", Header{Layout: "sparse_coo", DType: "float32", IndexDType: "int64", Rows: 30, Cols: 12, NNZ: 50, Key: "ih.weight"}},
		{"tensor_list", "", Header{Layout: "sparse_coo", DType: "float64", IndexDType: "int64", Rows: 40, Cols: 40, NNZ: 150, Key: "1"}},
	} {
		data, err := os.ReadFile("testdata/" + c.file + ".pt")
		if err != nil {
			t.Fatal(err)
		}
		h, err := DecodeHeader(bytes.NewReader(data), int64(len(data)), c.key)
		if err != nil {
			t.Errorf("%s: %v", c.file, err)
			continue
		}
		if c.file == "coo_f64" || c.file == "csr_i32_f64" || c.file == "tensor_list" {
			c.want.NNZ = h.NNZ // counts depend on the random draw; checked below
			if h.NNZ < 100 {
				t.Errorf("%s: nnz %d", c.file, h.NNZ)
			}
		}
		if h != c.want {
			t.Errorf("%s: header %+v, want %+v", c.file, h, c.want)
		}
	}
}

// A state_dict or list: the key names the tensor; a missing key lists the
// known ones.
func TestDecodeKeys(t *testing.T) {
	for key, name := range map[string]string{"hh.weight": "coo_f64_coalesced", "ih.weight": "coo_rect"} {
		got, err := decodeFile(t, "testdata/state_dict.pt", key)
		if err != nil {
			t.Fatal(err)
		}
		want := fixture.Expect(t, "testdata/"+name+".expect.json")
		if name == "coo_f64_coalesced" { // stored as float32 in the dict
			for k := range want.Val {
				want.Val[k] = float32(want.Val[k])
			}
		}
		fixture.Equal(t, key, got, want)
	}
	_, err := decodeFile(t, "testdata/state_dict.pt", "")
	if err == nil || !strings.Contains(err.Error(), `"hh.weight" (sparse_coo float32 40×40)`) || !strings.Contains(err.Error(), `"bias" (dense float32 [40])`) {
		t.Errorf("no key: %v", err)
	}
	_, err = decodeFile(t, "testdata/state_dict.pt", "nope")
	if err == nil || !strings.Contains(err.Error(), `no key "nope"`) || !strings.Contains(err.Error(), "ih.weight") {
		t.Errorf("bad key: %v", err)
	}
	// A key naming a vector is the user's choice, not a fault of the file.
	var fe FormatError
	if _, err = decodeFile(t, "testdata/state_dict.pt", "bias"); err == nil || !strings.Contains(err.Error(), "1-D") ||
		!strings.Contains(err.Error(), "not a matrix") || errors.As(err, &fe) {
		t.Errorf("1-D key: %v", err)
	}
	got, err := decodeFile(t, "testdata/tensor_list.pt", "1")
	if err != nil {
		t.Fatal(err)
	}
	fixture.Equal(t, "list[1]", got, fixture.Expect(t, "testdata/coo_f64_coalesced.expect.json"))
	if _, err := decodeFile(t, "testdata/coo_f64.pt", "x"); err == nil {
		t.Error("key on a bare tensor accepted")
	}
}

// A pickle that names os.system or eval is refused with an error naming
// the global, and nothing runs: the command it carries would create the
// file "pwned" in the working directory.
func TestRefuseForeignGlobals(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{}
	for _, f := range []string{"evil_system.pt", "evil_system_p4.pt", "evil_eval.pt"} {
		data, err := os.ReadFile("testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		files[f] = data
	}
	t.Chdir(dir)
	for file, global := range map[string]string{
		"evil_system.pt":    "posix.system",
		"evil_system_p4.pt": "posix.system",
		"evil_eval.pt":      "__builtin__.eval",
	} {
		data := files[file]
		_, err := Decode(bytes.NewReader(data), int64(len(data)), "")
		var ue UnsupportedError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "global "+global+",") {
			t.Errorf("%s: err %v, want an UnsupportedError naming %s", file, err, global)
		}
		if _, err := DecodeHeader(bytes.NewReader(data), int64(len(data)), ""); err == nil {
			t.Errorf("%s: header accepted", file)
		}
		if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
			t.Fatalf("%s: the payload ran", file)
		}
	}
}

// The hostile fixtures really are hostile: unpickled by PyTorch without
// weights_only, the payload runs. This keeps TestRefuseForeignGlobals honest.
func TestForeignFixturesRunInPython(t *testing.T) {
	requireTorch(t)
	dir := t.TempDir()
	abs, _ := filepath.Abs("testdata/evil_system.pt")
	out, err := python(t, dir, "import torch; torch.load('"+abs+"')")
	if _, serr := os.Stat(filepath.Join(dir, "pwned")); serr != nil {
		t.Fatalf("payload did not run in Python (%v): %s", err, out)
	}
}

func TestErrors(t *testing.T) {
	good, err := os.ReadFile("testdata/coo_f64.pt")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "unexpected EOF"},
		{"wrong magic", []byte("GIF89a, not a tensor"), "not a zip archive"},
		{"legacy", append(append([]byte(nil), legacyMagic...), 0, 0), "legacy torch.save format"},
		{"truncated", good[:len(good)/2], "truncated"},
		{"truncated tail", good[:len(good)-10], "zip directory unreadable"},
		{"big-endian", addRecord(t, good, "coo_f64/byteorder", "big"), `byte order "big"`},
	} {
		_, err := Decode(bytes.NewReader(c.data), int64(len(c.data)), "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}

// Forged pickles: each is a valid zip around a data.pkl that lies.
func TestForgedPickles(t *testing.T) {
	for _, c := range []struct {
		name  string
		rows  int
		cols  int
		nnz   int
		patch func(p []byte) []byte
		want  string
	}{
		{"indices out of range", 2, 2, 3, nil, "outside the size 2×2"},
		{"negative size", -1, 4, 3, nil, "negative"},
		{"view beyond storage", 4, 4, 3, func(p []byte) []byte {
			// values view claims 4 elements of a 3-element storage
			return bytes.Replace(p, []byte("J\x03\x00\x00\x00t(J\x01\x00\x00\x00t"), []byte("J\x04\x00\x00\x00t(J\x01\x00\x00\x00t"), 1)
		}, "reaches element 3 of storage"},
		{"values and indices differ", 4, 4, 3, func(p []byte) []byte {
			// the values view claims 2 of the 3 stored elements
			return bytes.Replace(p, []byte("J\x00\x00\x00\x00(J\x03\x00\x00\x00t(J\x01"), []byte("J\x00\x00\x00\x00(J\x02\x00\x00\x00t(J\x01"), 1)
		}, "3 indices but 2 values"},
		{"NaN size", 4, 4, 3, func(p []byte) []byte {
			nan := []byte{'G', 0x7f, 0xf8, 0, 0, 0, 0, 0, 0}
			return bytes.Replace(p, []byte("J\x04\x00\x00\x00J\x04\x00\x00\x00\x86"), append(append([]byte("J\x04\x00\x00\x00"), nan...), 0x86), 1)
		}, "tensor size holds a float"},
		{"huge stride", 4, 4, 3, func(p []byte) []byte {
			return bytes.Replace(p, []byte("(J\x03\x00\x00\x00J\x01\x00\x00\x00t"), []byte("(J\x03\x00\x00\x00J\xff\xff\xff\x7ft"), 1)
		}, "reaches element"},
		{"complex storage", 4, 4, 3, func(p []byte) []byte {
			return bytes.Replace(p, []byte("FloatStorage"), []byte("ComplexFloatStorage"), 1)
		}, "storage type torch.ComplexFloatStorage (known: torch.DoubleStorage"},
		{"truncated pickle", 4, 4, 3, func(p []byte) []byte { return p[:len(p)-7] }, "unexpected EOF"},
		{"unknown opcode", 4, 4, 3, func(p []byte) []byte { return append([]byte{0x80, 2, 0xff}, p[2:]...) }, "unknown opcode 0xff"},
		{"NEWOBJ", 4, 4, 3, func(p []byte) []byte { return append([]byte{0x80, 2, ')', ')', 0x81}, p[2:]...) }, "NEWOBJ"},
	} {
		m := &sparse.CSR{Rows: 4, Cols: 4, RowPtr: []int32{0, 1, 2, 3, 3}, ColIdx: []int32{3, 0, 1}, Val: []float32{1, 2, 3}}
		var buf bytes.Buffer
		if err := Encode(&buf, m); err != nil {
			t.Fatal(err)
		}
		pkl := cooPickle(c.rows, c.cols, c.nnz)
		if c.patch != nil {
			pkl = c.patch(pkl)
		}
		data := replaceRecord(t, buf.Bytes(), "archive/data.pkl", pkl)
		_, err := Decode(bytes.NewReader(data), int64(len(data)), "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}

var torchOnce struct {
	sync.Once
	err error
}

// requireTorch skips t unless fixture.Python imports torch and scipy.
func requireTorch(t *testing.T) {
	t.Helper()
	torchOnce.Do(func() { _, torchOnce.err = python(t, "", "import torch, scipy") })
	if torchOnce.err != nil {
		t.Skipf("%s lacks torch or scipy: %v", fixture.Python, torchOnce.err)
	}
}
