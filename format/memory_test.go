package format

import (
	"bytes"
	"compress/gzip"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/npy"

	"github.com/neuropil/neuropil/internal/budget"
)

// memoryExtensions are the file kinds FuzzReadUnderMemoryLimit feeds.
var memoryExtensions = []string{".pt", ".npz", ".npy", ".csv", ".csv.gz", ".npc"}

// memoryBudget is the budget the property runs under, and memorySlack
// what a decoder may allocate beyond 4096 bytes per input byte: the
// budget twice over (a refusal comes after at most one check interval
// past it) and 64 MiB of buffers.
const (
	memoryBudget = 32 << 20
	memorySlack  = 2*memoryBudget + 64<<20
)

// checkReadMemory reads data as a file of kind ext under the budget and
// fails if it allocated more than memorySlack + 4096 bytes per input byte:
// a decoder's allocation must grow with the bytes it reads, never with
// counts a header claims.
func checkReadMemory(t *testing.T, ext string, data []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m"+ext)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	defer budget.Set(0)
	budget.Set(memoryBudget)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	LoadMatrix(path, Options{NoNeuronTable: true})
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > memorySlack+4096*uint64(len(data)) {
		t.Fatalf("%s of %d bytes: allocated %d", ext, len(data), grew)
	}
}

// memorySeeds are fixtures of every decoder.
var memorySeeds = []string{"pt/testdata/coo_f64.pt", "pt/testdata/dense_view.pt", "npy/testdata/csr_f8.npz", "npy/testdata/arrays.npz",
	"npy/testdata/dense_f4.npy", "edgelist/testdata/flywire.csv", "edgelist/testdata/flywire.csv.gz", "native/testdata/small.npc"}

// TestReadUnderMemoryLimit is the property of FuzzReadUnderMemoryLimit
// on seeded random mutations of every fixture (bytes overwritten, the
// file cut short), each read as every kind, and on floods: a gzip of
// one repeated row and a .npy header claiming 2^27 × 2^27.
func TestReadUnderMemoryLimit(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 1))
	for _, p := range memorySeeds {
		seed, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for range 20 {
			data := append([]byte(nil), seed...)
			for range 1 + rng.IntN(4) {
				data[rng.IntN(len(data))] = byte(rng.IntN(256))
			}
			if rng.IntN(4) == 0 {
				data = data[:rng.IntN(len(data))]
			}
			for _, ext := range memoryExtensions {
				checkReadMemory(t, ext, data)
			}
		}
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	zw.Write([]byte("pre,post,weight\n" + strings.Repeat("1,2,1\n", 4<<20)))
	zw.Close()
	checkReadMemory(t, ".csv.gz", gz.Bytes())
	var npyHeader bytes.Buffer
	if _, err := npy.NewWriter[float32](&npyHeader, 1<<27, 1<<27); err != nil { // the header alone
		t.Fatal(err)
	}
	checkReadMemory(t, ".npy", npyHeader.Bytes())
}

// FuzzReadUnderMemoryLimit runs every decoder on mutated fixtures under a
// memory budget; see checkReadMemory.
func FuzzReadUnderMemoryLimit(f *testing.F) {
	for _, p := range memorySeeds {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		for k, ext := range memoryExtensions {
			if len(p) > len(ext) && p[len(p)-len(ext):] == ext {
				f.Add(byte(k), data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, kind byte, data []byte) {
		checkReadMemory(t, memoryExtensions[int(kind)%len(memoryExtensions)], data)
	})
}
