package npy

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/internal/fixture"
	"github.com/neuropil/neuropil/sparse"
)

// Every fixture written by NumPy and SciPy loads with exactly the indices
// and values scipy sees.
func TestDecodeFixtures(t *testing.T) {
	paths, _ := filepath.Glob("testdata/*.expect.json")
	if len(paths) < 10 {
		t.Fatalf("only %d fixtures; run testdata/gen/formats.py", len(paths))
	}
	for _, e := range paths {
		name := strings.TrimSuffix(filepath.Base(e), ".expect.json")
		t.Run(name, func(t *testing.T) {
			var got *sparse.CSR
			if data, err := os.ReadFile("testdata/" + name + ".npz"); err == nil {
				key := ""
				if name == "arrays" {
					key = "w"
				}
				got, err = DecodeNPZ(bytes.NewReader(data), int64(len(data)), key)
				if err != nil {
					t.Fatal(err)
				}
			} else {
				f, err := os.Open("testdata/" + name + ".npy")
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				if got, err = Decode(f); err != nil {
					t.Fatal(err)
				}
			}
			fixture.Equal(t, name, got, fixture.Expect(t, e))
		})
	}
}

// Matrices scipy writes itself, canonical or not, decode as scipy reads
// them, canonical ones by the direct path.
func TestDecodeSciPyCanonical(t *testing.T) {
	if err := exec.Command(fixture.Python, "-c", "import scipy, numpy").Run(); err != nil {
		t.Skipf("%s lacks scipy: %v", fixture.Python, err)
	}
	dir := t.TempDir()
	script := `
import numpy as np, scipy.sparse as sp
rng = np.random.default_rng(7)
r = rng.integers(0, 60, 3000); c = rng.integers(0, 50, 3000)
v = rng.standard_normal(3000)
coo = sp.coo_matrix((v, (r, c)), shape=(60, 50))
csr = coo.tocsr(); csr.sum_duplicates()
sp.save_npz("canon_csr.npz", csr)
sp.save_npz("canon_csc.npz", csr.tocsc().astype(np.float32), compressed=False)
sp.save_npz("canon_coo.npz", csr.tocoo())
sp.save_npz("dup_coo.npz", coo, compressed=False)
u = sp.csr_matrix((v, (r, c)), shape=(60, 50))
u.indices = u.indices.astype(np.int64); u.indptr = u.indptr.astype(np.int64)
p = np.argsort(-u.indices[u.indptr[3]:u.indptr[4]], kind="stable") + u.indptr[3]
u.indices[u.indptr[3]:u.indptr[4]] = u.indices[p]; u.data[u.indptr[3]:u.indptr[4]] = u.data[p]
assert u.indptr[4] - u.indptr[3] >= 2
sp.save_npz("unsorted_csr.npz", u)
d = csr.toarray()
np.save("dense.npy", d.astype(np.float32)); np.save("dense_f.npy", np.asfortranarray(d))
m = csr.astype(np.float32)
with open("expect.txt", "w") as f:
    f.write(" ".join(map(str, m.indptr)) + "\n" + " ".join(map(str, m.indices)) + "\n" + " ".join(repr(float(x)) for x in m.data) + "\n")
`
	cmd := exec.Command(fixture.Python, "-c", script)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("scipy: %v\n%s", err, out)
	}
	exp, _ := os.ReadFile(filepath.Join(dir, "expect.txt"))
	lines := strings.Split(string(exp), "\n")
	want := &sparse.CSR{Rows: 60, Cols: 50}
	for _, f := range strings.Fields(lines[0]) {
		var x int32
		fmt.Sscan(f, &x)
		want.RowPtr = append(want.RowPtr, x)
	}
	for _, f := range strings.Fields(lines[1]) {
		var x int32
		fmt.Sscan(f, &x)
		want.ColIdx = append(want.ColIdx, x)
	}
	for _, f := range strings.Fields(lines[2]) {
		var x float64
		fmt.Sscan(f, &x)
		want.Val = append(want.Val, float32(x))
	}
	for file, direct := range map[string]bool{"canon_csr": true, "canon_csc": true, "canon_coo": true, "dup_coo": false, "unsorted_csr": false} {
		data, err := os.ReadFile(filepath.Join(dir, file+".npz"))
		if err != nil {
			t.Fatal(err)
		}
		got, built, wentDirect := decodeBoth(t, data)
		if wentDirect != direct {
			t.Errorf("%s: direct %v, want %v", file, wentDirect, direct)
		}
		fixture.Equal(t, file, got, want)
		fixture.Equal(t, file+" builder", built, want)
	}
	for _, file := range []string{"dense.npy", "dense_f.npy"} {
		f, _ := os.Open(filepath.Join(dir, file))
		got, err := Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		fixture.Equal(t, file, got, want)
	}
}

