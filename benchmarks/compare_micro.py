#!/usr/bin/env python3
"""Time of every microbenchmark case at two revisions, runs interleaved.

    benchmarks/compare_micro.py OLD_MICRO NEW_MICRO [--runs 8] [--filter TEXT] [--nice -15]

Runs the two `micro` binaries in turn (old, new, then new, old, ...) so that
drift on a shared machine hits both alike, and keeps each case's fastest
CPU ns/message: the minimum is the run least disturbed by the rest of the machine.
Prints old, new and new/old per case. Build OLD_MICRO from a worktree of the
earlier commit (`git worktree add --detach ../old REV`, then the release
configuration of benchmarks/RESULTS.md). callgrind_micro.py counts
instructions; this says whether they cost time.
"""

import argparse
import json
import subprocess


def run_once(micro, flt, nice):
    argv = ["nice", "-n", str(nice), micro, "--json"] + (["--filter", flt] if flt else [])
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    return {r["name"]: r for r in json.loads(out)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--runs", type=int, default=8)
    ap.add_argument("--filter", default="")
    ap.add_argument("--nice", type=int, default=0, help="niceness of the runs (negative needs root)")
    args = ap.parse_args()
    best = {"old": {}, "new": {}}
    allocs = {}
    names = []
    for i in range(args.runs):
        for side in (("old", "new") if i % 2 == 0 else ("new", "old")):
            for name, r in run_once(getattr(args, side), args.filter, args.nice).items():
                if name not in names:
                    names.append(name)
                ns = r["cpu_ns_per_msg"]
                best[side][name] = min(best[side].get(name, ns), ns)
                if side == "new":
                    allocs[name] = max(allocs.get(name, 0.0), r["allocs_per_msg"])
    print(f"min of {args.runs} interleaved runs, CPU ns/message")
    print("| case | old | new | new/old | new allocs/msg |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for name in names:
        old, new = best["old"].get(name), best["new"].get(name)
        if old is None or new is None:
            continue
        print(f"| {name} | {old:,.1f} | {new:,.1f} | {new / old:.2f} | {allocs[name]:.4f} |")


if __name__ == "__main__":
    main()
