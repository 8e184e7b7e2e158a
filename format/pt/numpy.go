package pt

import (
	"encoding/binary"
	"fmt"
	"math"
)

// npDtype is a numpy dtype built by numpy.dtype(code, align, copy) and
// its BUILD state (the byte order is the state's second item).
type npDtype struct {
	code  string // "f8", "i8", ...
	order string // "<", ">", "|", "="; "" before BUILD
}

// numpyGlobals are the data-only numpy globals of a pickled numpy scalar
// (numpy.float64(0.125) in a flyvis checkpoint):
// scalar(dtype('f8', False, True) + BUILD state, bytes), with the bytes
// of protocol 2 written as _codecs.encode(latin-1 text, 'latin1').
var numpyGlobals = []string{
	"numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar", "numpy.dtype", "_codecs.encode",
}

// reduceNumpy is reduce for numpyGlobals; ok is false for other globals.
func reduceNumpy(g global, a tuple) (v any, ok bool, err error) {
	switch g.String() {
	case "_codecs.encode":
		v, err := latin1(a)
		return v, true, err
	case "numpy.dtype":
		if len(a) < 1 {
			return nil, true, FormatError("numpy.dtype called without arguments")
		}
		code, ok := a[0].(string)
		if !ok {
			return nil, true, FormatError("numpy.dtype called with a " + kindOf(a[0]))
		}
		return &npDtype{code: code}, true, nil
	case "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar":
		v, err := npScalar(a)
		return v, true, err
	}
	return nil, false, nil
}

// latin1 is _codecs.encode(text, 'latin1'): the text's code points as bytes.
func latin1(a tuple) (any, error) {
	if len(a) != 2 || a[1] != "latin1" && a[1] != "latin-1" {
		return nil, UnsupportedError(fmt.Sprintf("_codecs.encode with %d arguments other than (text, 'latin1')", len(a)))
	}
	s, ok := a[0].(string)
	if !ok {
		return nil, FormatError("_codecs.encode of a " + kindOf(a[0]))
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return nil, FormatError(fmt.Sprintf("_codecs.encode: code point %U is not latin-1", r))
		}
		b = append(b, byte(r))
	}
	return string(b), nil
}

// npScalar decodes numpy.core.multiarray.scalar(dtype, bytes) of a
// boolean, integer or float dtype into a bool, int64 or float64.
func npScalar(a tuple) (any, error) {
	if len(a) != 2 {
		return nil, FormatError(fmt.Sprintf("numpy scalar with %d arguments", len(a)))
	}
	d, ok1 := a[0].(*npDtype)
	b, ok2 := a[1].(string)
	if !ok1 || !ok2 {
		return nil, FormatError(fmt.Sprintf("numpy scalar of (%s, %s)", kindOf(a[0]), kindOf(a[1])))
	}
	var order binary.ByteOrder = binary.LittleEndian
	if d.order == ">" {
		order = binary.BigEndian
	}
	size := map[string]int{"b1": 1, "u1": 1, "i1": 1, "i2": 2, "u2": 2, "i4": 4, "u4": 4, "i8": 8, "u8": 8, "f4": 4, "f8": 8}[d.code]
	if size == 0 || len(b) != size {
		return nil, UnsupportedError(fmt.Sprintf("numpy scalar of dtype %q with %d bytes", d.code, len(b)))
	}
	raw := []byte(b)
	var u uint64
	switch size {
	case 1:
		u = uint64(raw[0])
	case 2:
		u = uint64(order.Uint16(raw))
	case 4:
		u = uint64(order.Uint32(raw))
	default:
		u = order.Uint64(raw)
	}
	switch d.code[0] {
	case 'b':
		return u != 0, nil
	case 'f':
		if size == 4 {
			return float64(math.Float32frombits(uint32(u))), nil
		}
		return math.Float64frombits(u), nil
	case 'i':
		shift := 64 - 8*size
		return int64(u<<shift) >> shift, nil
	}
	if u > math.MaxInt64 {
		return nil, UnsupportedError(fmt.Sprintf("numpy scalar %d beyond int64", u))
	}
	return int64(u), nil
}

// buildDtype applies numpy.dtype's BUILD state (version, byte order, ...).
func buildDtype(d *npDtype, state any) error {
	t, ok := state.(tuple)
	if !ok || len(t) < 2 {
		return FormatError("numpy.dtype BUILD state is a " + kindOf(state))
	}
	o, ok := t[1].(string)
	if !ok {
		return FormatError("numpy.dtype byte order is a " + kindOf(t[1]))
	}
	d.order = o
	return nil
}
