package sweep

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/neuropil/neuropil/format/parquet"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"
)

// The array covers the unfinished runs only, with the resources given and
// each task's output inside SWEEP.
func TestSlurmScript(t *testing.T) {
	dir, p := fakeSweep(t, "simulate", 5, func(int) []Var { return nil })
	x := &Executor{Exe: exe(t), Dir: dir, Plan: p}
	if _, err := x.RunIndex(context.Background(), 1); err != nil {
		t.Fatal(err)
	}
	path, todo, err := p.Slurm(dir, SlurmOptions{Partition: "short", Time: "30", Mem: "4G", CPUsPerTask: 2, MaxParallel: 3,
		Account: "lab", Extra: []string{"#SBATCH --qos=low"}, Exe: "/opt/bin/neuropil", Workdir: "/home/me"})
	if err != nil {
		t.Fatal(err)
	}
	if len(todo) != 4 {
		t.Errorf("todo %v, want 4 runs", todo)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	for _, want := range []string{
		"#!/bin/sh\n", "#SBATCH --array=0,2-4%3\n", "#SBATCH --output=" + abs + "/slurm/%A_%a.out\n",
		"#SBATCH --chdir=/home/me\n", "#SBATCH --partition=short\n", "#SBATCH --account=lab\n", "#SBATCH --time=30\n",
		"#SBATCH --mem=4G\n", "#SBATCH --cpus-per-task=2\n", "#SBATCH --qos=low\n",
		"exec '/opt/bin/neuropil' sweep run '" + abs + "' --index \"$SLURM_ARRAY_TASK_ID\"\n",
	} {
		if !strings.Contains(string(b), want) {
			t.Errorf("sweep.sbatch lacks %q:\n%s", want, b)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "slurm")); err != nil || !fi.IsDir() {
		t.Error("no SWEEP/slurm for the tasks' output")
	}
	x.Run(context.Background())
	if _, todo, err := p.Slurm(dir, SlurmOptions{}); err != nil || todo != nil {
		t.Errorf("all done: todo %v, %v; want none", todo, err)
	}
}

// job.yaml decodes strictly (no unknown field) into the Kubernetes API's
// Job, with what the sweep needs.
func TestK8sJobDecodesStrictly(t *testing.T) {
	dir, p := fakeSweep(t, "simulate", 7, func(int) []Var { return nil })
	path, err := p.K8s(dir, K8sOptions{Image: "ghcr.io/neuropil/neuropil:v1", PVC: "data", Mount: "/sweep", CPU: "2", Memory: "4Gi", MaxParallel: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	var j batchv1.Job
	if err := yaml.UnmarshalStrict(b, &j); err != nil {
		t.Fatalf("strict decode: %v\n%s", err, b)
	}
	s := j.Spec
	if j.APIVersion != "batch/v1" || j.Kind != "Job" || j.Name != "neuropil-sweep-sweep" {
		t.Errorf("header %s %s %s", j.APIVersion, j.Kind, j.Name)
	}
	if s.CompletionMode == nil || *s.CompletionMode != batchv1.IndexedCompletion || s.Completions == nil || *s.Completions != 7 ||
		s.Parallelism == nil || *s.Parallelism != 3 || s.BackoffLimitPerIndex == nil || *s.BackoffLimitPerIndex != 0 {
		t.Errorf("spec %+v", s)
	}
	pod := s.Template.Spec
	if pod.RestartPolicy != corev1.RestartPolicyNever || len(pod.Containers) != 1 || len(pod.Volumes) != 1 {
		t.Fatalf("pod %+v", pod)
	}
	c := pod.Containers[0]
	if c.Image != "ghcr.io/neuropil/neuropil:v1" || strings.Join(c.Command, " ") != "neuropil sweep run /sweep" || c.WorkingDir != "/sweep" {
		t.Errorf("container %+v", c)
	}
	if got := c.Resources.Requests[corev1.ResourceCPU]; got.Cmp(resource.MustParse("2")) != 0 {
		t.Errorf("cpu request %v", got.String())
	}
	if got := c.Resources.Limits[corev1.ResourceMemory]; got.Cmp(resource.MustParse("4Gi")) != 0 {
		t.Errorf("memory limit %v", got.String())
	}
	v := pod.Volumes[0]
	if v.PersistentVolumeClaim == nil || v.PersistentVolumeClaim.ClaimName != "data" || len(c.VolumeMounts) != 1 ||
		c.VolumeMounts[0].Name != v.Name || c.VolumeMounts[0].MountPath != "/sweep" {
		t.Errorf("volume %+v, mounts %+v", v, c.VolumeMounts)
	}
}

func TestCollect(t *testing.T) {
	dir, p := fakeSweep(t, "simulate", 3, func(i int) []Var {
		if i == 2 {
			return []Var{{"fail", "true"}}
		}
		return nil
	})
	x := &Executor{Exe: exe(t), Dir: dir, Plan: p}
	x.Run(context.Background())
	paths, err := p.Collect(dir)
	if err != nil || len(paths) != 2 {
		t.Fatal(paths, err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "collected", "summary.csv"))
	want := "index,name,value,inner.a,solver,summary.value\n0,000_value=0,0,1,x,0\n1,001_value=1,1,1,x,1\n"
	if string(b) != want {
		t.Errorf("summary.csv\n%s\nwant\n%s", b, want)
	}
	b, _ = os.ReadFile(filepath.Join(dir, "collected", "runs.csv"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 4 || lines[0] != "index,name,value,state,exit,attempts,started,finished,seconds,host,error" ||
		!strings.HasPrefix(lines[1], "0,000_value=0,0,done,0,1,") || !strings.HasSuffix(lines[3], ",neuropil: value 13 is unlucky") {
		t.Errorf("runs.csv:\n%s", b)
	}
}

func TestCollectEnsemble(t *testing.T) {
	dir, p := fakeSweep(t, "train", 3, func(int) []Var { return nil })
	(&Executor{Exe: exe(t), Dir: dir, Plan: p}).Run(context.Background())
	paths, err := p.Collect(dir)
	if err != nil || len(paths) != 3 {
		t.Fatal(paths, err)
	}
	if fi, err := os.Stat(filepath.Join(dir, "collected", "learning_curves.png")); err != nil || fi.Size() == 0 {
		t.Errorf("no learning_curves.png: %v", err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "collected", "ensemble.csv"))
	// final rows: loss = value/2 (0, 0, 1), acc 0.75
	want := "index,name,value,epoch,loss,acc\n0,000_value=0,0,2,0,0.75\n1,001_value=1,1,2,0,0.75\n2,002_value=2,2,2,1,0.75\n" +
		",mean,,2,0.333333,0.75\n,std,,0,0.57735,0\n"
	if string(b) != want {
		t.Errorf("ensemble.csv\n%s\nwant\n%s", b, want)
	}
}

// The spiking model's runs merge into one spikes.parquet, exp_name the
// run's name, and a rates table runs × neurons.
func TestCollectSpikes(t *testing.T) {
	dir, p := fakeSweep(t, "simulate", 3, func(i int) []Var { return []Var{{"spikes", fmt.Sprint(i + 1)}} })
	(&Executor{Exe: exe(t), Dir: dir, Plan: p}).Run(context.Background())
	paths, err := p.Collect(dir)
	if err != nil || len(paths) != 4 {
		t.Fatal(paths, err)
	}
	spikes, exps, err := parquet.ReadSpikes(filepath.Join(dir, "collected", "spikes.parquet"))
	if err != nil || len(spikes) != 6 {
		t.Fatalf("%d spikes, %v; want 1+2+3", len(spikes), err)
	}
	want := []string{"000_value=0", "001_value=1", "001_value=1", "002_value=2", "002_value=2", "002_value=2"}
	if !slices.Equal(exps, want) || spikes[5] != (parquet.Spike{T: 0.002, Trial: 0, FlywireID: 102}) {
		t.Errorf("exp_names %q, last spike %+v", exps, spikes[5])
	}
	b, _ := os.ReadFile(filepath.Join(dir, "collected", "rates.csv"))
	if got := string(b); got != "index,name,value,100,101,102\n0,000_value=0,0,0,0,0\n1,001_value=1,1,0,1,0\n2,002_value=2,2,0,1,2\n" {
		t.Errorf("rates.csv:\n%s", got)
	}
}