// A canonical csr, csc or coo (explicit zeros included, as scipy may
// keep them) is assembled without the COO builder, into exactly the
// matrix the builder makes, whatever the index and value dtypes. The
// matrix spans many chunks of every array.
func TestDecodeNPZDirect(t *testing.T) {
	m := randomCSR(300, 500, 0.2, 1) // 30000 entries, a twelfth of them zero
	want := withoutZeros(m)
	for _, format := range []string{"csr", "csc", "coo"} {
		for mname, method := range methods {
			for _, idx64 := range []bool{false, true} {
				for _, val64 := range []bool{false, true} {
					name := fmt.Sprintf("%s/%s/idx64=%v/val64=%v", format, mname, idx64, val64)
					data := layout(m, format, idx64, val64, method)
					direct, built, ok := decodeBoth(t, data)
					if !ok {
						t.Errorf("%s: canonical matrix went through the builder", name)
					}
					fixture.Equal(t, name+" direct", direct, want)
					fixture.Equal(t, name+" builder", built, want)
					got, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)), "")
					if err != nil {
						t.Fatal(err)
					}
					fixture.Equal(t, name+" DecodeNPZ", got, want)
				}
			}
		}
	}
}

// Values of every numeric dtype, either byte order, reach the direct path
// with the builder's rounding: float64 through float32 once, integers
// through float64.
func TestDecodeNPZValueDTypes(t *testing.T) {
	raw := func(order binary.ByteOrder, size int, bits []uint64) []byte {
		b := make([]byte, size*len(bits))
		for k, x := range bits {
			switch size {
			case 1:
				b[k] = byte(x)
			case 2:
				order.PutUint16(b[2*k:], uint16(x))
			case 4:
				order.PutUint32(b[4*k:], uint32(x))
			default:
				order.PutUint64(b[8*k:], x)
			}
		}
		return b
	}
	f64 := func(v ...float64) []uint64 {
		out := make([]uint64, len(v))
		for k, x := range v {
			out[k] = math.Float64bits(x)
		}
		return out
	}
	f32 := func(v ...float32) []uint64 {
		out := make([]uint64, len(v))
		for k, x := range v {
			out[k] = uint64(math.Float32bits(x))
		}
		return out
	}
	neg := func(x int64) uint64 { return uint64(x) }
	for _, c := range []struct {
		descr string
		size  int
		bits  []uint64
		want  []float32 // nonzeros, in order
	}{
		{"<f8", 8, f64(1.5, 0, 1e-50, 1+1e-12, -3e38), []float32{1.5, 1, -3e38}},
		{">f8", 8, f64(1.5, 0, 2, 3, -4), []float32{1.5, 2, 3, -4}},
		{"<f4", 4, f32(1.5, 0, 2, 3, -4), []float32{1.5, 2, 3, -4}},
		{">f4", 4, f32(1.5, 0, 2, 3, -4), []float32{1.5, 2, 3, -4}},
		{"<f2", 2, []uint64{0x3e00, 0, 0x4000, 0x8001, 0xc400}, []float32{1.5, 2, -1.0 / (1 << 24), -4}},
		{">f2", 2, []uint64{0x3e00, 0, 0x4000, 0x4200, 0xc400}, []float32{1.5, 2, 3, -4}},
		{"<i8", 8, []uint64{1<<53 + 1, 0, 2, 3, neg(-4)}, []float32{float32(float64(1<<53 + 1)), 2, 3, -4}},
		{">i4", 4, []uint64{7, 0, 2, 3, uint64(uint32(neg(-4)))}, []float32{7, 2, 3, -4}},
		{"<u2", 2, []uint64{65535, 0, 2, 3, 4}, []float32{65535, 2, 3, 4}},
		{"|i1", 1, []uint64{0xff, 0, 2, 3, 4}, []float32{-1, 2, 3, 4}},
		{"|b1", 1, []uint64{5, 0, 1, 1, 1}, []float32{1, 1, 1, 1}},
	} {
		var order binary.ByteOrder = binary.LittleEndian
		if c.descr[0] == '>' {
			order = binary.BigEndian
		}
		data := scipyNPZ(zip.Store, "csr", 1, 5, map[string][]byte{
			"indptr":  npyOf([]int32{0, 5}),
			"indices": npyOf([]int32{0, 1, 2, 3, 4}),
			"data":    npyRaw(c.descr, []int{5}, raw(order, c.size, c.bits)),
		})
		direct, built, ok := decodeBoth(t, data)
		if !ok {
			t.Errorf("%s: builder", c.descr)
		}
		fixture.Equal(t, c.descr, direct, built)
		if !reflect.DeepEqual(direct.Val, c.want) {
			t.Errorf("%s: values %v, want %v", c.descr, direct.Val, c.want)
		}
	}
}

