package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestReadArrays(t *testing.T) {
	a, err := ReadFile("testdata/input_3d_f4.npy")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a.Shape, []int{2, 3, 4}) || a.DType != "<f4" {
		t.Fatalf("shape %v dtype %s", a.Shape, a.DType)
	}
	f, _ := a.Float32()
	for k, v := range f {
		if v != float32(k)/8 {
			t.Fatalf("element %d is %v", k, v)
		}
	}
	if _, err := a.Int64(); err == nil {
		t.Error("Int64 of floats accepted")
	}
	for file, want := range map[string][]int64{
		"indices_i8.npy": {5, 0, 3, 3, 1 << 40},
		"indices_u2.npy": {1, 65535, 7},
	} {
		a, err := ReadFile("testdata/" + file)
		if err != nil {
			t.Fatal(err)
		}
		got, err := a.Int64()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v %v, want %v", file, got, err, want)
		}
	}
	a, err = ReadFile("testdata/scalar_f8.npy")
	if err != nil || len(a.Shape) != 0 || a.Data.([]float64)[0] != 2.5 {
		t.Errorf("scalar: %+v %v", a, err)
	}
	// Fortran order comes back in C order.
	c, _ := ReadFile("testdata/dense_f8.npy")
	fo, _ := ReadFile("testdata/dense_fortran.npy")
	if !reflect.DeepEqual(c.Data, fo.Data) || !reflect.DeepEqual(c.Shape, fo.Shape) {
		t.Error("Fortran-order array differs from the C-order one")
	}
}

// Read converts every dtype a chunk at a time into the same elements as
// element-by-element decoding, across chunk boundaries, and ReadFile
// sizes the result from the file.
func TestReadChunks(t *testing.T) {
	const n = 40000
	for _, descr := range []string{"<i2", ">i4", "<u4", "<u8", "|b1", "|u1", "<f2", ">f4", ">f8", "|S3", "<U2"} {
		dt, _ := parseDType(descr)
		raw := make([]byte, n*dt.size)
		rng := rand.New(rand.NewPCG(6, 1))
		for k := range raw {
			raw[k] = byte(rng.IntN(256))
		}
		if dt.kind == 'u' && dt.size == 8 {
			for k := 7; k < len(raw); k += 8 {
				raw[k] &= 0x7f
			}
		}
		if dt.kind == 'U' {
			for k := range raw {
				if k%4 >= 1 {
					raw[k] = 0
				}
			}
		}
		b := npyRaw(descr, []int{n}, raw)
		a, err := Read(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", descr, err)
		}
		var order binary.ByteOrder = binary.LittleEndian
		if dt.order == '>' {
			order = binary.BigEndian
		}
		for k := 0; k < n; k++ {
			e := raw[k*dt.size : (k+1)*dt.size]
			var want any
			switch descr[1:] {
			case "i2":
				want = int64(int16(order.Uint16(e)))
			case "i4":
				want = int64(int32(order.Uint32(e)))
			case "u4":
				want = int64(order.Uint32(e))
			case "u8":
				want = int64(order.Uint64(e))
			case "b1":
				want = int64(min(e[0], 1))
			case "u1":
				want = int64(e[0])
			case "f2":
				want = halfToFloat32(order.Uint16(e))
			case "f4":
				want = math.Float32frombits(order.Uint32(e))
			case "f8":
				want = math.Float64frombits(order.Uint64(e))
			case "S3":
				want = strings.TrimRight(string(e), "\x00")
			case "U2":
				want = decodeString(e, dt)
			}
			got := reflect.ValueOf(a.Data).Index(k).Interface()
			if !reflect.DeepEqual(got, want) && !(descr[1] == 'f' && fmt.Sprint(got) == "NaN" && fmt.Sprint(want) == "NaN") {
				t.Fatalf("%s: element %d is %v, want %v", descr, k, got, want)
			}
		}
		if c := reflect.ValueOf(a.Data).Cap(); c < n {
			t.Fatalf("%s: capacity %d", descr, c)
		}
		p := filepath.Join(t.TempDir(), "a.npy")
		os.WriteFile(p, b, 0o644)
		fa, err := ReadFile(p)
		if err != nil || !reflect.DeepEqual(fa, a) && descr[1] != 'f' {
			t.Fatalf("%s: ReadFile differs: %v", descr, err)
		}
		if c := reflect.ValueOf(fa.Data).Cap(); c != n {
			t.Errorf("%s: ReadFile capacity %d, want %d", descr, c, n)
		}
	}
	if _, err := Read(bytes.NewReader(npyRaw("<u8", []int{1}, []byte{0, 0, 0, 0, 0, 0, 0, 0x80}))); err == nil || !strings.Contains(err.Error(), "beyond int64") {
		t.Errorf("uint64 beyond int64: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	seeds(f, "testdata/*.npy")
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := Read(bytes.NewReader(data))
		if err == nil && a.Len() != reflect.ValueOf(a.Data).Len() {
			t.Fatalf("shape %v but %d elements", a.Shape, reflect.ValueOf(a.Data).Len())
		}
		m, err := Decode(bytes.NewReader(data))
		if err == nil {
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
		}
	})
}
