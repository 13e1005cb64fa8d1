#!/usr/bin/env python3
"""Instructions per message of every microbenchmark case, counted by callgrind.

    benchmarks/callgrind_micro.py [--micro build-bench/benchmarks/micro] [--filter TEXT] [--keep DIR]

Runs `micro --quick --json` under valgrind's callgrind; micro dumps the
counters of each measured section separately (CALLGRIND_DUMP_STATS_AT), so
each case's instructions divided by its messages is exact and repeatable,
whatever else the machine is doing. Use it to compare before/after a change;
open a case's dump with callgrind_annotate (--keep DIR keeps them) to see
where its instructions go.
"""

import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--micro", default=os.path.join(ROOT, "build-bench", "benchmarks", "micro"))
    ap.add_argument("--filter", default="")
    ap.add_argument("--keep", default="", help="keep the callgrind dumps in this directory")
    args = ap.parse_args()
    out_dir = args.keep or tempfile.mkdtemp(prefix="callgrind-micro-")
    os.makedirs(out_dir, exist_ok=True)
    argv = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_dir}/callgrind.out.%p",
            args.micro, "--quick", "--json"] + (["--filter", args.filter] if args.filter else [])
    res = subprocess.run(argv, capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"callgrind_micro: micro failed: {res.stderr[-2000:]}")
    rows = {r["name"]: r for r in json.loads(res.stdout)}
    instructions = {}
    for path in glob.glob(os.path.join(out_dir, "callgrind.out.*")):
        name, total = None, None
        with open(path, errors="replace") as f:
            for line in f:
                if line.startswith("desc: Trigger: Client Request: "):
                    name = line.split("Client Request: ", 1)[1].strip()
                m = re.match(r"(summary|totals): (\d+)", line)
                if m:
                    total = int(m.group(2))
        if name and total is not None and name in rows:
            instructions[name] = (total, path)
    print("| case | instructions/msg | allocs/msg |")
    print("| --- | ---: | ---: |")
    for name, r in rows.items():
        if name not in instructions:
            continue
        total, _ = instructions[name]
        print(f"| {name} | {total / r['messages']:,.0f} | {r['allocs_per_msg']:.4f} |")
    if args.keep:
        print(f"\ndumps in {out_dir} (callgrind_annotate --inclusive=yes FILE)", file=sys.stderr)
    else:
        shutil.rmtree(out_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
