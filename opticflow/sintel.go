package opticflow

import (
	"errors"
	"fmt"
	"image"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"github.com/neuropil/neuropil/format/flo"
	"github.com/neuropil/neuropil/opticlobe"
)

// Source is a stream of optic-flow movies for Fit: the procedural data
// (*Data) or MPI-Sintel (*Sintel).
type Source interface {
	// Columns returns the number of columns sampled.
	Columns() int
	// Config returns the settings Fit reads: Frames (per movie), Dt, Extent
	// and Kernel.
	Config() Config
	// Batch writes movies start … start+batch−1 of split: frames
	// [frames][batch][columns] and flow [frames][batch][2][columns].
	Batch(frames, flow []float32, split Split, start int)
}

// SourceErr returns the first error a Source met reading its data (a
// Source backed by files has an Err method), nil for one that cannot
// fail.
func SourceErr(s Source) error {
	if e, ok := s.(interface{ Err() error }); ok {
		return e.Err()
	}
	return nil
}

// SintelConfig describes MPI-Sintel as flyvis's MultiTaskSintel reads it
// for training (flyvis/config/task/task.yaml); the zero value of each
// field means the documented default.
type SintelConfig struct {
	Dir string // holds training/final/<scene>/frame_NNNN.png and training/flow/<scene>/frame_NNNN.flo

	Extent     int     // eye extent; 0: opticlobe.DefaultExtent (15, 721 columns)
	Kernel     int     // box side in pixels; 0: opticlobe.DefaultKernel (13, flyvis BoxEye kernel_size)
	Frames     int     // Sintel frames per movie, before resampling; 0: 19 (flyvis n_frames)
	Dt         float64 // seconds between the movie's frames; 0: 0.02 (flyvis dt), from Sintel's 24 frames/s
	Splits     int     // vertical splits of each frame; 0: 3 (flyvis vertical_splits)
	CenterCrop float64 // fraction of the width kept before splitting; 0: 0.7 (flyvis center_crop_fraction)

	// Split is "" or "original": flyvis's original split by scene names
	// (task.yaml original_split: true); "folds": fold Fold of Folds of the
	// sequences in order (flyvis get_random_data_split, which flyvis calls
	// with its seed, 0, as the shuffle flag: unshuffled).
	Split string
	Folds int // 0: 4 (flyvis n_folds)
	Fold  int // the validation fold with Split "folds", 0 … Folds−1 (task.yaml fold: 1, the command's default)

	NoAugment  bool    // training movies without flyvis's augmentations (validation movies never have them)
	PFlip      float64 // probability of a flip; 0: 0.5 (flyvis p_flip)
	PRot       float64 // probability of a rotation; 0: 0.5 (task.yaml p_rot)
	Contrast   float64 // std of log contrast; 0: 0.2 (flyvis contrast_std)
	Brightness float64 // std of brightness; 0: 0.1 (flyvis brightness_std)
	Noise      float64 // std of the Gaussian noise on the columns; 0: 0.08 (flyvis gaussian_white_noise)

	Seed       uint64 // the augmentations and the order of training movies depend on (Seed, split, movie) alone
	CacheBytes int    // rendered scenes kept in memory; 0: 256 MiB (all of Sintel, about 30 MiB for the default eye)
}

// sintelRate is MPI-Sintel's frame rate (flyvis original_framerate).
const sintelRate = 24

func (c SintelConfig) withDefaults() SintelConfig {
	for _, d := range []struct {
		v *int
		d int
	}{{&c.Extent, opticlobe.DefaultExtent}, {&c.Kernel, opticlobe.DefaultKernel}, {&c.Frames, 19},
		{&c.Splits, 3}, {&c.Folds, 4}, {&c.CacheBytes, 256 << 20}} {
		orDefault(d.v, d.d)
	}
	for _, d := range []struct {
		v *float64
		d float64
	}{{&c.Dt, 0.02}, {&c.CenterCrop, 0.7}, {&c.PFlip, 0.5}, {&c.PRot, 0.5},
		{&c.Contrast, 0.2}, {&c.Brightness, 0.1}, {&c.Noise, 0.08}} {
		orDefault(d.v, d.d)
	}
	return c
}

