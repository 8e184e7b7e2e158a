package sweep

import (
	"io"
	"path/filepath"
	"strings"

	"github.com/neuropil/neuropil/internal/atomic"
	"sigs.k8s.io/yaml"
)

// K8sOptions describe the Indexed Job of a sweep.
type K8sOptions struct {
	Image       string // an image with neuropil on its PATH (see the Dockerfile)
	PVC         string // the PersistentVolumeClaim that holds SWEEP
	Mount       string // where SWEEP is mounted in the container
	CPU, Memory string // requests per pod; Memory is also the limit
	MaxParallel int    // pods at a time (0: all)
}

// The subset of the batch/v1 Job that a sweep writes, with the API's
// field names; a test decodes it strictly into k8s.io/api's types.
type (
	k8sJob struct {
		APIVersion string  `json:"apiVersion"`
		Kind       string  `json:"kind"`
		Metadata   k8sMeta `json:"metadata"`
		Spec       jobSpec `json:"spec"`
	}
	k8sMeta struct {
		Name   string            `json:"name"`
		Labels map[string]string `json:"labels,omitempty"`
	}
	jobSpec struct {
		CompletionMode       string      `json:"completionMode"`
		Completions          int         `json:"completions"`
		Parallelism          int         `json:"parallelism"`
		BackoffLimitPerIndex int         `json:"backoffLimitPerIndex"`
		Template             podTemplate `json:"template"`
	}
	podTemplate struct {
		Metadata k8sMeta `json:"metadata"`
		Spec     podSpec `json:"spec"`
	}
	podSpec struct {
		RestartPolicy string      `json:"restartPolicy"`
		Containers    []container `json:"containers"`
		Volumes       []volume    `json:"volumes"`
	}
	container struct {
		Name         string        `json:"name"`
		Image        string        `json:"image"`
		Command      []string      `json:"command"`
		WorkingDir   string        `json:"workingDir"`
		Resources    resources     `json:"resources"`
		VolumeMounts []volumeMount `json:"volumeMounts"`
	}
	resources struct {
		Requests map[string]string `json:"requests,omitempty"`
		Limits   map[string]string `json:"limits,omitempty"`
	}
	volumeMount struct {
		Name      string `json:"name"`
		MountPath string `json:"mountPath"`
	}
	volume struct {
		Name string `json:"name"`
		PVC  struct {
			ClaimName string `json:"claimName"`
		} `json:"persistentVolumeClaim"`
	}
)

// K8s writes SWEEP/job.yaml: a batch/v1 Job, completionMode Indexed, one
// completion per run, whose pods mount the PVC holding SWEEP and run
// "neuropil sweep run MOUNT" (the run index from JOB_COMPLETION_INDEX).
// A failed index is not retried (backoffLimitPerIndex 0) and does not stop
// the others. It returns the file's path.
func (p *Plan) K8s(dir string, o K8sOptions) (string, error) {
	name := "neuropil-sweep-" + dnsLabel(filepath.Base(filepath.Clean(dir)))
	if len(name) > 50 {
		name = strings.TrimRight(name[:50], "-")
	}
	j := k8sJob{APIVersion: "batch/v1", Kind: "Job", Metadata: k8sMeta{Name: name, Labels: map[string]string{"app.kubernetes.io/name": "neuropil-sweep"}}}
	j.Spec = jobSpec{CompletionMode: "Indexed", Completions: len(p.Runs), Parallelism: len(p.Runs)}
	if o.MaxParallel > 0 {
		j.Spec.Parallelism = min(o.MaxParallel, len(p.Runs))
	}
	c := container{Name: "run", Image: o.Image, Command: []string{"neuropil", "sweep", "run", o.Mount}, WorkingDir: o.Mount,
		VolumeMounts: []volumeMount{{Name: "sweep", MountPath: o.Mount}}}
	if o.CPU != "" || o.Memory != "" {
		c.Resources.Requests = map[string]string{}
	}
	if o.CPU != "" {
		c.Resources.Requests["cpu"] = o.CPU
	}
	if o.Memory != "" {
		c.Resources.Requests["memory"] = o.Memory
		c.Resources.Limits = map[string]string{"memory": o.Memory}
	}
	v := volume{Name: "sweep"}
	v.PVC.ClaimName = o.PVC
	j.Spec.Template = podTemplate{Metadata: j.Metadata, Spec: podSpec{RestartPolicy: "Never", Containers: []container{c}, Volumes: []volume{v}}}
	j.Spec.Template.Metadata.Name = ""
	b, err := yaml.Marshal(j)
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "job.yaml")
	return path, atomic.WriteFile(path, func(w io.Writer) error { _, err := w.Write(b); return err })
}

// dnsLabel lowercases s and keeps [a-z0-9-], as Kubernetes names need.
func dnsLabel(s string) string {
	s = strings.Trim(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, s), "-")
	if s == "" {
		return "run"
	}
	return s
}
