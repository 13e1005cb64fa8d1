#!/usr/bin/env python3
"""Go <-> C++ comparison of GET /metrics (issue 9): the same traffic must give
the same etcd_network_* metric names, types, help texts, label sets and
histogram buckets on a Go peer (etcd 3.4's rafthttp) and a C++ peer
(rafthttp-cpp), and the counts must agree with the traffic.

    metrics_compare.py CPP_PEER GO_PEER [--workdir DIR] [--keep]

CPP_PEER is build/examples/rafthttp-peer; GO_PEER is the Go reference peer
(tests/interop/goref), built with goref/build.sh into its directory when it
does not exist yet. Four mixed runs, in parallel, sender id 1, receiver id 2:

    echo      Go send --await-acks -> C++ echo      and  C++ send -> Go echo
    snapshot  Go snapshot -> C++ sink               and  C++ snapshot -> Go sink

Each peer's /metrics is scraped once the sender's work is done and the
probers' monitors have reported (7 s after start); the role Go plays in one
run is compared with the role C++ plays in the other. Every exposition is
parsed strictly first. Exit status: 0 pass, 1 a check failed, 77 skipped
(no Go toolchain or etcd sources; 1 instead when RAFTHTTP_REQUIRE_INTEROP=1).
Python 3 standard library only.
"""

import argparse
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import harness

HERE = Path(__file__).resolve().parent
SKIP = 77
PREFIX = "etcd_network_"  # rafthttp's families; Go's process also exports go_*, process_*, etcd_snap_*
SCRAPE_AFTER = 7.0        # s after the sender is ready: its work done, the 5 s prober monitors reported
# The protobuf size of a link heartbeat as each release encodes it (etcd 3.4
# and 3.5 write every field, 3.6 all but the snapshot, 3.7 only the type).
LINK_HEARTBEAT_BYTES = {"3.4": 30, "3.5": 30, "3.6": 20, "3.7": 2}


# ------------------------------------------------------------ the parser ----

class ParseError(Exception):
    pass


NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def parse_value(text, where):
    if text in ("NaN", "+Inf", "-Inf"):
        return float(text.replace("Inf", "inf"))
    if not re.fullmatch(r"-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?", text):
        raise ParseError(f"{where}: not a number: {text!r}")
    return float(text)


def parse_labels(text, where):
    """{a="x",b="y"} -> (('a','x'),('b','y')), with only \\\\ \\" \\n escapes."""
    labels, i = [], 1
    while text[i] != "}":
        m = LABEL.match(text, i)
        if not m or text[m.end()] != "=" or text[m.end() + 1] != '"':
            raise ParseError(f"{where}: bad label at {text[i:]!r}")
        name, i, value = m.group(), m.end() + 2, ""
        while text[i] != '"':
            if text[i] == "\\":
                esc = {"\\": "\\", '"': '"', "n": "\n"}.get(text[i + 1])
                if esc is None:
                    raise ParseError(f"{where}: invalid escape in a label value")
                value, i = value + esc, i + 2
            else:
                value, i = value + text[i], i + 1
        labels.append((name, value))
        i += 1
        if text[i] == ",":
            i += 1
        elif text[i] != "}":
            raise ParseError(f"{where}: expected , or }}")
    if len({n for n, _ in labels}) != len(labels):
        raise ParseError(f"{where}: a label twice")
    return tuple(sorted(labels)), i + 1


