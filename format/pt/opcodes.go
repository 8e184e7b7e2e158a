package pt

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// The pickle opcodes, named as in Python's pickletools.
const (
	// Control and stack.
	opProto   = 0x80 // PROTO: protocol version byte
	opFrame   = 0x95 // FRAME: 8-byte frame length (ignored: the data is in memory)
	opStop    = '.'  // STOP: the result is the top of the stack
	opMark    = '('  // MARK
	opPop     = '0'  // POP
	opPopMark = '1'  // POP_MARK
	opDup     = '2'  // DUP

	// Constants and numbers.
	opNone     = 'N'  // NONE
	opNewTrue  = 0x88 // NEWTRUE
	opNewFalse = 0x89 // NEWFALSE
	opInt      = 'I'  // INT: decimal line; "00" and "01" are False and True
	opLong     = 'L'  // LONG: decimal line with an optional L
	opBinInt   = 'J'  // BININT: 4-byte signed
	opBinInt1  = 'K'  // BININT1: 1-byte unsigned
	opBinInt2  = 'M'  // BININT2: 2-byte unsigned
	opLong1    = 0x8a // LONG1: 1-byte length, little-endian two's complement
	opLong4    = 0x8b // LONG4: 4-byte length, little-endian two's complement
	opBinFloat = 'G'  // BINFLOAT: 8-byte big-endian float64
	opFloat    = 'F'  // FLOAT: decimal line

	// Strings and bytes (both unpickle to Go strings).
	opBinUnicode      = 'X'  // BINUNICODE: 4-byte length
	opShortBinUnicode = 0x8c // SHORT_BINUNICODE: 1-byte length
	opBinUnicode8     = 0x8d // BINUNICODE8: 8-byte length
	opBinString       = 'T'  // BINSTRING: 4-byte length
	opBinBytes        = 'B'  // BINBYTES: 4-byte length
	opShortBinString  = 'U'  // SHORT_BINSTRING: 1-byte length
	opShortBinBytes   = 'C'  // SHORT_BINBYTES: 1-byte length
	opBinBytes8       = 0x8e // BINBYTES8: 8-byte length
	opUnicode         = 'V'  // UNICODE: raw-unicode-escape line (plain ASCII read as is)
	opString          = 'S'  // STRING: quoted line

	// Containers.
	opEmptyTuple = ')'  // EMPTY_TUPLE
	opTuple      = 't'  // TUPLE: the items since MARK
	opTuple1     = 0x85 // TUPLE1
	opTuple2     = 0x86 // TUPLE2
	opTuple3     = 0x87 // TUPLE3
	opEmptyList  = ']'  // EMPTY_LIST
	opList       = 'l'  // LIST: the items since MARK
	opAppend     = 'a'  // APPEND
	opAppends    = 'e'  // APPENDS: the items since MARK
	opEmptyDict  = '}'  // EMPTY_DICT
	opDict       = 'd'  // DICT: the key, value pairs since MARK
	opSetItem    = 's'  // SETITEM
	opSetItems   = 'u'  // SETITEMS: the key, value pairs since MARK

	// Globals, calls and persistent ids.
	opGlobal      = 'c'  // GLOBAL: module and name lines
	opStackGlobal = 0x93 // STACK_GLOBAL: module and name from the stack
	opReduce      = 'R'  // REDUCE: call a global with a tuple
	opBuild       = 'b'  // BUILD: set an object's state
	opBinPersID   = 'Q'  // BINPERSID: persistent id from the stack
	opPersID      = 'P'  // PERSID: persistent id line

	// The memo.
	opBinPut     = 'q'  // BINPUT: 1-byte index
	opLongBinPut = 'r'  // LONG_BINPUT: 4-byte index
	opPut        = 'p'  // PUT: decimal line
	opMemoize    = 0x94 // MEMOIZE: the next index
	opBinGet     = 'h'  // BINGET: 1-byte index
	opLongBinGet = 'j'  // LONG_BINGET: 4-byte index
	opGet        = 'g'  // GET: decimal line

	// Refused: they build arbitrary objects.
	opInst           = 'i'
	opObj            = 'o'
	opNewObj         = 0x81
	opNewObjEx       = 0x92
	opExt1           = 0x82
	opExt2           = 0x83
	opExt4           = 0x84
	opEmptySet       = 0x8f
	opAddItems       = 0x90
	opFrozenSet      = 0x91
	opByteArray8     = 0x96
	opNextBuffer     = 0x97
	opReadOnlyBuffer = 0x98
)

