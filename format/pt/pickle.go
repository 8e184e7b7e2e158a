package pt

import (
	"bytes"
	"fmt"
	"io"
	"math/big"
	"sort"
	"strconv"
	"strings"
)

// The restricted unpickler. It interprets the pickle opcodes that
// torch.save emits (protocols 0 to 5, minus those that build arbitrary
// objects) as plain data: numbers, strings, tuples, lists and dicts. The
// only callables are the Go functions of allowedGlobals, which rebuild
// tensors; a pickle that names any other global (os.system, builtins.eval,
// a user class) is refused before anything else happens. No Python runs:
// REDUCE on an allowed global calls its Go twin, nothing else.

// global is a module attribute named by GLOBAL or STACK_GLOBAL.
type global struct{ module, name string }

func (g global) String() string { return g.module + "." + g.name }

// tuple, list and dict are the unpickled containers. Lists and dicts are
// pointers because pickles mutate them after creation.
type (
	tuple []any
	list  struct{ items []any }
	dict  struct {
		keys  []any
		vals  []any
		index map[any]int
	}
)

// set sets d[k] = v; k must be hashable.
func (d *dict) set(k, v any) {
	if d.index == nil {
		d.index = map[any]int{}
	}
	if i, ok := d.index[k]; ok {
		d.vals[i] = v
		return
	}
	d.index[k] = len(d.keys)
	d.keys = append(d.keys, k)
	d.vals = append(d.vals, v)
}

// get returns d[k].
func (d *dict) get(k any) (any, bool) {
	i, ok := d.index[k]
	if !ok {
		return nil, false
	}
	return d.vals[i], true
}

// layout is a torch layout such as "torch.sparse_coo".
type layout string

// storageRef is a persistent id: a tensor storage kept in the zip record
// data/<key>.
type storageRef struct {
	key      string
	dtype    dtype
	numel    int64
	location string
}

// dtype describes one element type of torch storages.
type dtype struct {
	name    string // torch name: float32, int64, ...
	storage string // pickle class: FloatStorage, LongStorage, ...
	size    int    // bytes per element
	kind    byte   // 'f' float, 'i' signed int, 'u' unsigned int, 'b' bool
}

var dtypes = []dtype{
	{"float64", "DoubleStorage", 8, 'f'},
	{"float32", "FloatStorage", 4, 'f'},
	{"float16", "HalfStorage", 2, 'f'},
	{"bfloat16", "BFloat16Storage", 2, 'f'},
	{"int64", "LongStorage", 8, 'i'},
	{"int32", "IntStorage", 4, 'i'},
	{"int16", "ShortStorage", 2, 'i'},
	{"int8", "CharStorage", 1, 'i'},
	{"uint8", "ByteStorage", 1, 'u'},
	{"bool", "BoolStorage", 1, 'b'},
}

// allowedGlobals lists every global a pickle may name. Storage classes and
// dtypes (torch.FloatStorage, torch.float32) are markers; the others are
// callables with a Go implementation in reduce.
var allowedGlobals = func() map[string]bool {
	m := map[string]bool{
		"collections.OrderedDict":                    true,
		"torch._utils._rebuild_tensor":               true,
		"torch._utils._rebuild_tensor_v2":            true,
		"torch._utils._rebuild_parameter":            true,
		"torch._utils._rebuild_parameter_with_state": true,
		"torch._utils._rebuild_sparse_tensor":        true,
		"torch._utils._rebuild_sparse_csr_tensor":    true,
		"torch.serialization._get_layout":            true,
		"torch.Size":                                 true,
	}
	for _, n := range numpyGlobals {
		m[n] = true
	}
	for _, d := range dtypes {
		m["torch."+d.storage] = true
		m["torch."+d.name] = true
	}
	return m
}()

