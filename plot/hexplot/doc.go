// Package hexplot draws activity on a hexagonal lattice and small-multiple
// traces as PNG files: the maps and traces a neuroscientist asks of the fly
// optic-lobe model (one panel per cell type).
//
// Columns are given in the oblique coordinates (u, v) of package opticlobe
// and drawn as flat-topped regular hexagons centred at
//
//	x = (√3/2)·v,  y = −(u + v/2)
//
// so that u grows downwards, as the image rows the eye samples do, and the
// six neighbours of a column touch it. Bad data (NaN values, empty panels,
// mismatched lengths) is an error, never a panic.
package hexplot