// Matrices that are not canonical (indices unsorted within a row or
// column, duplicates, a coo out of order) go through the builder, which
// sorts them and sums duplicates in float64.
func TestDecodeNPZNonCanonical(t *testing.T) {
	// want: the 3×4 matrix [[0 1 0 2] [1 0 0 0] [0 0 5 0]].
	want := &sparse.CSR{Rows: 3, Cols: 4, RowPtr: []int32{0, 2, 3, 4},
		ColIdx: []int32{1, 3, 0, 2}, Val: []float32{1, 2, 1, 5}}
	for _, c := range []struct {
		name   string
		format string
		arrays map[string][]byte
	}{
		{"csr unsorted", "csr", map[string][]byte{
			"indptr": npyOf([]int32{0, 2, 3, 4}), "indices": npyOf([]int32{3, 1, 0, 2}), "data": npyOf([]float32{2, 1, 1, 5})}},
		{"csr duplicates summed in float64", "csr", map[string][]byte{
			"indptr":  npyOf([]int64{0, 2, 6, 7}),
			"indices": npyOf([]int64{1, 3, 0, 0, 0, 0, 2}),
			"data":    npyOf([]float64{1, 2, 1e8, 1, -1e8, -0.0, 5})}},
		{"csr duplicate cancelling to zero", "csr", map[string][]byte{
			"indptr": npyOf([]int32{0, 4, 5, 6}), "indices": npyOf([]int32{1, 2, 3, 2, 0, 2}), "data": npyOf([]float32{1, 0.5, 2, -0.5, 1, 5})}},
		{"csc duplicates", "csc", map[string][]byte{
			"indptr": npyOf([]int32{0, 1, 3, 4, 5}), "indices": npyOf([]int32{1, 0, 0, 2, 0}), "data": npyOf([]float32{1, 0.25, 0.75, 5, 2})}},
		{"coo unsorted", "coo", map[string][]byte{
			"row": npyOf([]int32{2, 0, 1, 0}), "col": npyOf([]int32{2, 3, 0, 1}), "data": npyOf([]float32{5, 2, 1, 1})}},
		{"coo duplicates", "coo", map[string][]byte{
			"row": npyOf([]int32{0, 0, 1, 2, 2, 0}), "col": npyOf([]int32{1, 3, 0, 2, 2, 3}), "data": npyOf([]float32{1, 1, 1, 2, 3, 1})}},
	} {
		for mname, method := range methods {
			data := scipyNPZ(method, c.format, 3, 4, c.arrays)
			direct, built, ok := decodeBoth(t, data)
			if ok {
				t.Errorf("%s %s: went direct", c.name, mname)
			}
			fixture.Equal(t, c.name, direct, want)
			fixture.Equal(t, c.name, built, want)
		}
	}
	// csc with the rows of column 3 unsorted: [[0 1 0 2] [1 0 0 0] [0 0 5 3]].
	data := scipyNPZ(zip.Store, "csc", 3, 4, map[string][]byte{
		"indptr": npyOf([]int32{0, 1, 2, 3, 5}), "indices": npyOf([]int32{1, 0, 2, 2, 0}), "data": npyOf([]float32{1, 1, 5, 3, 2})})
	want = &sparse.CSR{Rows: 3, Cols: 4, RowPtr: []int32{0, 2, 3, 5},
		ColIdx: []int32{1, 3, 0, 2, 3}, Val: []float32{1, 2, 1, 5, 3}}
	direct, built, ok := decodeBoth(t, data)
	if ok {
		t.Error("csc unsorted: went direct")
	}
	fixture.Equal(t, "csc unsorted", direct, want)
	fixture.Equal(t, "csc unsorted", built, want)
}

