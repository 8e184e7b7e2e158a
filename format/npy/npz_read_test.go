package npy

import (
	"archive/zip"
	"bytes"
	"math"
	"os"
	"runtime"
	"strings"
	"testing"
)

func TestDecodeNPZHeader(t *testing.T) {
	for file, want := range map[string]MatrixHeader{
		"csc_f4.npz":       {Format: "csc", DType: "<f4", Rows: 30, Cols: 30},
		"csr_rect.npz":     {Format: "csr", DType: "<f4", Rows: 20, Cols: 7, NNZ: 28},
		"csr_i2_idx64.npz": {Format: "csr", DType: "<i2", Rows: 10, Cols: 10},
		"arrays.npz":       {Format: "dense", DType: "<f4", Rows: 8, Cols: 6, NNZ: 48, Key: "w"},
	} {
		data, _ := os.ReadFile("testdata/" + file)
		h, err := DecodeNPZHeader(bytes.NewReader(data), int64(len(data)), "")
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		if want.NNZ == 0 {
			want.NNZ = h.NNZ
		}
		if h != want {
			t.Errorf("%s: %+v, want %+v", file, h, want)
		}
	}
	data, _ := os.ReadFile("testdata/arrays.npz")
	if _, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)), "nope"); err == nil || !strings.Contains(err.Error(), "arrays: b, w") {
		t.Errorf("missing key: %v", err)
	}
	if _, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)), "b"); err == nil || !strings.Contains(err.Error(), "want a 2-D matrix") {
		t.Errorf("1-D key: %v", err)
	}
}

func TestNPZErrors(t *testing.T) {
	good, _ := os.ReadFile("testdata/csr_f8.npz")
	csr := func(shape []int64, indptr, indices []int32, data []float32) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for name, arr := range map[string]struct {
			n int
			d any
		}{"shape": {len(shape), shape}, "indptr": {len(indptr), indptr}, "indices": {len(indices), indices}, "data": {len(data), data}} {
			w, _ := zw.Create(name + ".npy")
			Encode(w, []int{arr.n}, arr.d)
		}
		w, _ := zw.Create("format.npy")
		EncodeStrings(w, nil, []string{"csr"})
		zw.Close()
		return buf.Bytes()
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "unexpected EOF"},
		{"wrong magic", []byte("not a zip at all"), "not a zip archive"},
		{"truncated", good[:len(good)-20], "zip directory unreadable"},
		{"valid", csr([]int64{2, 2}, []int32{0, 1, 2}, []int32{1, 0}, []float32{1, 2}), ""},
		{"index out of range", csr([]int64{2, 2}, []int32{0, 1, 2}, []int32{1, 2}, []float32{1, 2}), "column index 2, outside the shape 2×2"},
		{"indptr too short", csr([]int64{3, 2}, []int32{0, 1, 2}, []int32{1, 0}, []float32{1, 2}), "indptr has shape [3], want [4]"},
		{"indptr decreasing", csr([]int64{3, 2}, []int32{0, 2, 1, 2}, []int32{1, 0}, []float32{1, 2}), "decreases"},
		{"data and indices differ", csr([]int64{2, 2}, []int32{0, 1, 2}, []int32{1, 0, 1}, []float32{1, 2}), "indices has shape [3], want [2]"},
		{"negative shape", csr([]int64{-2, 2}, []int32{0, 1, 2}, []int32{1, 0}, []float32{1, 2}), "negative shape"},
		{"NaN", csr([]int64{2, 2}, []int32{0, 1, 2}, []int32{1, 0}, []float32{1, float32(math.NaN())}), "NaN"},
		{"no matrix at all", savez(map[string][]float32{"tau": {1, 2}, "bias": {0}}), "holds no 2-D array and no scipy matrix"},
	} {
		_, err := DecodeNPZ(bytes.NewReader(c.data), int64(len(c.data)), "")
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}

// A header that claims far more elements than its entry holds is refused
// before anything is allocated for them.
func TestDecodeNPZForgedHeader(t *testing.T) {
	data := scipyNPZ(zip.Deflate, "csr", 1000, 1000, map[string][]byte{
		"indptr": npyOf(make([]int32, 1001)), "indices": npyRaw("<i4", []int{1 << 30}, make([]byte, 64)),
		"data": npyRaw("<f8", []int{1 << 30}, make([]byte, 64))})
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)), "")
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), `array "data": npy: data of shape [1073741824] <f8: unexpected EOF`) {
		t.Errorf("err %v", err)
	}
	if a := after.TotalAlloc - before.TotalAlloc; a > 1<<20 {
		t.Errorf("allocated %d bytes", a)
	}
}

func FuzzDecodeNPZ(f *testing.F) {
	seeds(f, "testdata/*.npz")
	f.Fuzz(func(t *testing.T, data []byte) {
		h, herr := DecodeNPZHeader(bytes.NewReader(data), int64(len(data)), "")
		m, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)), "")
		if err != nil {
			return
		}
		if herr != nil || m.Rows != h.Rows || m.Cols != h.Cols {
			t.Fatalf("header %+v (%v), matrix %d×%d", h, herr, m.Rows, m.Cols)
		}
		if err := m.Validate(); err != nil {
			t.Fatal(err)
		}
	})
}