// orDefault sets *v to d when it is zero.
func orDefault[T int | float64](v *T, d T) {
	if *v == 0 {
		*v = d
	}
}

// check returns an error for settings out of range.
func (c SintelConfig) check() error {
	if c.Extent < 0 || c.Kernel < 1 || c.Frames < 2 || c.Splits < 1 || c.Folds < 2 || c.Fold < 0 || c.Fold >= c.Folds {
		return fmt.Errorf("opticflow: bad Sintel extent %d, kernel %d, frames %d (at least 2), splits %d or fold %d of %d",
			c.Extent, c.Kernel, c.Frames, c.Splits, c.Fold, c.Folds)
	}
	for _, v := range []float64{c.Dt, c.CenterCrop, c.PFlip, c.PRot, c.Contrast, c.Brightness, c.Noise} {
		if !(v > 0) || math.IsInf(v, 0) {
			return fmt.Errorf("opticflow: Sintel dt %v, center crop %v, probabilities %v, %v and stds %v, %v, %v must be positive and finite",
				c.Dt, c.CenterCrop, c.PFlip, c.PRot, c.Contrast, c.Brightness, c.Noise)
		}
	}
	if c.Split != "" && c.Split != "original" && c.Split != "folds" {
		return fmt.Errorf("opticflow: unknown Sintel split %q (known: original, folds)", c.Split)
	}
	if c.CenterCrop > 1 || c.PFlip > 1 || c.PRot > 1 {
		return fmt.Errorf("opticflow: Sintel center crop %v and probabilities %v, %v must be at most 1", c.CenterCrop, c.PFlip, c.PRot)
	}
	return nil
}

// sintelScene is a scene's files, checked at NewSintel.
type sintelScene struct {
	name   string
	frames []string // frame_0001.png … frame_NNNN.png
	flows  []string // frame_0001.flo … frame_(N−1).flo: flow from frame i to i+1
	h, w   int      // the frames' size
}

// sequence is one vertical split of one scene: a movie before cropping.
type sequence struct{ scene, split int }

// Sintel is MPI-Sintel's training set as flyvis trains on it
// (MultiTaskSintel with task.yaml's settings), read lazily: a scene is
// read and rendered onto the columns the first time one of its movies is
// asked for and kept in a cache of rendered scenes (CacheBytes).
//
// Rendering, as flyvis's RenderedSintel: a scene of N frames gives N−1
// frames, Sintel's frames 2 … N, each with the flow that leads to it
// (frame_0001.flo … frame_(N−1).flo). Frames are grey as PIL's
// convert("L") / 255. Each frame and flow field is cropped to the
// central CenterCrop of its width and cut into Splits overlapping
// vertical splits (each a movie), which the eye samples (opticlobe.Eye,
// flyvis's BoxEye): frames as the mean of each column's box, flow in
// flyvis's units — pixels divided by the frame's height, y up, summed
// over the box (Kernel²/h times the mean displacement; channel 0 x,
// channel 1 y).
//
// A movie, as MultiTaskSintel.apply_augmentation: Frames consecutive
// rendered frames (from a random start for training); for training,
// Gaussian noise then contrast and brightness on the columns' values,
// each clamped at 0, then a flip and a rotation of the lattice
// (HexTransform) applied to frames and flow alike; then resampling from
// 24 frames/s to 1/Dt, piecewise constant for the frames, linear for the
// flow: Config().Frames frames. Layouts as Data's: a batch's frames
// [frames][batch][columns], its flow [frames][batch][2][columns].
type Sintel struct {
	cfg    SintelConfig
	eye    *opticlobe.Eye
	scenes []sintelScene
	seqs   []sequence // [scenes][splits]
	train  []int      // indices into seqs
	val    []int
	nOut   int // frames of a movie after resampling to 1/Dt

	mu         sync.Mutex
	err        error
	cache      sceneCache
	transforms map[int]HexTransform // flip·6 + rot
}

// flyvis's original split of Sintel's 23 training scenes
// (sintel_utils.original_train_and_validation_indices).
var (
	sintelTrainScenes = []string{"alley_1", "alley_2", "ambush_4", "ambush_5", "ambush_6", "ambush_7", "bamboo_2",
		"bandage_2", "cave_2", "market_5", "market_6", "shaman_2", "shaman_3", "sleeping_1", "sleeping_2", "temple_2", "temple_3"}
	sintelValScenes = []string{"ambush_2", "bamboo_1", "bandage_1", "cave_4", "market_2", "mountain_1"}
)