// The direct path and the builder report a NaN or infinite value with the
// same words, naming the entry and its place.
func TestDecodeNPZNotFinite(t *testing.T) {
	m := randomCSR(40, 30, 0.3, 2)
	for k := range m.Val {
		if m.Val[k] == 0 {
			m.Val[k] = 1
		}
	}
	k := m.NNZ() / 2
	i := sort.Search(m.Rows, func(i int) bool { return int(m.RowPtr[i+1]) > k })
	j := m.ColIdx[k]
	for _, v := range []float32{float32(math.NaN()), float32(math.Inf(-1))} {
		for _, format := range []string{"csr", "csc", "coo"} {
			bad := m.Clone()
			bad.Val[k] = v
			data := layout(bad, format, false, false, zip.Store)
			_, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)), "")
			if !errors.Is(err, sparse.ErrNotFinite) {
				t.Fatalf("%s %v: err %v", format, v, err)
			}
			at := fmt.Sprintf("at (%d, %d) is %v", i, j, v)
			if !strings.Contains(err.Error(), at) {
				t.Errorf("%s: %v, want %q", format, err, at)
			}
			r := bytes.NewReader(data)
			h, _ := DecodeNPZHeader(r, r.Size(), "")
			z, _ := openNPZ(r, r.Size())
			_, _, berr := z.sparse(h, false)
			if berr == nil || berr.Error() != err.Error() {
				t.Errorf("%s: direct %q, builder %q", format, err, berr)
			}
		}
	}
	// float64 beyond float32 is an error too, as in the builder.
	data := scipyNPZ(zip.Store, "csr", 1, 1, map[string][]byte{
		"indptr": npyOf([]int32{0, 1}), "indices": npyOf([]int32{0}), "data": npyOf([]float64{1e39})})
	if _, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)), ""); !errors.Is(err, sparse.ErrNotFinite) {
		t.Errorf("1e39: %v", err)
	}
}

