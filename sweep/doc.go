// Package sweep runs many independent runs of one neuropil command: a grid
// of flag values crossed (cartesian product), explicit extra rows, and
// repeats with their own seeds (ensembles). The unit of distribution is
// the run; nothing sits between the runs and the engine that runs them
// but files:
//
//	SWEEP/plan.json          the expanded runs, one entry each, with their flags
//	SWEEP/plan.csv           the same, one row a run, for people
//	SWEEP/runs/NAME/         one directory a run, NAME from its index and values
//	SWEEP/runs/NAME/out/     the command's --out: its own outputs
//	SWEEP/runs/NAME/log.txt  the command's stdout and stderr, every attempt
//	SWEEP/runs/NAME/status.json  state, exit status, error, timings
//	SWEEP/sweep.sbatch       a Slurm job array (Slurm)
//	SWEEP/job.yaml           a Kubernetes Indexed Job (K8s)
//	SWEEP/slurm/             the array tasks' output files
//	SWEEP/collected/         merged results (Collect): runs.csv; summary.csv,
//	                         spikes.parquet and rates.csv (simulate); ensemble.csv
//	                         and learning_curves.png (train); for train --model
//	                         optic-lobe also ensemble/NNN, a flyvis ensemble directory
//
// Conventions: a run is done when its command exited 0 and the files that
// mark its outputs complete exist (simulate: summary.json, written last;
// train: metrics.csv and model.npz, metrics.csv and curves.png for the
// optic lobe; a [flags] model picks the markers and the flags a plan
// checks, learnt from "neuropil COMMAND --model=MODEL"); only then does status.json say done.
// A run being executed holds an flock on runs/NAME/.lock, so that a run
// killed mid-way (its lock released by the kernel) reads as pending and is
// run again, and two executors never run the same run at once. Runs are
// indexed from 0 in plan order; an array task's index is the run's index.
// Seeds come from the plan, never from the task or the clock, so a run
// gives the same outputs wherever it runs. Relative paths in flags are
// relative to the working directory of "sweep run".
package sweep