def parse_exposition(text):
    """Strict text format 0.0.4 as client_golang writes it: HELP, TYPE, then the
    family's samples together; histograms checked whole. Returns
    {family: {"type", "help", "samples": [(name, labels, value)]}}."""
    if text and not text.endswith("\n"):
        raise ParseError("no final newline")
    families, current, seen = {}, None, set()
    for n, line in enumerate(text.split("\n")[:-1], 1):
        where = f"line {n}"
        if not line:
            raise ParseError(f"{where}: blank line")
        if line.startswith("# HELP "):
            name, _, help_text = line[7:].partition(" ")
            if not NAME.fullmatch(name) or name in families:
                raise ParseError(f"{where}: bad or repeated HELP for {name}")
            current = families[name] = {"type": None, "help": help_text, "samples": []}
            current["name"] = name
            continue
        if line.startswith("# TYPE "):
            name, _, kind = line[7:].partition(" ")
            if current is None or current["name"] != name or current["type"] or current["samples"]:
                raise ParseError(f"{where}: TYPE of {name} not right after its HELP")
            if kind not in ("counter", "gauge", "histogram", "summary", "untyped"):
                raise ParseError(f"{where}: unknown type {kind}")
            current["type"] = kind
            continue
        if line.startswith("#"):
            raise ParseError(f"{where}: unexpected comment")
        m = NAME.match(line)
        if not m:
            raise ParseError(f"{where}: no metric name")
        name, rest = m.group(), line[m.end():]
        labels = ()
        if rest.startswith("{"):
            labels, end = parse_labels(rest, where)
            rest = rest[end:]
        if not rest.startswith(" "):
            raise ParseError(f"{where}: no value")
        value = parse_value(rest[1:].split(" ")[0], where)
        if current is None or current["type"] is None:
            raise ParseError(f"{where}: sample outside a family")
        base = current["name"]
        allowed = {"histogram": {base + "_bucket", base + "_sum", base + "_count"},
                   "summary": {base, base + "_sum", base + "_count"}}.get(current["type"], {base})
        if name not in allowed:
            raise ParseError(f"{where}: {name} outside its family {base}")
        if (name, labels) in seen:
            raise ParseError(f"{where}: duplicate series {name}{dict(labels)}")
        seen.add((name, labels))
        if current["type"] == "counter" and not value >= 0:
            raise ParseError(f"{where}: counter below 0")
        current["samples"].append((name, labels, value))
    for name, f in families.items():
        if not f["samples"]:
            raise ParseError(f"{name}: no samples")
        if f["type"] == "histogram":
            check_histogram(name, f)
    return families


def check_histogram(name, family):
    series = {}
    for sample, labels, value in family["samples"]:
        base = tuple(kv for kv in labels if kv[0] != "le")
        s = series.setdefault(base, {"buckets": [], "sum": None, "count": None})
        if sample.endswith("_bucket"):
            le = dict(labels).get("le")
            if le is None:
                raise ParseError(f"{name}: bucket without le")
            s["buckets"].append((parse_value(le, name), value))
        elif sample.endswith("_sum"):
            s["sum"] = value
        else:
            s["count"] = value
    for labels, s in series.items():
        b = s["buckets"]
        if s["sum"] is None or s["count"] is None:
            raise ParseError(f"{name}{dict(labels)}: no _sum or _count")
        if not b or not math.isinf(b[-1][0]):
            raise ParseError(f"{name}{dict(labels)}: no +Inf bucket last")
        if any(b[i][0] >= b[i + 1][0] or b[i][1] > b[i + 1][1] for i in range(len(b) - 1)):
            raise ParseError(f"{name}{dict(labels)}: buckets not ascending or counts decreasing")
        if b[-1][1] != s["count"]:
            raise ParseError(f"{name}{dict(labels)}: +Inf bucket != _count")


# ------------------------------------------------------------ processes ----

def unavailable(what):
    if os.environ.get("RAFTHTTP_REQUIRE_INTEROP") == "1":
        print(f"FAIL (RAFTHTTP_REQUIRE_INTEROP=1): {what}", flush=True)
        sys.exit(1)
    print(f"SKIP: {what}", flush=True)
    sys.exit(SKIP)


def ensure_go_peer(path):
    """The Go peer, built (once, under the lock the other interop tests share)."""
    try:
        return harness.ensure_go_peer(path)
    except harness.Unavailable as why:
        unavailable(str(why))


_ports_lock = threading.Lock()


def free_port():
    """A free loopback port (harness.free_ports), safe from the runs' threads."""
    with _ports_lock:
        return harness.free_ports(1)[0]


