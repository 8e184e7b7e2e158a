// Package mnist reads the MNIST handwritten digits in their IDX files (raw
// or gzip-compressed), normalises them as torchvision's tutorial transform
// does, and cuts seeded, shuffled batches.
//
// IDX byte layout (big-endian): two zero bytes, a type byte (0x08 for
// unsigned bytes), a byte with the number of dimensions d, d uint32 sizes,
// then the data in row-major order. Images are idx3 (n × rows × cols),
// labels idx1 (n).
package mnist
