package sweep

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// slurmUp reports whether a Slurm cluster with a usable node answers here
// (.ci/slurm.sh brings one up).
func slurmUp() (bool, string) {
	if _, err := exec.LookPath("sbatch"); err != nil {
		return false, "no sbatch on PATH (.ci/slurm.sh installs and starts a one-node cluster)"
	}
	out, err := exec.Command("sinfo", "-h", "-o", "%T").CombinedOutput()
	if err != nil {
		return false, "sinfo: " + strings.TrimSpace(string(out))
	}
	if !regexp.MustCompile(`(?m)^(idle|mixed|allocated)`).Match(out) {
		return false, "no Slurm node is up: " + strings.TrimSpace(string(out))
	}
	return true, ""
}

// neuropil builds the neuropil binary into dir.
func neuropil(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "neuropil")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/neuropil").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func np(t *testing.T, bin string, args ...string) string {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("neuropil %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// A sweep of three small simulations, one of them already run here, runs
// as a job array of the other two on a real Slurm cluster, and gives the
// same outputs, byte for byte, as the sweep run here.
func TestSlurmEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: no Slurm job")
	}
	if ok, why := slurmUp(); !ok {
		t.Skip("no Slurm cluster: " + why)
	}
	tmp := t.TempDir()
	bin := neuropil(t, tmp)
	grid := filepath.Join(tmp, "grid.toml")
	os.WriteFile(grid, []byte("command = \"simulate\"\n[flags]\nevals = 3\nbatch = 1\nno-plots = true\nsolver = \"rk4\"\n[grid]\nseed = [1, 2, 3]\n"), 0o644)
	arr, local := filepath.Join(tmp, "array"), filepath.Join(tmp, "local")
	np(t, bin, "sweep", "plan", grid, "--out", arr)
	np(t, bin, "sweep", "plan", grid, "--out", local)
	np(t, bin, "sweep", "run", arr, "--index", "0") // done here: the array leaves it out
	out := np(t, bin, "sweep", "slurm", arr, "--submit", "--time", "10", "--mem", "2G", "--max-parallel", "2")
	if !strings.Contains(out, "2 of 3 runs (array 1-2)") {
		t.Errorf("sweep slurm: %s; want the 2 unfinished runs", out)
	}
	lines := strings.Fields(out)
	job := lines[len(lines)-1]
	if !regexp.MustCompile(`^\d+$`).MatchString(job) {
		t.Fatalf("sweep slurm --submit printed no job id:\n%s", out)
	}
	t.Logf("submitted job %s", job)
	deadline := time.Now().Add(5 * time.Minute)
	for status := ""; !strings.Contains(status, "3 runs: 3 done"); status = np(t, bin, "sweep", "status", arr) {
		if strings.Contains(status, "failed ") || time.Now().After(deadline) {
			exec.Command("scancel", job).Run()
			logs, _ := filepath.Glob(filepath.Join(arr, "slurm", "*.out"))
			var b bytes.Buffer
			for _, l := range logs {
				x, _ := os.ReadFile(l)
				b.Write(x)
			}
			t.Fatalf("job %s: %s\ntask logs:\n%s", job, status, b.String())
		}
		time.Sleep(time.Second)
	}
	if logs, _ := filepath.Glob(filepath.Join(arr, "slurm", job+"_*.out")); len(logs) != 2 {
		t.Errorf("task outputs in SWEEP/slurm: %v, want 2", logs)
	}
	np(t, bin, "sweep", "run", local, "--workers", "2")
	if out := np(t, bin, "sweep", "slurm", arr); !strings.Contains(out, "nothing to submit") {
		t.Errorf("sweep slurm on a finished sweep: %s", out)
	}
	p, err := Load(arr)
	if err != nil {
		t.Fatal(err)
	}
	states, _ := p.States(arr)
	for _, s := range states {
		if s.Attempts != 1 {
			t.Errorf("%s: %d attempts, want 1", s.Name, s.Attempts)
		}
	}
	for _, r := range p.Runs {
		for _, f := range []string{"activity.npy", "times.npy", "labels.npy"} {
			a, err1 := os.ReadFile(filepath.Join(Dir(arr, &r), "out", f))
			b, err2 := os.ReadFile(filepath.Join(Dir(local, &r), "out", f))
			if err1 != nil || err2 != nil || !bytes.Equal(a, b) {
				t.Errorf("%s/%s: array and local differ (%v, %v)", r.Name, f, err1, err2)
			}
		}
	}
}