class Peer:
    def __init__(self, impl, binary, args, workdir, name):
        self.impl, self.name = impl, name
        self.stderr_path = workdir / f"{name}.stderr"
        self.stdout_path = workdir / f"{name}.stdout"
        self.proc = subprocess.Popen([str(binary)] + args, stdout=open(self.stdout_path, "w"),
                                     stderr=open(self.stderr_path, "w"), cwd=workdir)

    def wait_ready(self, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "READY " in self.stderr_path.read_text():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError(f"{self.name} not ready: {self.stderr_path.read_text()[-2000:]}")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def json(self):
        text = self.stdout_path.read_text().strip()
        return json.loads(text) if text else {}


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        content_type = response.headers.get("Content-Type", "")
        return response.read().decode(), content_type


class Run:
    """One sender/receiver pair: start both, scrape both, stop both."""

    def __init__(self, name, sender_impl, receiver_impl, sender_args, receiver_args):
        self.name = name
        self.impl = {"sender": sender_impl, "receiver": receiver_impl}
        self.sender_args, self.receiver_args = sender_args, receiver_args
        self.metrics, self.content_type, self.json, self.error = {}, {}, {}, None

    def __call__(self, bins, workdir):
        try:
            self.run(bins, workdir)
        except Exception as e:  # reported by the main thread
            self.error = f"{self.name}: {e}"

    def run(self, bins, workdir):
        ports = {"sender": free_port(), "receiver": free_port()}
        urls = {role: f"http://127.0.0.1:{port}" for role, port in ports.items()}
        receiver = Peer(self.impl["receiver"], bins[self.impl["receiver"]],
                        ["--id", "2", "--listen", urls["receiver"], "--peer", "1=" + urls["sender"],
                         "--duration", "120s"] + self.receiver_args, workdir, f"{self.name}-receiver")
        sender = Peer(self.impl["sender"], bins[self.impl["sender"]],
                      ["--id", "1", "--listen", urls["sender"], "--peer", "2=" + urls["receiver"], "--to", "2",
                       "--linger", "12s"] + self.sender_args, workdir, f"{self.name}-sender")
        peers = {"sender": sender, "receiver": receiver}
        try:
            receiver.wait_ready()
            sender.wait_ready()
            time.sleep(SCRAPE_AFTER)  # a fixed point in the sender's linger: nothing to wait for but time
            for role, port in ports.items():
                self.metrics[role], self.content_type[role] = scrape(port)
        finally:
            for p in peers.values():
                p.stop()
        for role, p in peers.items():
            self.json[role] = p.json()
            (workdir / f"{self.name}-{role}.metrics").write_text(self.metrics.get(role, ""))


# ------------------------------------------------------------ comparison ----

class Checks:
    def __init__(self):
        self.failed = 0

    def __call__(self, label, ok, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {label}" + (f": {detail}" if detail and not ok else ""), flush=True)
        self.failed += 0 if ok else 1


def normalise_value(value):
    """Socket addresses vary from run to run; ids are the same (1 and 2) in every run."""
    return "<ip:port>" if re.fullmatch(r"[\d.]+:\d+|\[[0-9a-f:]+\]:\d+", value) else value


# The Go reference peer's send mode reads etcd_network_peer_sent_failures_total
# {To} back to tell drops (goref/observe.go, sentFailuresFor), and Go's
# WithLabelValues creates the series (at 0) by that: it is not rafthttp's.
GO_OBSERVER_SERIES = {("etcd_network_peer_sent_failures_total", (("To", "2"),))}


def shape(families, observed=frozenset()):
    """What must match between Go and C++: per etcd_network_* family its type,
    help, label sets (without le) and, for histograms, the bucket bounds.
    Series in `observed` are left out while they are 0."""
    out = {}
    for name, f in families.items():
        if not name.startswith(PREFIX):
            continue
        samples = [s for s in f["samples"] if not ((name, s[1]) in observed and s[2] == 0)]
        if not samples:
            continue
        series, bounds = set(), set()
        for sample, labels, _ in samples:
            series.add(tuple((k, normalise_value(v)) for k, v in labels if k != "le"))
            if sample.endswith("_bucket"):
                bounds.add(dict(labels)["le"])
        out[name] = {"type": f["type"], "help": f["help"], "series": series, "le": bounds}
    return out


def value(families, name, **labels):
    want = tuple(sorted(labels.items()))
    for sample, sample_labels, v in families.get(name, {}).get("samples", []):
        if sample == name and sample_labels == want:
            return v
    return 0.0


def compare(check, label, go, cpp, go_observed=frozenset()):
    go_shape, cpp_shape = shape(go, go_observed), shape(cpp)
    check(f"{label}: same etcd_network_* families", set(go_shape) == set(cpp_shape),
          f"only Go: {sorted(set(go_shape) - set(cpp_shape))}, only C++: {sorted(set(cpp_shape) - set(go_shape))}")
    for name in sorted(set(go_shape) & set(cpp_shape)):
        g, c = go_shape[name], cpp_shape[name]
        for key in ("type", "help", "series", "le"):
            check(f"{label}: {name} {key}", g[key] == c[key], f"Go {sorted(g[key]) if key in ('series', 'le') else g[key]}"
                  f" vs C++ {sorted(c[key]) if key in ('series', 'le') else c[key]}")
    return sorted(go_shape)


def heartbeats_only(check, label, extra, heartbeat_bytes_seen, release):
    """Bytes a sender counted beyond the messages: link heartbeats (of the
    release's size each); the receiver counted the same under From "0", give
    or take what was in flight at the two scrapes (one per stream)."""
    heartbeat = LINK_HEARTBEAT_BYTES[release]
    check(f"{label}: the rest of the sent bytes are link heartbeats ({extra:.0f} B)",
          extra >= 0 and extra % heartbeat == 0 and abs(extra - heartbeat_bytes_seen) <= 2 * heartbeat,
          f"{extra} B beyond the messages, {heartbeat_bytes_seen} B of heartbeats received")


def check_echo_counts(check, run, parsed, release):
    s, r = parsed["sender"], parsed["receiver"]
    sj, rj = run.json["sender"], run.json["receiver"]
    name = f"{run.name} ({run.impl['sender']}->{run.impl['receiver']})"
    check(f"{name}: the sender sent everything", sj.get("sent") == sj.get("count") and sj.get("dropped") == 0, str(sj))
    # Sizes as the receiving member's release encodes what it decoded (its
    # Size()): wire_message_bytes; message_bytes is over etcd 3.4's encoding.
    received = value(r, "etcd_network_peer_received_bytes_total", From="1")
    check(f"{name}: receiver's received bytes from 1 = the messages' protobuf bytes",
          received == rj.get("wire_message_bytes"), f"{received} vs {rj.get('wire_message_bytes')}")
    answers = value(s, "etcd_network_peer_received_bytes_total", From="2")
    check(f"{name}: sender's received bytes from 2 = the echo answers' protobuf bytes",
          answers == sj.get("received", {}).get("wire_message_bytes"), f"{answers} vs {sj.get('received')}")
    heartbeats_only(check, f"{name} 1->2", value(s, "etcd_network_peer_sent_bytes_total", To="2") - received,
                    value(r, "etcd_network_peer_received_bytes_total", From="0"), release)
    heartbeats_only(check, f"{name} 2->1", value(r, "etcd_network_peer_sent_bytes_total", To="1") - answers,
                    value(s, "etcd_network_peer_received_bytes_total", From="0"), release)
    for side, local, remote in (("sender", "1", "2"), ("receiver", "2", "1")):
        check(f"{name}: {side} counts one active peer", value(parsed[side], "etcd_network_active_peers",
                                                               Local=local, Remote=remote) == 1)


def check_snapshot_counts(check, run, parsed, release):
    s, r = parsed["sender"], parsed["receiver"]
    sj = run.json["sender"]
    name = f"{run.name} ({run.impl['sender']}->{run.impl['receiver']})"
    check(f"{name}: the snapshot was delivered", sj.get("status") == "finish", str(sj))
    total = sj.get("wire_total_bytes")  # TotalSize as the sender's release encodes the message
    check(f"{name}: receiver's received bytes from 1 = TotalSize (message + DB)",
          value(r, "etcd_network_peer_received_bytes_total", From="1") == total,
          f"{value(r, 'etcd_network_peer_received_bytes_total', From='1')} vs {total}")
    heartbeats_only(check, f"{name} 1->2", value(s, "etcd_network_peer_sent_bytes_total", To="2") - (total or 0),
                    value(r, "etcd_network_peer_received_bytes_total", From="0"), release)
    check(f"{name}: one snapshot sent", value(s, "etcd_network_snapshot_send_success", To="2") == 1)
    check(f"{name}: one snapshot received", value(r, "etcd_network_snapshot_receive_success", From="1") == 1)
    check(f"{name}: nothing in flight", value(s, "etcd_network_snapshot_send_inflights_total", To="2") == 0 and
          value(r, "etcd_network_snapshot_receive_inflights_total", From="1") == 0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("cpp", type=Path)
    parser.add_argument("go", type=Path)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--keep", action="store_true", help="keep the work directory (outputs, metrics)")
    args = parser.parse_args()
    if not args.cpp.exists():
        raise SystemExit(f"no C++ peer at {args.cpp}")
    ensure_go_peer(args.go.resolve())
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="metrics-compare-"))
    workdir.mkdir(parents=True, exist_ok=True)
    bins = {"cpp": args.cpp.resolve(), "go": args.go.resolve()}
    # Every peer presents the Go peer's release (its wire profile, for the C++ one).
    minor = harness.go_peer_release(args.go)
    release = ["--etcd-version", minor]

    # A window the echo's pipeline can hold (64 queued + 4 in flight): its
    # first answers may leave before its stream writers are attached (the
    # sender waits only for its own), and none may be dropped.
    echo = ["--mode", "send", "--type", "MsgApp", "--count", "300", "--entries", "2", "--entry-size", "64",
            "--term-every", "100", "--await-acks", "--window", "32"]
    snapshot = ["--mode", "snapshot", "--snap-index", "42", "--snap-term", "2", "--snap-data-size", "100",
                "--db-size", "1000000"]
    runs = [Run("echo-a", "go", "cpp", release + echo, release + ["--mode", "echo"]),
            Run("echo-b", "cpp", "go", release + echo, release + ["--mode", "echo"]),
            Run("snap-a", "go", "cpp", release + snapshot, release + ["--mode", "sink"]),
            Run("snap-b", "cpp", "go", release + snapshot, release + ["--mode", "sink"])]
    threads = [threading.Thread(target=run, args=(bins, workdir)) for run in runs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    check = Checks()
    for run in runs:
        check(f"{run.name}: both peers ran and answered /metrics", run.error is None, run.error or "")
    if check.failed:
        print(f"work directory: {workdir}")
        return 1

    parsed = {}
    for run in runs:
        parsed[run.name] = {}
        for role in ("sender", "receiver"):
            impl = run.impl[role]
            check(f"{run.name} {impl} {role}: Content-Type is the text format 0.0.4",
                  run.content_type[role].startswith("text/plain; version=0.0.4"), run.content_type[role])
            try:
                parsed[run.name][role] = parse_exposition(run.metrics[role])
                check(f"{run.name} {impl} {role}: the exposition parses strictly", True)
            except ParseError as e:
                check(f"{run.name} {impl} {role}: the exposition parses strictly", False, str(e))
                parsed[run.name][role] = {}
    by_name = {run.name: run for run in runs}

    # The role Go plays in one run against the role C++ plays in the other.
    compared = set()
    for a, b, title in (("echo-a", "echo-b", "echo"), ("snap-a", "snap-b", "snapshot")):
        compared.update(compare(check, f"{title} sender (Go vs C++)", parsed[a]["sender"], parsed[b]["sender"],
                                GO_OBSERVER_SERIES))
        compared.update(compare(check, f"{title} receiver (Go vs C++)", parsed[b]["receiver"], parsed[a]["receiver"]))
    for run_name in ("echo-a", "echo-b"):
        check_echo_counts(check, by_name[run_name], parsed[run_name], minor)
    for run_name in ("snap-a", "snap-b"):
        check_snapshot_counts(check, by_name[run_name], parsed[run_name], minor)

    print(f"families compared: {', '.join(sorted(compared))}")
    go_only = sorted({name for run in runs for role in ("sender", "receiver") if run.impl[role] == "go"
                      for name in parsed[run.name][role] if name.startswith("etcd_") and not name.startswith(PREFIX)})
    if go_only:
        print(f"not compared (the Go peer's etcd snapshot store, not rafthttp): {', '.join(go_only)}")
    print(f"{'PASS' if check.failed == 0 else 'FAIL'}: {check.failed} failed check(s); work directory: {workdir}")
    if check.failed == 0 and not args.keep and not args.workdir:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if check.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