// Truncated, corrupt or forged entries are errors that name the array
// and the problem, found before any array is sized from a header.
func TestDecodeNPZCorrupt(t *testing.T) {
	m := randomCSR(50, 50, 0.3, 3)
	good := func(method uint16) map[string][]byte {
		return map[string][]byte{"indptr": npyOf(m.RowPtr), "indices": npyOf(m.ColIdx), "data": npyOf(m.Val)}
	}
	with := func(method uint16, name string, b []byte) []byte {
		a := good(method)
		a[name] = b
		return scipyNPZ(method, "csr", 50, 50, a)
	}
	short := func(b []byte, n int) []byte { return b[:len(b)-n] }
	// flip changes a byte of the last value of data in a stored archive,
	// which only the CRC catches.
	flip := func() []byte {
		d := scipyNPZ(zip.Store, "csr", 50, 50, good(zip.Store))
		v := npyOf(m.Val)
		at := bytes.Index(d, v) + len(v) - 2
		d = slices.Clone(d)
		d[at] ^= 1
		return d
	}
	// raw writes an archive whose data entry declares sizes it lacks.
	raw := func(fh zip.FileHeader, body []byte) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for n, b := range map[string][]byte{"format": npyRaw("|S3", nil, []byte("csr")), "shape": npyOf([]int64{50, 50}),
			"indptr": npyOf(m.RowPtr), "indices": npyOf(m.ColIdx)} {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: n + ".npy", Method: zip.Store})
			w.Write(b)
		}
		fh.Name = "data.npy"
		w, err := zw.CreateRaw(&fh)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body)
		zw.Close()
		return buf.Bytes()
	}
	vals := npyOf(m.Val)
	var def bytes.Buffer
	dw, _ := flate.NewWriter(&def, flate.BestCompression)
	dw.Write(vals)
	dw.Close()
	for mname, method := range methods {
		for _, c := range []struct {
			name string
			data []byte
			want string
		}{
			{"data truncated", with(method, "data", short(npyOf(m.Val), 3)), `array "data": npy: data of shape`},
			{"indices truncated", with(method, "indices", short(npyOf(m.ColIdx), 1)), `array "indices": npy: data of shape`},
			{"indptr truncated", with(method, "indptr", short(npyOf(m.RowPtr), 4)), `array "indptr": npy: data of shape`},
			{"header truncated", with(method, "data", npyOf(m.Val)[:40]), `array "data": npy: file ends inside the header`},
		} {
			_, err := DecodeNPZ(bytes.NewReader(c.data), int64(len(c.data)), "")
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s %s: err %v, want %q", mname, c.name, err, c.want)
			}
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("%s %s: %v is not io.ErrUnexpectedEOF", mname, c.name, err)
			}
		}
	}
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"checksum", flip(), `array "data": zip: checksum error`},
		{"stored beyond the file", raw(zip.FileHeader{Method: zip.Store, CompressedSize64: 1 << 40, UncompressedSize64: 1 << 40}, vals),
			`array "data": 1099511627776 bytes at offset`},
		{"stored sizes differ", raw(zip.FileHeader{Method: zip.Store, CompressedSize64: uint64(len(vals)), UncompressedSize64: 1 << 30}, vals),
			`array "data": stored entry of`},
		{"deflate beyond 1032:1", raw(zip.FileHeader{Method: zip.Deflate, CompressedSize64: uint64(def.Len()), UncompressedSize64: 1 << 40}, def.Bytes()),
			`beyond deflate's 1032:1`},
		{"deflate stream corrupt", raw(zip.FileHeader{Method: zip.Deflate, CompressedSize64: uint64(len(vals)), UncompressedSize64: uint64(len(vals))}, vals),
			`array "data"`},
	} {
		_, err := DecodeNPZ(bytes.NewReader(c.data), int64(len(c.data)), "")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
}

// maxAllocRatio bounds the bytes allocated while decoding a canonical
// matrix, over the size of the CSR it returns: the result itself plus
// the chunk buffers, zip readers and headers (about 0.3 MB in all here).
// A full-size intermediate copy of any array (raw bytes, int64 or float64
// elements, the COO builder's triplets) would add at least 0.5.
const maxAllocRatio = 1.3

// Decoding a canonical scipy matrix allocates little more than the CSR
// it returns.
func TestDecodeNPZAllocs(t *testing.T) {
	m := randomCSR(1000, 2000, 0.25, 4) // 500000 entries: a 4 MB CSR
	want := withoutZeros(m)
	size := func(m *sparse.CSR) float64 { return float64(4*len(m.RowPtr) + 4*len(m.ColIdx) + 4*len(m.Val)) }
	for _, format := range []string{"csr", "csc", "coo"} {
		for mname, method := range methods {
			for _, wide := range []bool{false, true} {
				name := fmt.Sprintf("%s/%s/int64 and float64=%v", format, mname, wide)
				data := layout(m, format, wide, wide, method)
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				got, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)), "")
				runtime.ReadMemStats(&after)
				if err != nil {
					t.Fatal(err)
				}
				fixture.Equal(t, name, got, want)
				ratio := float64(after.TotalAlloc-before.TotalAlloc) / size(got)
				t.Logf("%s: %.3f × the CSR", name, ratio)
				if ratio > maxAllocRatio {
					t.Errorf("%s: allocated %.2f × the CSR's %.0f bytes, want ≤ %v", name, ratio, size(got), maxAllocRatio)
				}
			}
		}
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	c := sparse.NewCOO(40, 25, 0)
	for k := 0; k < 300; k++ {
		c.Add((k*7)%40, (k*11)%25, float64(k%9)-4.5)
	}
	m := c.ToCSR()
	var buf bytes.Buffer
	if err := EncodeNPZ(&buf, m); err != nil {
		t.Fatal(err)
	}
	got, err := DecodeNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "")
	if err != nil {
		t.Fatal(err)
	}
	fixture.Equal(t, "npz", got, m)
	buf.Reset()
	if err := EncodeMatrix(&buf, m); err != nil {
		t.Fatal(err)
	}
	if got, err = Decode(&buf); err != nil {
		t.Fatal(err)
	}
	fixture.Equal(t, "npy", got, m)
}