// NewSintel scans cfg.Dir: every scene's frames and flow must be there,
// the frames' PNG headers of one size and the .flo headers of the same
// size and consistent with their files' lengths; errors name the file or
// directory at fault. Scenes with fewer than Frames+1 frames are left
// out, as flyvis leaves them out. Pixels are read later, by Batch.
func NewSintel(cfg SintelConfig) (*Sintel, error) {
	c := cfg.withDefaults()
	if err := c.check(); err != nil {
		return nil, err
	}
	scenes, err := scanSintel(c.Dir, c.Frames)
	if err != nil {
		return nil, err
	}
	s := &Sintel{cfg: c, eye: opticlobe.NewEye(c.Extent, c.Kernel), scenes: scenes}
	s.cache.limit = c.CacheBytes
	s.nOut = s.outFrames()
	for k, sc := range scenes {
		if _, _, _, err := s.splitWindows(sc.w); err != nil {
			return nil, fmt.Errorf("opticflow: %s: %w", sc.frames[0], err)
		}
		for j := range c.Splits {
			s.seqs = append(s.seqs, sequence{k, j})
		}
	}
	if s.train, s.val, err = s.split(); err != nil {
		return nil, err
	}
	return s, nil
}

// scanSintel lists and checks the scenes of dir with at least frames+1
// frames.
func scanSintel(dir string, frames int) ([]sintelScene, error) {
	final, flow := filepath.Join(dir, "training", "final"), filepath.Join(dir, "training", "flow")
	names, err := subdirs(final)
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("opticflow: %s: no scenes (want training/final/<scene>/frame_NNNN.png)", final)
	}
	flowNames, err := subdirs(flow)
	if err != nil {
		return nil, err
	}
	for _, n := range flowNames {
		if !slices.Contains(names, n) {
			return nil, fmt.Errorf("opticflow: %s: flow without frames (no %s)", filepath.Join(flow, n), filepath.Join(final, n))
		}
	}
	var scenes []sintelScene
	for _, n := range names {
		sc, err := scanScene(filepath.Join(final, n), filepath.Join(flow, n))
		if err != nil {
			return nil, err
		}
		if len(sc.flows) >= frames {
			scenes = append(scenes, sc)
		}
	}
	if len(scenes) == 0 {
		return nil, fmt.Errorf("opticflow: %s: no scene has the %d frames a movie takes", final, frames+1)
	}
	return scenes, nil
}

// subdirs returns the sorted names of the directories in dir.
func subdirs(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("opticflow: %w", err)
	}
	var names []string
	for _, e := range ents {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names, nil // os.ReadDir sorts by name
}

// files returns the sorted paths of the files in dir ending in ext.
func files(dir, ext string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("opticflow: %w", err)
	}
	var paths []string
	for _, e := range ents {
		if !e.IsDir() && strings.EqualFold(filepath.Ext(e.Name()), ext) {
			paths = append(paths, filepath.Join(dir, e.Name()))
		}
	}
	return paths, nil
}

// scanScene checks one scene's files: N frames of one size, N−1 flow
// fields of that size.
func scanScene(frameDir, flowDir string) (sintelScene, error) {
	sc := sintelScene{name: filepath.Base(frameDir)}
	var err error
	if sc.frames, err = files(frameDir, ".png"); err != nil {
		return sc, err
	}
	if _, err := os.Stat(flowDir); errors.Is(err, os.ErrNotExist) {
		return sc, fmt.Errorf("opticflow: %s: a scene without flow (no %s)", frameDir, flowDir)
	}
	if sc.flows, err = files(flowDir, ".flo"); err != nil {
		return sc, err
	}
	if len(sc.frames) < 2 || len(sc.flows) != len(sc.frames)-1 {
		return sc, fmt.Errorf("opticflow: %s: %d frames and %d flow fields in %s, want at least 2 frames and one field fewer",
			frameDir, len(sc.frames), len(sc.flows), flowDir)
	}
	for i, p := range sc.frames {
		h, w, err := pngSize(p)
		if err != nil {
			return sc, err
		}
		if i == 0 {
			sc.h, sc.w = h, w
		} else if h != sc.h || w != sc.w {
			return sc, fmt.Errorf("opticflow: %s: frame of %d×%d pixels (width×height), but %s has %d×%d",
				p, w, h, sc.frames[0], sc.w, sc.h)
		}
	}
	for _, p := range sc.flows {
		w, h, err := flo.ReadHeader(p)
		if err != nil {
			return sc, fmt.Errorf("opticflow: %w", err)
		}
		if h != sc.h || w != sc.w {
			return sc, fmt.Errorf("opticflow: %s: flow of %d×%d pixels (width×height), but the frames (%s) have %d×%d",
				p, w, h, sc.frames[0], sc.w, sc.h)
		}
	}
	return sc, nil
}

