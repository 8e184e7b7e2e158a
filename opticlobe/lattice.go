package opticlobe

import "fmt"

// Column is a point (u, v) of the hexagonal lattice, in oblique coordinates.
type Column struct{ U, V int }

// Columns returns the columns of the lattice of the given extent with
// |u|, |v|, |u+v| <= extent, u ascending then v ascending: 3e(e+1)+1 of
// them (721 for extent 15). It panics if extent is negative.
func Columns(extent int) []Column { return StridedColumns(extent, 1, 1) }

// StridedColumns returns the columns of Columns(extent) with u % su == 0
// and v % sv == 0, in the same order. It panics if extent is negative or a
// stride is not positive.
func StridedColumns(extent, su, sv int) []Column {
	if extent < 0 || su < 1 || sv < 1 {
		panic(fmt.Sprintf("opticlobe: bad lattice extent %d or stride (%d, %d)", extent, su, sv))
	}
	var cols []Column
	for u := -extent; u <= extent; u++ {
		for v := max(-extent, -extent-u); v <= min(extent, extent-u); v++ {
			if u%su == 0 && v%sv == 0 {
				cols = append(cols, Column{u, v})
			}
		}
	}
	return cols
}

// ColumnCount returns the number of columns of a lattice of the given
// extent, 3e(e+1)+1.
func ColumnCount(extent int) int { return 3*extent*(extent+1) + 1 }

// ColumnIndex returns the index of (u, v) in Columns(extent), or -1 when
// the column is outside the lattice.
func ColumnIndex(extent, u, v int) int {
	if u < -extent || u > extent || v < -extent || v > extent || u+v < -extent || u+v > extent {
		return -1
	}
	// Rows u' < u hold, for u' <= 0, extent+1+(u'+extent) columns and, for
	// u' > 0, 2*extent+1-u' columns.
	idx := 0
	for w := -extent; w < u; w++ {
		idx += min(extent, extent-w) - max(-extent, -extent-w) + 1
	}
	return idx + v - max(-extent, -extent-u)
}