// opNames names the opcodes this unpickler refuses, for error messages.
var opNames = map[byte]string{
	opInst: "INST", opObj: "OBJ", opNewObj: "NEWOBJ", opNewObjEx: "NEWOBJ_EX", opExt1: "EXT1", opExt2: "EXT2", opExt4: "EXT4",
	opEmptySet: "EMPTY_SET", opAddItems: "ADDITEMS", opFrozenSet: "FROZENSET", opByteArray8: "BYTEARRAY8",
	opNextBuffer: "NEXT_BUFFER", opReadOnlyBuffer: "READONLY_BUFFER",
}

// An opHandler executes one opcode, whose byte has been read; op tells
// the variants of a handler apart.
type opHandler func(u *unpickler, op byte) error

// opHandlers maps each opcode the unpickler runs (all but STOP, which
// ends run) to its handler, grouped as the constants are.
var opHandlers = [256]opHandler{
	opProto: (*unpickler).proto, opFrame: (*unpickler).frame,
	opMark: (*unpickler).mark, opPop: (*unpickler).popOp, opPopMark: (*unpickler).popMarkOp, opDup: (*unpickler).dup,

	opNone: pushConst(nil), opNewTrue: pushConst(true), opNewFalse: pushConst(false),
	opInt: (*unpickler).intLine, opLong: (*unpickler).longLine,
	opBinInt: (*unpickler).binInt, opBinInt1: (*unpickler).binInt, opBinInt2: (*unpickler).binInt,
	opLong1: (*unpickler).longBytes, opLong4: (*unpickler).longBytes,
	opBinFloat: (*unpickler).binFloat, opFloat: (*unpickler).floatLine,

	opBinUnicode: (*unpickler).binString, opShortBinUnicode: (*unpickler).binString, opBinUnicode8: (*unpickler).binString,
	opBinString: (*unpickler).binString, opBinBytes: (*unpickler).binString,
	opShortBinString: (*unpickler).binString, opShortBinBytes: (*unpickler).binString, opBinBytes8: (*unpickler).binString,
	opUnicode: (*unpickler).unicodeLine, opString: (*unpickler).stringLine,

	opEmptyTuple: (*unpickler).emptyTuple, opTuple: (*unpickler).tupleMark,
	opTuple1: (*unpickler).tupleN, opTuple2: (*unpickler).tupleN, opTuple3: (*unpickler).tupleN,
	opEmptyList: (*unpickler).emptyList, opList: (*unpickler).listMark,
	opAppend: (*unpickler).appendItems, opAppends: (*unpickler).appendItems,
	opEmptyDict: (*unpickler).emptyDict, opDict: (*unpickler).dictMark,
	opSetItem: (*unpickler).setItemsOp, opSetItems: (*unpickler).setItemsOp,

	opGlobal: (*unpickler).globalLines, opStackGlobal: (*unpickler).stackGlobal,
	opReduce: (*unpickler).reduceOp, opBuild: (*unpickler).build,
	opBinPersID: (*unpickler).persID, opPersID: (*unpickler).persID,

	opBinPut: (*unpickler).put, opLongBinPut: (*unpickler).put, opPut: (*unpickler).put,
	opMemoize: (*unpickler).memoize,
	opBinGet:  (*unpickler).get, opLongBinGet: (*unpickler).get, opGet: (*unpickler).get,
}

// run executes the pickle program from u.pos to STOP and returns the
// object on top of the stack then.
func (u *unpickler) run() (any, error) {
	for {
		opPos := u.pos
		ob, err := u.read(1)
		if err != nil {
			return nil, err
		}
		op := ob[0]
		if op == opStop {
			return u.pop()
		}
		h := opHandlers[op]
		if h == nil {
			u.pos = opPos
			if name, ok := opNames[op]; ok {
				return nil, UnsupportedError(fmt.Sprintf("pickle opcode %s at byte %d (builds arbitrary objects)", name, opPos))
			}
			return nil, u.errf("unknown opcode 0x%02x", op)
		}
		if err := h(u, op); err != nil {
			return nil, err
		}
	}
}

// Control and stack.

func (u *unpickler) proto(byte) error {
	v, err := u.read(1)
	if err != nil {
		return err
	}
	if v[0] > 5 {
		return UnsupportedError(fmt.Sprintf("pickle protocol %d", v[0]))
	}
	return nil
}

func (u *unpickler) frame(byte) error {
	_, err := u.read(8)
	return err
}

func (u *unpickler) mark(byte) error {
	u.marks = append(u.marks, len(u.stack))
	return nil
}

func (u *unpickler) popOp(byte) error {
	_, err := u.pop()
	return err
}

func (u *unpickler) popMarkOp(byte) error {
	_, err := u.popMark()
	return err
}

func (u *unpickler) dup(byte) error { return u.pushResult(u.top()) }

// pushResult pushes v, the result of a read, unless the read failed.
func (u *unpickler) pushResult(v any, err error) error {
	if err != nil {
		return err
	}
	return u.push(v)
}

