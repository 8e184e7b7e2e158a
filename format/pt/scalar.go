package pt

import (
	"fmt"
	"io"
	"math/big"
)

// DecodeNumber reads the entry key of the dict in the .pt file r of size
// bytes as a number: a Python float, int or bool, a numpy scalar
// (numpy.float64 and the like, as flyvis stores a checkpoint's
// "val_loss") or a dense tensor of one element (as EncodeCheckpoint
// writes a float Item). ok is false when the dict has no such entry. NaN
// and infinities are returned as they are; any other kind of entry is
// an UnsupportedError naming it. The rest of the file is unpickled under
// the same rules as DecodeStateDictIn.
func DecodeNumber(r io.ReaderAt, size int64, key string) (x float64, ok bool, err error) {
	a, obj, err := open(r, size)
	if err != nil {
		return 0, false, err
	}
	top, isDict := obj.(*dict)
	if !isDict {
		return 0, false, UnsupportedError(fmt.Sprintf("file holds a %s, not a dict with %q", kindOf(obj), key))
	}
	v, ok := top.get(key)
	if !ok {
		return 0, false, nil
	}
	switch v := v.(type) {
	case float64:
		return v, true, nil
	case int64:
		return float64(v), true, nil
	case *big.Int:
		f, _ := new(big.Float).SetInt(v).Float64()
		return f, true, nil
	case bool:
		if v {
			return 1, true, nil
		}
		return 0, true, nil
	case *tensor:
		if v.numel() != 1 {
			return 0, true, UnsupportedError(fmt.Sprintf("entry %q is a tensor of shape %v, not one number", key, v.shape))
		}
		if err := a.plan(v, 1, 0); err != nil {
			return 0, true, err
		}
		dt := v.storage.dtype
		err = a.each(v, func(_ int64, e []byte) error {
			if dt.kind == 'f' {
				x = dt.float(e)
			} else {
				i, _ := dt.int(e)
				x = float64(i)
			}
			return nil
		})
		return x, true, err
	}
	return 0, true, UnsupportedError(fmt.Sprintf("entry %q is a %s, not a number", key, kindOf(v)))
}
