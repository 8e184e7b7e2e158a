package npy

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/internal/fixture"
	"github.com/neuropil/neuropil/sparse"
)

func TestDecodeErrors(t *testing.T) {
	good := npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", make([]byte, 16))
	for _, c := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "unexpected EOF"},
		{"wrong magic", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00"), "wrong magic"},
		{"truncated data", good[:len(good)-3], "unexpected EOF"},
		{"truncated header", good[:30], "unexpected EOF"},
		{"negative shape", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 2), }", nil), "negative dimension"},
		{"NaN shape", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (nan, 2), }", nil), "shape holds a non-integer"},
		{"shape disagrees with data", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", make([]byte, 16)), "unexpected EOF"},
		{"object", npyBytes("{'descr': '|O', 'fortran_order': False, 'shape': (2, 2), }", nil), "object array"},
		{"huge", npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000, 1000000000), }", nil), "too many elements"},
		{"claims much", npyBytes("{'descr': '<f8', 'fortran_order': False, 'shape': (100000, 100000), }", nil), "unexpected EOF"},
		{"3-D", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 2), }", make([]byte, 16)), "want a 2-D matrix"},
		{"NaN", npyBytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), }", []byte{0, 0, 0xc0, 0x7f}), "NaN"},
		{"bad dict", npyBytes("{'descr': '<f4', 'shape': (1, 1), }", nil), "missing descr"},
		{"complex", npyBytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1, 1), }", nil), "unsupported"},
	} {
		_, err := Decode(bytes.NewReader(c.data))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", c.name, err, c.want)
		}
	}
	if _, err := Decode(bytes.NewReader(good[:len(good)-3])); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("truncated: %v is not io.ErrUnexpectedEOF", err)
	}
}

// A dense matrix streams into the same CSR from C and Fortran order and
// from every chunk boundary; the nonzeros are dropped as they arrive.
func TestDecodeDenseStream(t *testing.T) {
	const rows, cols = 301, 257 // 77357 elements: many chunks, none aligned to a row
	rng := rand.New(rand.NewPCG(5, 1))
	d := make([]float64, rows*cols)
	fo := make([]float64, rows*cols)
	c := sparse.NewCOO(rows, cols, 0)
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if rng.IntN(3) == 0 {
				v := float64(rng.IntN(100)) - 50
				d[i*cols+j], fo[j*rows+i] = v, v
				if v != 0 {
					c.Add(i, j, v)
				}
			}
		}
	}
	want := c.ToCSR()
	le := func(v []float64) []byte {
		b := make([]byte, 8*len(v))
		for k, x := range v {
			binary.LittleEndian.PutUint64(b[8*k:], math.Float64bits(x))
		}
		return b
	}
	cOrder := npyBytes(fmt.Sprintf("{'descr': '<f8', 'fortran_order': False, 'shape': (%d, %d), }", rows, cols), le(d))
	fOrder := npyBytes(fmt.Sprintf("{'descr': '<f8', 'fortran_order': True, 'shape': (%d, %d), }", rows, cols), le(fo))
	for name, b := range map[string][]byte{"C": cOrder, "Fortran": fOrder} {
		got, err := Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		fixture.Equal(t, name, got, want)
		z := archive(zip.Deflate, map[string][]byte{"w": b, "b": npyOf([]float32{1})})
		got, err = DecodeNPZ(bytes.NewReader(z), int64(len(z)), "w")
		if err != nil {
			t.Fatal(err)
		}
		fixture.Equal(t, name+" in .npz", got, want)
		a, err := Read(bytes.NewReader(b))
		if err != nil || !reflect.DeepEqual(a.Data, d) {
			t.Errorf("%s: Read differs (%v)", name, err)
		}
	}
}
