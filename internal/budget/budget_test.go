package budget

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for s, want := range map[string]int64{"100": 100, "4GiB": 4 << 30, "512 MiB": 512 << 20, "2g": 2 << 30, "1.5K": 1536, "1T": 1 << 40} {
		if got, err := Parse(s); err != nil || got != want {
			t.Errorf("Parse(%q) = %d, %v; want %d", s, got, err, want)
		}
	}
	for _, s := range []string{"", "-1", "0", "4XB", "GiB", "1e30T"} {
		if _, err := Parse(s); err == nil {
			t.Errorf("Parse(%q) accepted", s)
		}
	}
}

func TestCheck(t *testing.T) {
	defer Set(0)
	Set(1 << 20)
	if Limit() != 1<<20 {
		t.Fatalf("Limit = %d after Set(1 MiB)", Limit())
	}
	if err := Check("x", 1<<20); err != nil {
		t.Fatal(err)
	}
	err := Check("file.pt", 3<<20)
	var be *Error
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "file.pt") || !strings.Contains(err.Error(), Flag) ||
		!strings.Contains(err.Error(), "3 MiB") {
		t.Fatalf("Check over the budget: %v", err)
	}
	Set(0)
	if Limit() != Default() || Default() <= 0 {
		t.Fatalf("Limit %d, Default %d", Limit(), Default())
	}
}