func allowedList() string {
	names := make([]string, 0, len(allowedGlobals))
	for n := range allowedGlobals {
		names = append(names, n)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// mark is the stack marker pushed by MARK.
type mark struct{}

// maxObjects bounds the values a pickle may push or memoize (2^20; the
// pickle of a state dict of a thousand tensors pushes some 20,000), so
// that a small data.pkl of repeated one-byte opcodes such as EMPTY_DICT
// cannot build millions of objects.
const maxObjects = 1 << 20

// maxDepth bounds how deeply containers nest (torch pickles nest a few
// levels), so that no code that walks a value can recurse without end.
const maxDepth = 100

// unpickler holds the machine state.
type unpickler struct {
	data    []byte
	pos     int
	stack   []any
	marks   []int
	memo    map[int64]any
	persist func(pid any) (any, error)
	objects int         // values pushed or memoized so far
	depths  map[any]int // nesting depth of containers: keyed by *list, *dict or a tuple's &t[0]
}

// unpickle runs the pickle program data and returns the object it builds.
// persist resolves persistent ids (tensor storages).
func unpickle(data []byte, persist func(pid any) (any, error)) (any, error) {
	u := &unpickler{data: data, memo: map[int64]any{}, persist: persist, depths: map[any]int{}}
	return u.run()
}

func (u *unpickler) errf(format string, args ...any) error {
	return FormatError(fmt.Sprintf("pickle at byte %d: %s", u.pos, fmt.Sprintf(format, args...)))
}

func (u *unpickler) read(n int) ([]byte, error) {
	if n < 0 || n > len(u.data)-u.pos {
		return nil, fmt.Errorf("pickle at byte %d: %w", u.pos, io.ErrUnexpectedEOF)
	}
	b := u.data[u.pos : u.pos+n]
	u.pos += n
	return b, nil
}

func (u *unpickler) readLine() (string, error) {
	i := bytes.IndexByte(u.data[u.pos:], '\n')
	if i < 0 {
		return "", fmt.Errorf("pickle at byte %d: line without end: %w", u.pos, io.ErrUnexpectedEOF)
	}
	s := string(u.data[u.pos : u.pos+i])
	u.pos += i + 1
	return s, nil
}

// push pushes v; it fails once the pickle has made maxObjects values.
func (u *unpickler) push(v any) error {
	if err := u.count(); err != nil {
		return err
	}
	u.stack = append(u.stack, v)
	return nil
}

// count counts one more value made, failing beyond maxObjects.
func (u *unpickler) count() error {
	u.objects++
	if u.objects > maxObjects {
		return u.errf("more than %d objects (a tensor file has far fewer)", maxObjects)
	}
	return nil
}

// depthKey returns the key of container v in u.depths, nil when v is not
// a container or an empty tuple.
func depthKey(v any) any {
	switch v := v.(type) {
	case tuple:
		if len(v) > 0 {
			return &v[0]
		}
	case *list, *dict:
		return v
	}
	return nil
}

// depthOf returns the nesting depth of v: 0 for a scalar, 1 for an empty
// container.
func (u *unpickler) depthOf(v any) int {
	switch v.(type) {
	case tuple, *list, *dict:
		if d, ok := u.depths[depthKey(v)]; ok {
			return d
		}
		return 1
	}
	return 0
}

// nest records that container c now holds items, failing when that
// nests deeper than maxDepth. A container mutated after it was nested
// does not update its parents: code that walks values still bounds its
// own depth (see brief).
func (u *unpickler) nest(c any, items []any) error {
	d := u.depthOf(c)
	for _, it := range items {
		d = max(d, u.depthOf(it)+1)
	}
	if d > maxDepth {
		return u.errf("containers nested more than %d deep", maxDepth)
	}
	if k := depthKey(c); k != nil && d > 1 {
		u.depths[k] = d
	}
	return nil
}

// brief formats a pickled value for an error message: numbers and short
// strings as they are, containers by kind and length, never recursing.
func brief(v any) string {
	switch v := v.(type) {
	case nil, bool, int64, float64, *big.Int:
		return fmt.Sprint(v)
	case string:
		if len(v) > 40 {
			return strconv.Quote(v[:40]) + "..."
		}
		return strconv.Quote(v)
	case tuple:
		return fmt.Sprintf("a tuple of %d items", len(v))
	case *list:
		return fmt.Sprintf("a list of %d items", len(v.items))
	}
	return "a " + kindOf(v)
}

func (u *unpickler) pop() (any, error) {
	n := len(u.stack)
	if n == 0 || (len(u.marks) > 0 && u.marks[len(u.marks)-1] == n) {
		return nil, u.errf("stack underflow")
	}
	v := u.stack[n-1]
	u.stack = u.stack[:n-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	n := len(u.stack)
	if n == 0 || (len(u.marks) > 0 && u.marks[len(u.marks)-1] == n) {
		return nil, u.errf("stack underflow")
	}
	return u.stack[n-1], nil
}

// popMark returns the items pushed since the last MARK and removes them.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, u.errf("no mark on the stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

// memoIndex reads the memo index of a PUT or GET opcode: one byte after
// BINPUT/BINGET, four after LONG_BINPUT/LONG_BINGET, a decimal line after
// PUT/GET (what names the opcode in errors).
func (u *unpickler) memoIndex(op byte, what string) (int64, error) {
	switch op {
	case opBinPut, opBinGet:
		x, err := u.readUint(1)
		return int64(x), err
	case opLongBinPut, opLongBinGet:
		x, err := u.readUint(4)
		return int64(x), err
	}
	s, err := u.readLine()
	if err != nil {
		return 0, err
	}
	idx, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, u.errf("bad %s %q", what, s)
	}
	return idx, nil
}

func (u *unpickler) readUint(n int) (uint64, error) {
	b, err := u.read(n)
	if err != nil {
		return 0, err
	}
	var x uint64
	for i := n - 1; i >= 0; i-- {
		x = x<<8 | uint64(b[i])
	}
	return x, nil
}

func (u *unpickler) readString(lenBytes int) (string, error) {
	n, err := u.readUint(lenBytes)
	if err != nil {
		return "", err
	}
	if n > uint64(len(u.data)-u.pos) {
		return "", fmt.Errorf("pickle at byte %d: string of %d bytes: %w", u.pos, n, io.ErrUnexpectedEOF)
	}
	b, _ := u.read(int(n))
	return string(b), nil
}

func (u *unpickler) setItems(d *dict, items []any) error {
	if len(items)%2 != 0 {
		return u.errf("odd number of dict items")
	}
	for i := 0; i < len(items); i += 2 {
		if !hashable(items[i]) {
			return u.errf("dict key is a %s", kindOf(items[i]))
		}
		d.set(items[i], items[i+1])
	}
	return nil
}

// hashable reports whether v can be a dict key (and compared with ==).
func hashable(v any) bool {
	switch v.(type) {
	case nil, bool, int64, float64, string, global, layout:
		return true
	}
	return false
}

// checkGlobal returns the global if it is on the allow-list.
func checkGlobal(mod, name string) (global, error) {
	g := global{mod, name}
	if !allowedGlobals[g.String()] && mod == "torch" && strings.HasSuffix(name, "Storage") {
		var known []string
		for _, d := range dtypes {
			known = append(known, "torch."+d.storage)
		}
		return g, UnsupportedError(fmt.Sprintf("storage type %s (known: %s)", g, strings.Join(known, ", ")))
	}
	if !allowedGlobals[g.String()] {
		return g, UnsupportedError(fmt.Sprintf("pickle names the global %s, which is not allowed in a tensor file (refused without running anything; allowed: %s)", g, allowedList()))
	}
	return g, nil
}

func kindOf(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case bool:
		return "bool"
	case int64, *big.Int:
		return "int"
	case float64:
		return "float"
	case string:
		return "string"
	case tuple:
		return "tuple"
	case *list:
		return "list"
	case *dict:
		return "dict"
	case global:
		return "global " + v.String()
	case *tensor:
		return "tensor"
	case *sparseTensor:
		return v.layout + " tensor"
	case *storageRef:
		return "storage"
	case layout:
		return "layout"
	case *npDtype:
		return "numpy dtype"
	}
	return fmt.Sprintf("%T", v)
}

// reduce calls the Go twin of an allowed global.
func reduce(g global, a tuple) (any, error) {
	bad := func(why string) error {
		return FormatError(fmt.Sprintf("%s called with %s", g, why))
	}
	if v, ok, err := reduceNumpy(g, a); ok {
		return v, err
	}
	switch g.String() {
	case "collections.OrderedDict":
		if len(a) != 0 {
			return nil, UnsupportedError("OrderedDict built from arguments")
		}
		return &dict{}, nil
	case "torch.Size":
		if len(a) != 1 {
			return nil, bad(fmt.Sprintf("%d arguments", len(a)))
		}
		t, ok := a[0].(tuple)
		if !ok {
			return nil, bad("a " + kindOf(a[0]))
		}
		return t, nil
	case "torch.serialization._get_layout":
		if len(a) != 1 {
			return nil, bad(fmt.Sprintf("%d arguments", len(a)))
		}
		s, ok := a[0].(string)
		if !ok {
			return nil, bad("a " + kindOf(a[0]))
		}
		return layout(s), nil
	case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2":
		if len(a) < 4 {
			return nil, bad(fmt.Sprintf("%d arguments", len(a)))
		}
		return newTensor(a[0], a[1], a[2], a[3])
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		if len(a) < 1 {
			return nil, bad("no arguments")
		}
		if _, ok := a[0].(*tensor); !ok {
			if _, ok := a[0].(*sparseTensor); !ok {
				return nil, bad("a " + kindOf(a[0]))
			}
		}
		return a[0], nil
	case "torch._utils._rebuild_sparse_tensor", "torch._utils._rebuild_sparse_csr_tensor":
		if len(a) != 2 {
			return nil, bad(fmt.Sprintf("%d arguments", len(a)))
		}
		return newSparse(a[0], a[1])
	}
	return nil, UnsupportedError(fmt.Sprintf("calling %s", g))
}