// pop2 pops the top two items: a below b.
func (u *unpickler) pop2() (a, b any, err error) {
	if b, err = u.pop(); err != nil {
		return nil, nil, err
	}
	if a, err = u.pop(); err != nil {
		return nil, nil, err
	}
	return a, b, nil
}

// Constants and numbers.

// pushConst returns the handler that pushes v.
func pushConst(v any) opHandler {
	return func(u *unpickler, _ byte) error {
		return u.push(v)
	}
}

func (u *unpickler) intLine(byte) error {
	s, err := u.readLine()
	if err != nil {
		return err
	}
	switch s {
	case "00":
		return u.push(false)
	case "01":
		return u.push(true)
	}
	x, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return u.errf("bad INT %q", s)
	}
	return u.push(x)
}

func (u *unpickler) longLine(byte) error {
	s, err := u.readLine()
	if err != nil {
		return err
	}
	x, err := strconv.ParseInt(strings.TrimSuffix(s, "L"), 10, 64)
	if err != nil {
		return u.errf("bad or too large LONG %q", s)
	}
	return u.push(x)
}

// binInt reads BININT (4 bytes, signed), BININT1 (1) or BININT2 (2,
// unsigned).
func (u *unpickler) binInt(op byte) error {
	n := 4
	switch op {
	case opBinInt1:
		n = 1
	case opBinInt2:
		n = 2
	}
	x, err := u.readUint(n)
	if err != nil {
		return err
	}
	if op == opBinInt {
		return u.push(int64(int32(uint32(x))))
	}
	return u.push(int64(x))
}

// longBytes reads LONG1 and LONG4: a length, then that many bytes of a
// little-endian two's complement integer (at most 8).
func (u *unpickler) longBytes(op byte) error {
	lb := 1
	if op == opLong4 {
		lb = 4
	}
	n, err := u.readUint(lb)
	if err != nil {
		return err
	}
	if n > 8 {
		return UnsupportedError(fmt.Sprintf("pickle integer of %d bytes", n))
	}
	b, err := u.read(int(n))
	if err != nil {
		return err
	}
	var x int64
	if n > 0 {
		var buf [8]byte
		copy(buf[:], b)
		if b[n-1]&0x80 != 0 {
			for i := int(n); i < 8; i++ {
				buf[i] = 0xff
			}
		}
		x = int64(binary.LittleEndian.Uint64(buf[:]))
	}
	return u.push(x)
}

func (u *unpickler) binFloat(byte) error {
	b, err := u.read(8)
	if err != nil {
		return err
	}
	return u.push(math.Float64frombits(binary.BigEndian.Uint64(b)))
}

func (u *unpickler) floatLine(byte) error {
	s, err := u.readLine()
	if err != nil {
		return err
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return u.errf("bad FLOAT %q", s)
	}
	return u.push(x)
}

// Strings and bytes.

// stringLenBytes is the size of the length field of each length-prefixed
// string and bytes opcode.
var stringLenBytes = map[byte]int{
	opBinUnicode: 4, opShortBinUnicode: 1, opBinUnicode8: 8,
	opBinString: 4, opBinBytes: 4, opShortBinString: 1, opShortBinBytes: 1, opBinBytes8: 8,
}

func (u *unpickler) binString(op byte) error { return u.pushResult(u.readString(stringLenBytes[op])) }

func (u *unpickler) unicodeLine(byte) error { return u.pushResult(u.readLine()) }

func (u *unpickler) stringLine(byte) error {
	s, err := u.readLine()
	if err != nil {
		return err
	}
	q, err := strconv.Unquote(s)
	if err != nil {
		if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
			q = s[1 : len(s)-1]
		} else {
			return u.errf("bad STRING %q", s)
		}
	}
	return u.push(q)
}

// Containers.

func (u *unpickler) emptyTuple(byte) error {
	return u.push(tuple{})
}

func (u *unpickler) tupleMark(byte) error {
	items, err := u.popMark()
	if err != nil {
		return err
	}
	t := tuple(items)
	if err := u.nest(t, items); err != nil {
		return err
	}
	return u.push(t)
}

// tupleN builds TUPLE1, TUPLE2 or TUPLE3 from the top of the stack.
func (u *unpickler) tupleN(op byte) error {
	n := int(op - opTuple1 + 1)
	if len(u.stack) < n || (len(u.marks) > 0 && len(u.stack)-u.marks[len(u.marks)-1] < n) {
		return u.errf("stack underflow")
	}
	t := append(tuple(nil), u.stack[len(u.stack)-n:]...)
	u.stack = u.stack[:len(u.stack)-n]
	if err := u.nest(t, t); err != nil {
		return err
	}
	return u.push(t)
}

func (u *unpickler) emptyList(byte) error {
	return u.push(&list{})
}

