#!/usr/bin/env python3
"""A mutation check: plants each bug of MUTATIONS, one at a time, in a scratch
copy of the working tree, and runs the fast test suites against it. Every
planted bug must make at least one test fail; the script says which.

    tests/mutation/run.py [--scratch DIR] [--keep] [--only NAME]...

The bugs are realistic ones (each was found surviving the whole suite once,
or is a rule a future change could break); the list grows with each bug a
review finds. The scratch copy is built unoptimised (faster to compile) in
DIR/build; the working tree is never touched. About 5-10 minutes per bug on
2 CPUs (a mutated header rebuilds most test programs). Exit status: 0 every
bug caught, 1 one survived (or the unmutated copy failed), 2 a bug no longer
applies (its text is not in the file, or planted it does not compile: update
the list).
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# The unit-test programs run for each bug (meson test names): everything but
# interop, faults, fuzz and soak, which take minutes and need Go.
FAST_TESTS = ["raftpb", "codec", "http", "handlers", "snapshot", "transport", "integration", "id", "stats"]

# name, file, text in the file, what to plant instead.
MUTATIONS = [
    ("a request without X-Etcd-Cluster-ID is accepted",
     "include/rafthttp/detail/serving.hpp",
     'if (request.headers.get("X-Etcd-Cluster-ID") != c.cluster_id)',
     'if (request.headers.contains("X-Etcd-Cluster-ID") && request.headers.get("X-Etcd-Cluster-ID") != c.cluster_id)'),
    ("a failed POST does not move the pipeline on to the next URL",
     "include/rafthttp/pipeline.hpp",
     "    peer_.picker.unreachable(url);\n",
     "    (void)url;\n"),
    ("a failed snapshot POST does not move the sender on to the next URL",
     "include/rafthttp/snapshot/sender.hpp",
     "    peer_.picker.unreachable(url);\n",
     "    (void)url;\n"),
    ("msgappv2: no bound on an AppEntries record as a whole",
     "include/rafthttp/codec/msgappv2.hpp",
     "if (length > max_record_bytes_ || walk_.offset + 8 > max_record_bytes_ ||\n"
     "          length > max_record_bytes_ - (walk_.offset + 8))",
     "if (length > max_record_bytes_)"),
    ("an oversized POST body is answered 400 instead of 413",
     "include/rafthttp/handlers.hpp",
     "const int status = read_error == http::errc::body_too_large ? 413 : 400;",
     "const int status = 400;"),
    ("a message to another member reaches raft",
     "include/rafthttp/detail/delivery_check.hpp",
     "  if (m.to != local) return delivery_refusal::wrong_recipient;\n",
     "  (void)local;\n"),
    ("a message of unknown type reaches raft",
     "include/rafthttp/detail/delivery_check.hpp",
     "  if (!raftpb::is_known_wire_type(m.type)) return delivery_refusal::unknown_type;\n",
     ""),
    ("etcd 3.7 wire style: a MsgApp's zero commit is left out",
     "include/rafthttp/raftpb/wire_style.hpp",
     "case message_type::MsgApp: f.index = f.log_term = f.commit = true; break;",
     "case message_type::MsgApp: f.index = f.log_term = true; break;"),
    ("the snapshot envelope limit of 3.6 and 3.7 is not applied",
     "include/rafthttp/etcd_version.hpp",
     'return {version, "3.6.17", wire_style::etcd_3_6, etcd::snapshot_limit_bytes, true};',
     'return {version, "3.6.17", wire_style::etcd_3_6, etcd::read_bytes_limit, true};'),
]


def run(cmd, cwd, log, timeout=3600):
    with open(log, "a") as out:
        out.write(f"$ {' '.join(map(str, cmd))}\n")
        out.flush()
        return subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, timeout=timeout).returncode


def copy_tree(scratch):
    """The working tree as it is (tracked files and untracked ones git does not ignore)."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, listed):
        source = ROOT / name.decode()
        if source.is_file():
            target = scratch / name.decode()
            # A file already there with the same bytes keeps its time, so that
            # a reused build rebuilds only what differs; any other is written
            # anew (a newer time than every object built before).
            if target.is_file() and target.read_bytes() == source.read_bytes():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            shutil.copymode(source, target)


def build_and_test(src, build, log):
    """The failing fast tests (with their failing cases); empty when all pass,
    None when the copy does not compile."""
    if run(["meson", "compile", "-C", build] + [f"tests/test-{name}" for name in FAST_TESTS], src, log) != 0:
        return None
    failed = []
    for name in FAST_TESTS:
        if run(["meson", "test", "-C", build, "--no-rebuild", "--print-errorlogs", name], src, log, timeout=900) != 0:
            cases = failing_cases(log)
            failed.append(f"{name} ({'; '.join(cases)})" if cases else name)
    return failed


def failing_cases(log):
    """The doctest cases that failed in the last test run the log holds."""
    last_run = log.read_text(errors="replace").rsplit("$ meson test", 1)[-1]
    cases = []
    for line in last_run.splitlines():
        if line.startswith("TEST CASE:"):
            case = line.removeprefix("TEST CASE:").strip()
            if case not in cases:
                cases.append(case)
    return cases


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scratch", type=Path, help="where to copy the tree (default: a temporary directory)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch copy")
    ap.add_argument("--only", action="append", help="plant only the bugs whose name contains this (repeatable)")
    args = ap.parse_args()
    scratch = args.scratch or Path(tempfile.mkdtemp(prefix="rafthttp-mutation-"))
    src, build, log = scratch / "src", scratch / "build", scratch / "log.txt"
    if not (build / "build.ninja").exists():
        shutil.rmtree(src, ignore_errors=True)
    copy_tree(src)
    print(f"scratch copy in {src}; build log {log}", flush=True)
    # A scratch directory used before keeps its build (copies keep their
    # times: only what changed since is rebuilt).
    if not (build / "build.ninja").exists() and run(["meson", "setup", build, "-Doptimization=0"], src, log) != 0:
        print("FAIL: meson setup (see the log)")
        return 1
    started = time.monotonic()
    failed = build_and_test(src, build, log)
    if failed is None or failed:
        print(f"FAIL: the unmutated copy {'does not compile' if failed is None else f'fails {failed}'}: fix that first")
        return 1
    print(f"unmutated: every fast test passes ({time.monotonic() - started:.0f} s)", flush=True)

    status = 0
    for name, file, text, planted in MUTATIONS:
        if args.only and not any(part in name for part in args.only):
            continue
        path = src / file
        original = path.read_text()
        if original.count(text) != 1:
            print(f"STALE  {name}: the text to replace is not once in {file}; update tests/mutation/run.py")
            status = max(status, 2)
            continue
        path.write_text(original.replace(text, planted))
        started = time.monotonic()
        failed = build_and_test(src, build, log)
        path.write_text(original)
        took = time.monotonic() - started
        if failed is None:
            # A bug the compiler refuses is no check of the tests: plant it so that it compiles.
            print(f"BROKEN {name}: the mutated copy does not compile (see the log); update tests/mutation/run.py")
            status = max(status, 2)
        elif failed:
            print(f"caught {name}: {', '.join(failed)} ({took:.0f} s)", flush=True)
        else:
            print(f"MISSED {name}: every fast test passed ({took:.0f} s)", flush=True)
            status = max(status, 1)
    if not args.keep and not args.scratch:
        shutil.rmtree(scratch, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
