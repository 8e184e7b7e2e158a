#!/usr/bin/python3
"""A/B speed check of two neuropil binaries, run alternately in one process.

    /usr/bin/python3 bench/ab.py OLD_BINARY NEW_BINARY [--rounds 5]

Each round runs both binaries, in alternating order, on the same three
measurements, so that a change in machine load falls on both:

  product   `neuropil bench --bandwidth=false --kernel auto --json`: the median
            time of one batch-8 product on the default connectome (spmm_ms)
  solve     the same run's default `simulate` dopri5 solve (simulate_solve_seconds)
  train     `neuropil bench-train --json --reps 3`: one forward and backward
            pass of training, 20 euler steps, batch 8 (train_step_seconds)

It prints the median of each measurement for both binaries and new/old; a
ratio above 1 means the new binary is slower.
"""
import argparse
import json
import statistics
import subprocess


def run_json(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out[out.index("{"):])


def measure(binary):
    b = run_json([binary, "bench", "--bandwidth=false", "--kernel", "auto", "--json"])
    t = run_json([binary, "bench-train", "--json", "--reps", "3"])
    return {"product_ms": b["spmm_ms"], "solve_s": b["simulate_solve_seconds"],
            "train_step_s": t["train_step_seconds"]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    res = {"old": [], "new": []}
    for r in range(a.rounds):
        order = ["old", "new"] if r % 2 == 0 else ["new", "old"]
        for which in order:
            res[which].append(measure(getattr(a, which)))
    print(f"{'measure':14} {'old':>10} {'new':>10} {'new/old':>8}")
    for key in res["old"][0]:
        o = statistics.median(m[key] for m in res["old"])
        n = statistics.median(m[key] for m in res["new"])
        print(f"{key:14} {o:10.4f} {n:10.4f} {n / o:8.3f}")


if __name__ == "__main__":
    main()