func (u *unpickler) listMark(byte) error {
	items, err := u.popMark()
	if err != nil {
		return err
	}
	l := &list{items: items}
	if err := u.nest(l, items); err != nil {
		return err
	}
	return u.push(l)
}

// appendItems runs APPEND (one item) and APPENDS (the items since MARK).
func (u *unpickler) appendItems(op byte) error {
	items, t, err := u.itemsFor(1, op == opAppends)
	if err != nil {
		return err
	}
	l, ok := t.(*list)
	if !ok {
		return u.errf("append to a %s", kindOf(t))
	}
	if err := u.nest(l, items); err != nil {
		return err
	}
	l.items = append(l.items, items...)
	return nil
}

// itemsFor pops the items that APPEND(S) or SETITEM(S) add to the
// container below them: the n on top of the stack, or with marked those
// since MARK. It returns them in stack order and the container.
func (u *unpickler) itemsFor(n int, marked bool) (items []any, container any, err error) {
	if marked {
		items, err = u.popMark()
	} else {
		items = make([]any, n)
		for i := n - 1; i >= 0 && err == nil; i-- {
			items[i], err = u.pop()
		}
	}
	if err != nil {
		return nil, nil, err
	}
	container, err = u.top()
	return items, container, err
}

func (u *unpickler) emptyDict(byte) error {
	return u.push(&dict{})
}

func (u *unpickler) dictMark(byte) error {
	items, err := u.popMark()
	if err != nil {
		return err
	}
	d := &dict{}
	if err := u.nest(d, items); err != nil {
		return err
	}
	if err := u.setItems(d, items); err != nil {
		return err
	}
	return u.push(d)
}

// setItemsOp runs SETITEM (one pair) and SETITEMS (the pairs since MARK).
func (u *unpickler) setItemsOp(op byte) error {
	items, t, err := u.itemsFor(2, op == opSetItems)
	if err != nil {
		return err
	}
	d, ok := t.(*dict)
	if !ok {
		return u.errf("set item of a %s", kindOf(t))
	}
	if err := u.nest(d, items); err != nil {
		return err
	}
	return u.setItems(d, items)
}

// Globals, calls and persistent ids.

func (u *unpickler) globalLines(byte) error {
	mod, err := u.readLine()
	if err != nil {
		return err
	}
	name, err := u.readLine()
	if err != nil {
		return err
	}
	return u.pushResult(checkGlobal(mod, name))
}

func (u *unpickler) stackGlobal(byte) error {
	mv, nv, err := u.pop2()
	if err != nil {
		return err
	}
	mod, ok1 := mv.(string)
	name, ok2 := nv.(string)
	if !ok1 || !ok2 {
		return u.errf("STACK_GLOBAL of non-strings")
	}
	return u.pushResult(checkGlobal(mod, name))
}

func (u *unpickler) reduceOp(byte) error {
	fn, args, err := u.pop2()
	if err != nil {
		return err
	}
	g, ok := fn.(global)
	if !ok {
		return u.errf("REDUCE on a %s", kindOf(fn))
	}
	a, ok := args.(tuple)
	if !ok {
		return u.errf("REDUCE with %s arguments", kindOf(args))
	}
	return u.pushResult(reduce(g, a))
}

// build runs BUILD: the attributes of an OrderedDict or a tensor are
// ignored; those of anything else are refused.
func (u *unpickler) build(byte) error {
	state, err := u.pop()
	if err != nil {
		return err
	}
	t, err := u.top()
	if err != nil {
		return err
	}
	switch t := t.(type) {
	case *npDtype:
		return buildDtype(t, state)
	case *dict, *tensor, *sparseTensor:
		return nil
	}
	return UnsupportedError(fmt.Sprintf("pickle BUILD of a %s", kindOf(t)))
}

// persID runs BINPERSID (the id from the stack) and PERSID (a line).
func (u *unpickler) persID(op byte) error {
	var pid any
	var err error
	if op == opBinPersID {
		if pid, err = u.pop(); err != nil {
			return err
		}
	} else if pid, err = u.readLine(); err != nil {
		return err
	}
	if u.persist == nil {
		return u.errf("persistent id without a storage table")
	}
	return u.pushResult(u.persist(pid))
}

// The memo.

func (u *unpickler) put(op byte) error {
	idx, err := u.memoIndex(op, "PUT")
	if err != nil {
		return err
	}
	v, err := u.top()
	if err != nil {
		return err
	}
	u.memo[idx] = v
	return u.count()
}

func (u *unpickler) memoize(byte) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	u.memo[int64(len(u.memo))] = v
	return u.count()
}

func (u *unpickler) get(op byte) error {
	idx, err := u.memoIndex(op, "GET")
	if err != nil {
		return err
	}
	v, ok := u.memo[idx]
	if !ok {
		return u.errf("memo key %d not set", idx)
	}
	return u.push(v)
}
