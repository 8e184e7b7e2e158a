package edgelist

import (
	"bytes"
	"compress/gzip"
	"errors"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/internal/budget"
)

func gzipped(t *testing.T, s string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	zw.Write([]byte(s))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// Floods of issue 11: a .csv.gz of millions of copies of one row (733 kB
// took 6 GB) and a .csv.gz of one 2 GB line, here scaled down.
func TestFloods(t *testing.T) {
	flood := gzipped(t, "pre,post,weight\n"+strings.Repeat("1,2,1\n", 1<<20))
	if _, err := Decode(bytes.NewReader(flood), Options{}); err == nil || !strings.Contains(err.Error(), "100-fold") {
		t.Errorf("flood of %d compressed bytes: %v", len(flood), err)
	}
	long := gzipped(t, "pre,post,weight\n1,2,"+strings.Repeat("1", 3<<20)+"\n")
	if _, err := Decode(bytes.NewReader(long), Options{}); err == nil || !strings.Contains(err.Error(), "line 2 is longer than") {
		t.Errorf("one long line: %v", err)
	}
	plain := "pre,post,weight\n1,2," + strings.Repeat("1", 3<<20)
	if _, err := Decode(strings.NewReader(plain), Options{}); err == nil || !strings.Contains(err.Error(), "line 2 is longer than") {
		t.Errorf("one long line, uncompressed: %v", err)
	}
	// Real text compresses far less: it reads.
	var real strings.Builder
	real.WriteString("pre,post,weight\n")
	for i := range 20000 {
		real.WriteString(strings.Repeat("7", 12))
		real.WriteString(",")
		real.WriteString(string(rune('0'+i%10)) + "," + string(rune('1'+i%7)) + "\n")
	}
	if _, err := Decode(bytes.NewReader(gzipped(t, real.String())), Options{}); err != nil {
		t.Errorf("a plausible .csv.gz: %v", err)
	}
}

func TestRowsOverBudget(t *testing.T) {
	defer budget.Set(0)
	budget.Set(10 << 20)
	text := "pre,post\n" + strings.Repeat("1,2\n", 1<<20+5)
	_, err := Decode(strings.NewReader(text), Options{})
	var be *budget.Error
	if !errors.As(err, &be) {
		t.Fatalf("2^20 rows over a 10 MiB budget: %v", err)
	}
}