// Files written here load in SciPy and NumPy with the same values.
func TestEncodeLoadsInSciPy(t *testing.T) {
	if err := exec.Command(fixture.Python, "-c", "import scipy, numpy").Run(); err != nil {
		t.Skipf("%s lacks scipy: %v", fixture.Python, err)
	}
	dir := t.TempDir()
	c := sparse.NewCOO(30, 20, 0)
	for k := 0; k < 200; k++ {
		c.Add((k*7)%30, (k*3)%20, float64(float32(k)/7))
	}
	m := c.ToCSR()
	var z, d bytes.Buffer
	EncodeNPZ(&z, m)
	EncodeMatrix(&d, m)
	os.WriteFile(filepath.Join(dir, "m.npz"), z.Bytes(), 0o644)
	os.WriteFile(filepath.Join(dir, "m.npy"), d.Bytes(), 0o644)
	script := `
import numpy as np, scipy.sparse as sp
m = sp.load_npz("m.npz")
d = np.load("m.npy")
assert m.format == "csr" and m.dtype == np.float32 and d.dtype == np.float32
assert (m.toarray() == d).all()
m.indices = m.indices.astype(np.int64)
sp.save_npz("back.npz", m.tocoo())
print(m.shape, m.nnz)
`
	cmd := exec.Command(fixture.Python, "-c", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("scipy: %v\n%s", err, out)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "back.npz"))
	got, err := DecodeNPZ(bytes.NewReader(data), int64(len(data)), "")
	if err != nil {
		t.Fatal(err)
	}
	fixture.Equal(t, "via scipy", got, m)
}

// FuzzDecodeNPZArrays fuzzes the scipy-level checks (shape, indptr,
// indices, row, col) with arrays placed in a valid archive, which
// mutations of whole files rarely reach past the zip checksums.
func FuzzDecodeNPZArrays(f *testing.F) {
	f.Add("csr", int64(2), int64(2), []byte{0, 1, 2}, []byte{1, 0}, []byte{1, 2})
	f.Add("csc", int64(3), int64(2), []byte{0, 2, 3}, []byte{2, 0, 1}, []byte{1, 2, 3})
	f.Add("coo", int64(3), int64(3), []byte{0, 1, 2, 2}, []byte{2, 0, 1, 2}, []byte{1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, format string, rows, cols int64, a, b, v []byte) {
		ints := func(p []byte) []int32 {
			out := make([]int32, len(p))
			for i, x := range p {
				out[i] = int32(int8(x))
			}
			return out
		}
		vals := make([]float32, len(v))
		for i, x := range v {
			vals[i] = float32(int8(x))
		}
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		put := func(name string, n int, d any) {
			w, _ := zw.Create(name + ".npy")
			Encode(w, []int{n}, d)
		}
		put("shape", 2, []int64{rows, cols})
		put("data", len(vals), vals)
		if format == "coo" {
			put("row", len(a), ints(a))
			put("col", len(b), ints(b))
		} else {
			put("indptr", len(a), ints(a))
			put("indices", len(b), ints(b))
		}
		w, _ := zw.Create("format.npy")
		EncodeStrings(w, nil, []string{string([]byte(format + "   ")[:3])})
		zw.Close()
		m, err := DecodeNPZ(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "")
		if err == nil {
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			if int64(m.Rows) != rows || int64(m.Cols) != cols {
				t.Fatalf("shape %d×%d, want %d×%d", m.Rows, m.Cols, rows, cols)
			}
		}
	})
}