// pngSize reads a PNG's header.
func pngSize(path string) (h, w int, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("opticflow: %w", err)
	}
	defer f.Close()
	cfg, kind, err := image.DecodeConfig(f)
	if err != nil {
		return 0, 0, fmt.Errorf("opticflow: %s: not a PNG that decodes: %w", path, err)
	}
	if kind != "png" {
		return 0, 0, fmt.Errorf("opticflow: %s: a %s image, want PNG", path, kind)
	}
	if float64(cfg.Width)*float64(cfg.Height) > maxFramePixels {
		return 0, 0, fmt.Errorf("opticflow: %s: frame of %d×%d pixels, more than %d", path, cfg.Width, cfg.Height, maxFramePixels)
	}
	return cfg.Height, cfg.Width, nil
}

// maxFramePixels bounds a frame's size (Sintel's are 1024×436).
const maxFramePixels = 1 << 24

// split returns the training and validation sequences.
func (s *Sintel) split() (train, val []int, err error) {
	c := s.cfg
	switch c.Split {
	case "", "original":
		for q, sq := range s.seqs {
			name := s.scenes[sq.scene].name
			switch {
			case slices.Contains(sintelTrainScenes, name):
				train = append(train, q)
			// flyvis drops sequences 37 and 38 (cave_4's second and third
			// split) from validation: its data loader's batches left them out.
			case slices.Contains(sintelValScenes, name) && !(c.Splits == 3 && name == "cave_4" && sq.split > 0):
				val = append(val, q)
			}
		}
	case "folds":
		n := len(s.seqs)
		size := func(k int) int { return n/c.Folds + b2i(k < n%c.Folds) }
		lo := 0
		for k := range c.Fold {
			lo += size(k)
		}
		for q := range n {
			if q >= lo && q < lo+size(c.Fold) {
				val = append(val, q)
			} else {
				train = append(train, q)
			}
		}
	default:
		return nil, nil, fmt.Errorf("opticflow: unknown Sintel split %q (known: original, folds)", c.Split)
	}
	if len(train) == 0 || len(val) == 0 {
		return nil, nil, fmt.Errorf("opticflow: %s: split %q leaves %d training and %d validation movies (the original split needs Sintel's scene names)",
			c.Dir, c.Split, len(train), len(val))
	}
	return train, val, nil
}

// outFrames returns the frames of a movie after resampling to 1/Dt:
// flyvis's ceil(target_framerate / original_framerate · n_frames).
func (s *Sintel) outFrames() int {
	return int(math.Ceil(1 / s.cfg.Dt / sintelRate * float64(s.cfg.Frames)))
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Config returns the settings Fit reads: Frames is the number of frames
// of a movie after resampling, ceil(Frames/(24·Dt)) (40 for flyvis's 19
// at 0.02 s).
func (s *Sintel) Config() Config {
	return Config{Extent: s.cfg.Extent, Kernel: s.cfg.Kernel, Frames: s.nOut, Dt: s.cfg.Dt, Seed: s.cfg.Seed}
}

// Columns returns the number of columns sampled.
func (s *Sintel) Columns() int { return s.eye.Columns() }

// Movies returns the number of training and validation movies (scene
// splits) of the split.
func (s *Sintel) Movies() (train, val int) { return len(s.train), len(s.val) }

// Err returns the first error met reading frames or flow in Batch.
func (s *Sintel) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

func (s *Sintel) setErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}
