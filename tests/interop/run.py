#!/usr/bin/env python3
"""Interoperability scenarios: the C++ rafthttp-peer against the Go rafthttp
of one etcd release (tests/interop/goref, a peer per release) and against a
real etcd 3.4.23 server.

    run.py SCENARIO --cpp PATH --go .../rafthttp-peer-go-<minor> --workdir DIR
           [--etcd PATH --etcdctl PATH --etcdids PATH]

The Go peer's name says the release (3.4, 3.5, 3.6, 3.7; tests/interop/etcd-versions);
every process of the scenario runs with --etcd-version <minor>, so the C++ peer
uses that release's wire profile, and its messages on the wire must be
byte-identical to the Go peer's (wire_sha256). The etcd scenarios run with 3.4
(Debian's etcd); real clusters of the other releases are clusters.py's.

Scenarios (see README.md for what each checks): msgapp, types, echo, pipeline,
snapshot, cluster-mismatch, removed, restart, dead-url, stability, tls, cheap,
hbsnap, etcd, etcd-tls. The TLS scenarios make their certificates with the openssl tool.

--go names the Go peer binary; it is built there (goref/build.sh <minor>) when
missing or out of date. Exit status: 0 all checks passed, 1 a check failed, 77 skipped
because Go, the etcd sources or etcd are missing (1 instead of 77 when
RAFTHTTP_REQUIRE_INTEROP=1). Missing openssl skips tls and etcd-tls.
"""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import argparse
import json
import os
import shutil
import signal
import subprocess
from pathlib import Path

from harness import (BrokenListener, Checks, Failure, Pki, Proc, Stopwatch, Unavailable, ensure_etcdids, ensure_go_peer,
                     check64, free_ports, go_peer_release, kill_all, sha256_file, unavailable_exit, url, wait_until)

# Go->Go first: it is the reference the other directions are compared with.
DIRECTIONS = [("go", "go"), ("cpp", "go"), ("go", "cpp"), ("cpp", "cpp")]
TIMEOUT = 60  # seconds, for any single wait
FOREVER = "120s"  # --linger/--duration of a process the script ends with SIGTERM


class Run:
    """One sender/receiver pair after both exited."""

    def __init__(self, sender, receiver, send_log, recv_log):
        self.sender, self.receiver = sender, receiver
        self.send, self.recv = sender.json(), receiver.json()
        self.send_log, self.recv_log = send_log, recv_log

    def from_sender(self):
        """The receiver's digests of what member 1 sent."""
        return self.recv["senders"].get("1", {})


class Suite:
    def __init__(self, bins, workdir, release):
        self.bins = bins
        self.release = release  # the etcd minor every process presents (--etcd-version)
        self.work = Path(workdir)
        self.check = Checks()
        self.seq = 0
        self.tls = None  # {"1": PeerCert, "2": PeerCert} for mutual TLS between the pair's members

    def path(self, name):
        return self.work / name

    def fresh_dir(self, name):
        """An empty directory `name` in the work directory (emptied if it was there)."""
        d = self.path(name)
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
        return d

    def peer(self, impl, name, args, env=None):
        return Proc(name, [self.bins[impl], "--etcd-version", self.release] + list(args), self.work, env)

    def url(self, port):
        return url(port, "https" if self.tls else "http")

    def tls_flags(self, member):
        """The TLS flags of member "1" or "2" (none without self.tls)."""
        return self.tls[member].flags() if self.tls else []

    def pair(self, name, s_impl, r_impl, recv, send, first="receiver", s_kind="peer", r_knows=True, env=None):
        """Member 2 (receiver, impl r_impl) and member 1 (sender, s_impl) on
        fresh loopback ports (https:// and the TLS flags when self.tls is
        set). `first` says whose exit ends the run; the other one lingers
        until it gets SIGTERM and then prints its JSON."""
        self.seq += 1
        name = f"{self.seq:03d}-{name}"
        a, b = free_ports(2)
        send_log, recv_log = self.path(name + ".send.log"), self.path(name + ".recv.log")
        recv_args = ["--id", "2", "--listen", self.url(b), "--log", recv_log] + self.tls_flags("2") + recv
        if r_knows:
            recv_args += ["--peer", "1=" + self.url(a)]
        send_args = ["--id", "1", "--listen", self.url(a), f"--{s_kind}", "2=" + self.url(b), "--to", "2",
                     "--log", send_log] + self.tls_flags("1") + send
        if first == "receiver":
            send_args += ["--linger", FOREVER]
        else:
            recv_args += ["--linger", FOREVER]
        r = self.peer(r_impl, name + ".recv", recv_args, env)
        r.wait_ready()
        s = self.peer(s_impl, name + ".send", send_args, env)
        s.wait_ready()
        one, other = (r, s) if first == "receiver" else (s, r)
        one.wait_exit(TIMEOUT, others=[other])
        other.stop()
        return Run(s, r, send_log, recv_log)

    def directions(self, label, body):
        """Runs body(s_impl, r_impl, name) for every direction; a Failure ends
        that direction only."""
        for s_impl, r_impl in DIRECTIONS:
            name = f"{label} {s_impl}->{r_impl}"
            print(f"{name}:", flush=True)
            try:
                body(s_impl, r_impl, name)
            except Failure as e:
                self.check(name, False, str(e))
                kill_all()


def sorted_lines(path):
    return sorted(Path(path).read_text().splitlines())


class Reference:
    """The Go->Go run of a scenario, which the other directions are compared with."""

    def __init__(self):
        self.run = None
        self.data = {}

    def taken_from(self, s_impl, r_impl, run, **data):
        """True for the Go->Go run (it is recorded); False for the others,
        which Failure ends if there is no reference."""
        if (s_impl, r_impl) == ("go", "go"):
            self.run, self.data = run, data
            return True
        if self.run is None:
            raise Failure("no go->go reference run to compare with")
        return False


def compare_wire(t, name, run, ref):
    """The sender put the same bytes on the wire as the Go sender of this
    release: wire_sha256 covers each message as the sender's release encodes
    it (for 3.6 and 3.7 not the 3.4 encoding that sha256 covers)."""
    t.check.equal(f"{name}: sender's wire_sha256 and wire_bytes == go->go's",
                  (run.send.get("wire_sha256"), run.send.get("wire_bytes")),
                  (ref.send.get("wire_sha256"), ref.send.get("wire_bytes")))


def compare_logs(t, name, run, ref, logs=("recv_log",), ordered=True):
    """Logs of a run equal to those of the Go->Go run with the same flags."""
    for which in logs:
        what = which.replace("_", " ")
        if ordered:
            t.check.same_file(f"{name}: {what} == go->go's", getattr(run, which), getattr(ref, which))
        else:
            t.check.equal(f"{name}: {what} == go->go's (as a set of lines)",
                          sorted_lines(getattr(run, which)), sorted_lines(getattr(ref, which)))


def sink(n, extra=()):
    return ["--mode", "sink", "--expect", str(n), "--duration", FOREVER, "--linger", "0s"] + list(extra)


# ------------------------------------------------------------ scenarios ----

def scenario_msgapp(t):
    """MsgApp over msgappv2, several entries per message, term changes."""
    variants = {
        # A Go receiver drops stream messages beyond its 4096-slot receive queue
        # when flooded (etcd behaviour), hence the pacing: the counts must be exact.
        "msgapp": (20000, 3, ["--term-every", "1000", "--rate", "20000"]),
        "msgapp-large": (2000, 8, ["--entry-size", "1000", "--term-every", "7", "--rate", "10000"]),
    }
    for label, (n, entries, flags) in variants.items():
        ref = Reference()

        def body(s_impl, r_impl, name):
            run = t.pair(label, s_impl, r_impl, sink(n),
                         ["--mode", "send", "--type", "MsgApp", "--count", str(n), "--entries", str(entries)] + flags)
            s, r = run.send, run.recv
            t.check.equal(f"{name}: counts", {
                "sent": s["sent"], "streams_ready": s["streams_ready"], "by_type": r["by_type"],
                "entries": r["entries"], "entry_bytes": r["entry_bytes"], "recv_drops": r["recv_drops"]},
                {"sent": n, "streams_ready": True, "by_type": {"MsgApp": n}, "entries": n * entries,
                 "entry_bytes": s["payload_bytes"], "recv_drops": 0})
            t.check.equal(f"{name}: receiver's sha256 == sender's", run.from_sender().get("sha256"), s["sha256"])
            if ref.taken_from(s_impl, r_impl, run):
                return
            t.check.equal(f"{name}: sender's sha256 == go->go's", s["sha256"], ref.run.send["sha256"])
            compare_wire(t, name, run, ref.run)
            compare_logs(t, name, run, ref.run)

        t.directions(label, body)


TYPES = ["MsgProp", "MsgHeartbeat", "MsgHeartbeatResp", "MsgVote", "MsgPreVote", "MsgVoteResp",
         "MsgPreVoteResp", "MsgAppResp", "MsgReadIndex", "MsgReadIndexResp", "MsgTimeoutNow",
         "MsgTransferLeader"]


def scenario_types(t):
    """Every other message type over the message stream, with rejections."""
    n = 300
    flags = ["--count", str(n), "--entries", "2", "--entry-size", "16", "--term-every", "10", "--reject-every", "4"]
    for msg_type in TYPES:
        ref = Reference()

        def body(s_impl, r_impl, name):
            run = t.pair(msg_type, s_impl, r_impl, sink(n), ["--mode", "send", "--type", msg_type] + flags)
            s, r = run.send, run.recv
            t.check.equal(f"{name}: counts", {"sent": s["sent"], "by_type": r["by_type"], "recv_drops": r["recv_drops"]},
                          {"sent": n, "by_type": {msg_type: n}, "recv_drops": 0})
            t.check.equal(f"{name}: receiver's sha256 == sender's", run.from_sender().get("sha256"), s["sha256"])
            if not ref.taken_from(s_impl, r_impl, run):
                compare_wire(t, name, run, ref.run)
                compare_logs(t, name, run, ref.run)

        t.directions(msg_type, body)


ECHO_ANSWER = {"MsgApp": "MsgAppResp", "MsgHeartbeat": "MsgHeartbeatResp", "MsgVote": "MsgVoteResp",
               "MsgPreVote": "MsgPreVoteResp", "MsgReadIndex": "MsgReadIndexResp"}


def scenario_echo(t):
    """Round trips against echo with --await-acks (heartbeats carry a context)."""
    cases = [("MsgApp", 5000, ["--entries", "3", "--term-every", "100"]), ("MsgHeartbeat", 2000, []),
             ("MsgVote", 1000, []), ("MsgPreVote", 1000, []), ("MsgReadIndex", 1000, [])]
    for msg_type, n, flags in cases:
        ref = Reference()
        answer = ECHO_ANSWER[msg_type]

        def body(s_impl, r_impl, name):
            run = t.pair("echo-" + msg_type, s_impl, r_impl,
                         ["--mode", "echo", "--expect", str(n), "--duration", FOREVER],
                         ["--mode", "send", "--type", msg_type, "--count", str(n), "--await-acks", "--window", "64",
                          "--linger", "0s"] + flags, first="sender")
            s, r = run.send, run.recv
            acks = s.get("acks") or {}
            t.check.equal(f"{name}: round trips", {
                "sent": s["sent"], "acked": acks.get("acked"), "unmatched": acks.get("unmatched"),
                "stop_reason": s["stop_reason"], "echo_replies": r.get("echo_replies"),
                "answers": s["received"]["by_type"]},
                {"sent": n, "acked": n, "unmatched": 0, "stop_reason": "done", "echo_replies": n, "answers": {answer: n}})
            t.check(f"{name}: background_snapshot null without --background-snapshot-to",
                    "background_snapshot" in s and s["background_snapshot"] is None)
            t.check.equal(f"{name}: echo's sha256 == sender's", run.from_sender().get("sha256"), s["sha256"])
            if ref.taken_from(s_impl, r_impl, run):
                return
            answers = s["received"]["senders"].get("2", {}).get("sha256")
            t.check.equal(f"{name}: answers' sha256 == go->go's", answers,
                          ref.run.send["received"]["senders"].get("2", {}).get("sha256"))
            compare_wire(t, name, run, ref.run)
            compare_logs(t, name, run, ref.run, logs=("recv_log", "send_log"))

        t.directions("echo " + msg_type, body)


def scenario_pipeline(t):
    """Deliveries through the pipeline (POST /raft): order is not kept."""
    cases = {
        # Only a remote: rafthttp has nothing but the pipeline for it.
        "pipeline-remote": dict(n=3000, flags=["--type", "MsgApp", "--entries", "2", "--wait-streams", ""],
                                s_kind="remote", r_knows=False),
        # MsgSnap through send() always takes the pipeline.
        "pipeline-msgsnap": dict(n=300, flags=["--type", "MsgSnap"], s_kind="peer", r_knows=True),
        # Peers that do not wait for streams: pipeline until they attach, then streams.
        "pipeline-then-streams": dict(n=3000, flags=["--type", "MsgHeartbeat", "--wait-streams", ""],
                                      s_kind="peer", r_knows=True),
    }
    for label, case in cases.items():
        ref = Reference()
        n = case["n"]

        def body(s_impl, r_impl, name):
            # The receiver lingers a little so the last POSTs get their answers.
            run = t.pair(label, s_impl, r_impl, sink(n)[:-2] + ["--linger", "300ms"],
                         ["--mode", "send", "--count", str(n)] + case["flags"],
                         s_kind=case["s_kind"], r_knows=case["r_knows"])
            s, r = run.send, run.recv
            t.check.equal(f"{name}: counts", {"sent": s["sent"], "messages": r["messages"], "recv_drops": r["recv_drops"]},
                          {"sent": n, "messages": n, "recv_drops": 0})
            t.check.equal(f"{name}: receiver's digest_unordered == sender's",
                          run.from_sender().get("digest_unordered"), s["digest_unordered"])
            if not ref.taken_from(s_impl, r_impl, run):
                compare_wire(t, name, run, ref.run)
                compare_logs(t, name, run, ref.run, ordered=False)

        t.directions(label, body)


def scenario_snapshot(t):
    """send_snapshot of a 16 MiB DB: etcd's file name, SHA-256, reports. Every
    sender sends its DB from a file (--db-file-dir; the C++ sender by
    sendfile, Go's etcd reading the file) and removes it after; the 'cheap'
    scenario's senders generate it as they go."""
    db_size, index, term = 16 << 20, 42, 7
    ref = Reference()

    def body(s_impl, r_impl, name):
        snap_dir = t.path(f"snap-{s_impl}-{r_impl}")
        shutil.rmtree(snap_dir, ignore_errors=True)
        db_dir = t.fresh_dir(f"db-{s_impl}-{r_impl}")
        from_file = ["--db-file-dir", str(db_dir)]
        run = t.pair("snapshot", s_impl, r_impl,
                     ["--mode", "sink", "--expect", "1", "--duration", FOREVER, "--snap-dir", snap_dir],
                     ["--mode", "snapshot", "--snap-index", str(index), "--snap-term", str(term),
                      "--snap-data-size", "1000", "--db-size", str(db_size), "--linger", "0s"] + from_file,
                     first="sender")
        s, r = run.send, run.recv
        file_name = f"{index:016x}.snap.db"
        files = sorted(os.listdir(snap_dir)) if snap_dir.is_dir() else []
        got = r["snapshots"][0] if r["snapshots"] else {}
        t.check.equal(f"{name}: sender's report", {"status": s["status"], "report_snapshot": s["received"]["report_snapshot"]},
                      {"status": "finish", "report_snapshot": [{"id": "2", "status": "finish"}]})
        t.check.equal(f"{name}: receiver's snapshot", {
            "count": len(r["snapshots"]), "from": got.get("from"), "index": got.get("index"), "term": got.get("term"),
            "db_size": got.get("db_size"), "db_sha256": got.get("db_sha256"),
            "db_path": Path(got.get("db_path", "")).name, "files in --snap-dir": files, "by_type": r["by_type"]},
            {"count": 1, "from": "1", "index": index, "term": term, "db_size": db_size, "db_sha256": s["db_sha256"],
             "db_path": file_name, "files in --snap-dir": [file_name], "by_type": {"MsgSnap": 1}})
        if files == [file_name]:
            t.check.equal(f"{name}: SHA-256 of {file_name} on disk", sha256_file(snap_dir / file_name), s["db_sha256"])
        t.check.equal(f"{name}: the sender's DB file removed after the transfer", sorted(os.listdir(db_dir)), [])
        if not ref.taken_from(s_impl, r_impl, run):
            # The MsgSnap envelope as the release encodes it (its TotalSize).
            t.check.equal(f"{name}: sender's wire_message_bytes and wire_total_bytes == go->go's",
                          (s.get("wire_message_bytes"), s.get("wire_total_bytes")),
                          (ref.run.send.get("wire_message_bytes"), ref.run.send.get("wire_total_bytes")))
            compare_logs(t, name, run, ref.run)

    t.directions("snapshot", body)


# check64 (doc/peer-cli.md 7.6) of the 10 000 000-byte DB body of seed 1: the
# vector the C++ and Go unit tests share (tests/peer_check64.cpp,
# goref/check64_test.go).
CHEAP_DB_SIZE = 10_000_000
CHEAP_DB_CHECK64 = "aaadd34c502e7517"


def scenario_cheap(t):
    """--digest cheap (issue 16): check64 in place of SHA-256, the same
    definition in both peers. A MsgApp run and a snapshot in all four
    directions: the receiver's check64 equals the sender's, the C++ sender's
    equals the Go sender's (byte-identical encodings, one function), the DB's
    is the shared test vector and that of the file on disk (computed here in
    Python), and the file's bytes one short do not match."""
    n, entries = 5000, 2
    ref = Reference()

    def messages(s_impl, r_impl, name):
        run = t.pair("cheap-msgapp", s_impl, r_impl, sink(n, ["--digest", "cheap"]),
                     ["--mode", "send", "--type", "MsgApp", "--count", str(n), "--entries", str(entries),
                      "--entry-size", "1000", "--term-every", "1000", "--rate", "20000", "--digest", "cheap"])
        s, r = run.send, run.recv
        got = run.from_sender()
        t.check.equal(f"{name}: counts", {"sent": s["sent"], "by_type": r["by_type"], "recv_drops": r["recv_drops"]},
                      {"sent": n, "by_type": {"MsgApp": n}, "recv_drops": 0})
        t.check.equal(f"{name}: digest mode, the SHA-256 keys and the wire digest left empty", {
            "sender": s.get("digest"), "receiver": r.get("digest"), "sha256": (s.get("sha256"), got.get("sha256")),
            "digest_unordered": (s.get("digest_unordered"), got.get("digest_unordered")),
            "wire_sha256": s.get("wire_sha256"), "wire_check64": s.get("wire_check64")},
            {"sender": "cheap", "receiver": "cheap", "sha256": ("", ""), "digest_unordered": ("", ""),
             "wire_sha256": "", "wire_check64": ""})
        t.check(f"{name}: sender's check64 is 16 hex digits", len(s.get("check64") or "") == 16, str(s.get("check64")))
        t.check.equal(f"{name}: receiver's check64, check64_unordered == sender's",
                      (got.get("check64"), got.get("check64_unordered")), (s.get("check64"), s.get("check64_unordered")))
        if ref.taken_from(s_impl, r_impl, run):
            return
        t.check.equal(f"{name}: sender's check64, check64_unordered, wire_bytes (sized, not encoded) == go->go's",
                      (s.get("check64"), s.get("check64_unordered"), s.get("wire_bytes")),
                      (ref.run.send.get("check64"), ref.run.send.get("check64_unordered"),
                       ref.run.send.get("wire_bytes")))

    def snapshot(s_impl, r_impl, name):
        index = 42
        snap_dir = t.path(f"cheap-snap-{s_impl}-{r_impl}")
        shutil.rmtree(snap_dir, ignore_errors=True)
        run = t.pair("cheap-snapshot", s_impl, r_impl,
                     ["--mode", "sink", "--expect", "1", "--duration", FOREVER, "--snap-dir", snap_dir,
                      "--digest", "cheap"],
                     ["--mode", "snapshot", "--snap-index", str(index), "--db-size", str(CHEAP_DB_SIZE),
                      "--linger", "0s", "--digest", "cheap"], first="sender")
        s, r = run.send, run.recv
        got = r["snapshots"][0] if r["snapshots"] else {}
        t.check.equal(f"{name}: transfer", {"status": s["status"], "count": len(r["snapshots"]),
                                            "db_size": got.get("db_size"), "db_sha256": (s["db_sha256"], got.get("db_sha256"))},
                      {"status": "finish", "count": 1, "db_size": CHEAP_DB_SIZE, "db_sha256": ("", "")})
        t.check.equal(f"{name}: sender's and receiver's db_check64 == the shared vector",
                      (s.get("db_check64"), got.get("db_check64")), (CHEAP_DB_CHECK64, CHEAP_DB_CHECK64))
        path = snap_dir / f"{index:016x}.snap.db"
        if path.is_file():
            data = path.read_bytes()
            t.check.equal(f"{name}: check64 of {path.name} on disk (Python)", check64(data), CHEAP_DB_CHECK64)
            t.check(f"{name}: the file one byte short does not match", check64(data[:-1]) != CHEAP_DB_CHECK64)
        else:
            t.check(f"{name}: {path.name} on disk", False, "missing")

    t.directions("cheap msgapp", messages)
    t.directions("cheap snapshot", snapshot)


HBSNAP_DB_SIZE = 16 << 20
HBSNAP_COUNT = 300


def json_keys(value, path=""):
    """The key paths of a JSON value; the keys of the maps keyed by member id
    or message type are written '*'."""
    out = set()
    if isinstance(value, dict):
        for key, v in value.items():
            name = "*" if path.rsplit("/", 1)[-1] in ("senders", "by_type", "rejected_from_removed",
                                                     "report_unreachable", "critical_errors") else key
            out.add(f"{path}/{name}")
            out |= json_keys(v, f"{path}/{name}")
    elif isinstance(value, list):
        for v in value:
            out |= json_keys(v, path + "[]")
    return out


def scenario_hbsnap(t):
    """Round trips while a snapshot streams to another peer (issue 16, the
    heartbeat row of the benchmark): member 1 sends window-1 MsgHeartbeats with
    --await-acks to an echo (member 2) and, with --background-snapshot-to 3, a
    16 MiB snapshot to a sink (member 3); the two receivers are of one
    implementation. The round trips complete (every one answered), the
    snapshot arrives whole (the sink's SHA-256 and that of the file on disk are
    the sender's), the sender left no DB file behind, the round trips were
    measured within the transfer, and the three JSON objects have the keys of
    the Go->Go run's."""
    index = 77
    ref = Reference()

    def body(s_impl, r_impl, name):
        t.seq += 1
        label = f"{t.seq:03d}-hbsnap"
        a, b, c = free_ports(3)
        send_dir, sink_dir = t.path(f"hbsnap-send-{s_impl}-{r_impl}"), t.path(f"hbsnap-sink-{s_impl}-{r_impl}")
        for d in (send_dir, sink_dir):
            shutil.rmtree(d, ignore_errors=True)
        back = ["--peer", "1=" + t.url(a), "--linger", FOREVER]
        echo = t.peer(r_impl, label + ".echo", ["--mode", "echo", "--id", "2", "--listen", t.url(b),
                                                "--duration", FOREVER] + back)
        sink_proc = t.peer(r_impl, label + ".sink", ["--mode", "sink", "--id", "3", "--listen", t.url(c), "--expect", "1",
                                                     "--duration", FOREVER, "--snap-dir", sink_dir] + back)
        echo.wait_ready()
        sink_proc.wait_ready()
        sender = t.peer(s_impl, label + ".send", [
            "--mode", "send", "--id", "1", "--listen", t.url(a), "--peer", "2=" + t.url(b), "--peer", "3=" + t.url(c),
            "--to", "2", "--type", "MsgHeartbeat", "--await-acks", "--window", "1", "--count", str(HBSNAP_COUNT),
            "--background-snapshot-to", "3", "--db-size", str(HBSNAP_DB_SIZE), "--snap-index", str(index),
            "--snap-dir", send_dir, "--linger", "0s"])
        sender.wait_ready()
        sender.wait_exit(TIMEOUT, others=[echo, sink_proc])
        echo.stop()
        sink_proc.stop()
        s, e, k = sender.json(), echo.json(), sink_proc.json()
        acks, bg = s.get("acks") or {}, s.get("background_snapshot") or {}
        sent = s["sent"]
        t.check(f"{name}: round trips sent ({sent}), stop_reason {s['stop_reason']}",
                sent >= 1 and (s["stop_reason"] == "snapshot-ended" or (s["stop_reason"] == "done" and sent == HBSNAP_COUNT)))
        t.check.equal(f"{name}: every round trip answered", {
            "acked": acks.get("acked"), "unmatched": acks.get("unmatched"), "echo_replies": e.get("echo_replies"),
            "answers": s["received"]["by_type"].get("MsgHeartbeatResp")},
            {"acked": sent, "unmatched": 0, "echo_replies": sent, "answers": sent})
        samples = acks.get("latency_us", {}).get("count", 0)
        t.check(f"{name}: latency samples ({samples}) taken within the transfer (overlap)",
                1 <= samples <= sent and bg.get("overlap") is True and bg.get("measured_s", 0) > 0, str(bg))
        got = k["snapshots"][0] if k["snapshots"] else {}
        t.check.equal(f"{name}: background snapshot", {
            "status": bg.get("status"), "to": bg.get("to"), "db_size": bg.get("db_size"),
            "db_bytes_read": bg.get("db_bytes_read"), "report_snapshot": s["received"]["report_snapshot"],
            "first byte before the end": 0 <= bg.get("first_byte_s", -1) <= bg.get("elapsed_s", 0)},
            {"status": "finish", "to": "3", "db_size": HBSNAP_DB_SIZE, "db_bytes_read": HBSNAP_DB_SIZE,
             "report_snapshot": [{"id": "3", "status": "finish"}], "first byte before the end": True})
        file_name = f"{index:016x}.snap.db"
        files = sorted(os.listdir(sink_dir)) if sink_dir.is_dir() else []
        t.check.equal(f"{name}: the sink's snapshot", {
            "from": got.get("from"), "index": got.get("index"), "db_size": got.get("db_size"),
            "db_sha256": got.get("db_sha256"), "files": files, "by_type": k["by_type"],
            "sender's --snap-dir after the run": sorted(os.listdir(send_dir)) if send_dir.is_dir() else []},
            {"from": "1", "index": index, "db_size": HBSNAP_DB_SIZE, "db_sha256": bg.get("db_sha256"),
             "files": [file_name], "by_type": {"MsgSnap": 1}, "sender's --snap-dir after the run": []})
        if files == [file_name]:
            t.check.equal(f"{name}: SHA-256 of {file_name} on disk", sha256_file(sink_dir / file_name), bg.get("db_sha256"))
        if ref.taken_from(s_impl, r_impl, s, send=s, echo=e, sink=k):
            return
        for what, mine, theirs in (("sender", s, ref.data["send"]), ("echo", e, ref.data["echo"]),
                                   ("sink", k, ref.data["sink"])):
            mk, tk = json_keys(mine), json_keys(theirs)
            t.check.equal(f"{name}: the {what}'s JSON keys == go->go's",
                          {"extra": sorted(mk - tk), "missing": sorted(tk - mk)}, {"extra": [], "missing": []})
        t.check.equal(f"{name}: background snapshot's db_sha256, total_bytes, wire_total_bytes == go->go's",
                      (bg.get("db_sha256"), bg.get("total_bytes"), bg.get("wire_total_bytes")),
                      tuple(ref.data["send"]["background_snapshot"].get(k) for k in
                            ("db_sha256", "total_bytes", "wire_total_bytes")))

    t.directions("hbsnap", body)


def go_log_messages(proc, about):
    """The distinct messages containing `about` in a Go peer's log (zap
    console lines and etcd's capnslog lines), without timestamps and fields."""
    out = set()
    for line in proc.lines:
        if about not in line:
            continue
        fields = line.split("\t")
        if len(fields) >= 4 and fields[1] in ("debug", "info", "warn", "error"):
            out.add(f"{fields[1]} {fields[3]}")
        elif " | rafthttp: " in line:
            out.add(line.split(" | ", 1)[1])
    return sorted(out)


def observables(run):
    """What a Raft node can observe of a run with rejected traffic."""
    s, r = run.send, run.recv
    return {
        "receiver": {k: r[k] for k in ("messages", "senders", "rejected_from_removed", "critical_errors", "snapshots")},
        "receiver log lines": len(Path(run.recv_log).read_text().splitlines()),
        # (Not peers_active: where one stream path fails and another works,
        # etcd's peer status flaps and the value depends on timing.)
        "sender": {k: s[k] for k in ("sent", "streams_ready") if k in s} | (
            {"status": s["status"], "report_snapshot": s["received"]["report_snapshot"]} if "status" in s else {}),
        "sender unreachable reports": sorted(s["received"]["report_unreachable"]),
        # rafthttp reports unreachable once per failed POST and once per drop.
        "unreachable == sent + retries": s.get("report_unreachable_total") == s.get("sent", 0) + s.get("drop_retries", 0)
        if "sent" in s else None,
        "sender critical errors": sorted(s["received"]["critical_errors"]),
    }


def check_observables(t, name, run, want):
    got = observables(run)
    flat = got | got["sender"] | got["receiver"]
    t.check.equal(f"{name}: expected values", {k: flat.get(k) for k in want}, want)


def compare_observables(t, name, run, ref):
    t.check.equal(f"{name}: observable behaviour == go->go's", observables(run), observables(ref))


def scenario_cluster_mismatch(t):
    """The sender is in cluster 2000, the receiver in 1000 (rafthttp's 412)."""
    ref = Reference()
    env = {"RAFTHTTP_PEER_LOG_LEVEL": "warn"}

    def body(s_impl, r_impl, name):
        run = t.pair("cluster-mismatch", s_impl, r_impl, ["--mode", "sink", "--duration", FOREVER],
                     ["--mode", "send", "--cluster-id", "2000", "--type", "MsgHeartbeat", "--count", "100",
                      "--wait-active", "1s", "--linger", "500ms"], first="sender", env=env)
        check_observables(t, name, run, {"messages": 0, "unreachable == sent + retries": True})
        t.check.equal(f"{name}: sender never saw its peer active", run.send["peers_active"], False)
        if ref.taken_from(s_impl, r_impl, run):
            return
        compare_observables(t, name, run, ref.run)
        # The Go side logs the same things whether its partner is Go or C++.
        if s_impl == "go":
            t.check.equal(f"{name}: Go sender's 'cluster ID' log messages == go->go's",
                          go_log_messages(run.sender, "cluster ID"), go_log_messages(ref.run.sender, "cluster ID"))
        if r_impl == "go":
            t.check.equal(f"{name}: Go receiver's 'cluster ID' log messages == go->go's",
                          go_log_messages(run.receiver, "cluster ID"), go_log_messages(ref.run.receiver, "cluster ID"))

    t.directions("cluster-mismatch", body)


def scenario_removed(t):
    """The receiver's Raft says member 1 was removed (--removed 1)."""
    cases = {
        # Streams: the receiver's readers dial the sender, whose writers send;
        # the sender's own dials get 410 (a critical error for it).
        "removed-stream": (["--type", "MsgHeartbeat", "--count", "100", "--wait-active", "2s"], "peer", True,
                           {"rejected_from_removed": {"1": 100}}, True),
        # Pipeline POSTs get 403.
        "removed-pipeline": (["--type", "MsgApp", "--count", "10", "--wait-streams", ""], "remote", False,
                             {"rejected_from_removed": {"1": 10}}, False),
    }
    for label, (flags, s_kind, r_knows, want, ordered) in cases.items():
        ref = Reference()

        def body(s_impl, r_impl, name):
            run = t.pair(label, s_impl, r_impl, ["--mode", "sink", "--removed", "1", "--idle", "1s", "--duration", "30s",
                                                 "--linger", "0s"],
                         ["--mode", "send"] + flags, s_kind=s_kind, r_knows=r_knows)
            check_observables(t, name, run, want)
            if not ref.taken_from(s_impl, r_impl, run):
                compare_observables(t, name, run, ref.run)
                compare_logs(t, name, run, ref.run, ordered=ordered)

        t.directions(label, body)

    snap_ref = Reference()

    def snapshot_body(s_impl, r_impl, name):
        snap_dir = t.path(f"removed-snap-{s_impl}-{r_impl}")
        shutil.rmtree(snap_dir, ignore_errors=True)
        run = t.pair("removed-snapshot", s_impl, r_impl,
                     ["--mode", "sink", "--removed", "1", "--duration", FOREVER, "--snap-dir", snap_dir],
                     ["--mode", "snapshot", "--db-size", "100000", "--wait-streams", "", "--wait-active", "2s",
                      "--linger", "0s"], first="sender")
        check_observables(t, name, run, {"rejected_from_removed": {"1": 1}, "status": "failure"})
        files = sorted(os.listdir(snap_dir)) if snap_dir.is_dir() else []
        if snap_ref.taken_from(s_impl, r_impl, run, files=files):
            return
        compare_observables(t, name, run, snap_ref.run)
        t.check.equal(f"{name}: files in --snap-dir == go->go's", files, snap_ref.data["files"])
        compare_logs(t, name, run, snap_ref.run)

    t.directions("removed-snapshot", snapshot_body)


def established(line):
    return "established TCP streaming connection" in line


def scenario_restart(t):
    """A peer killed with SIGKILL and restarted on the same port."""
    info = {"RAFTHTTP_PEER_LOG_LEVEL": "info"}

    def kill_receiver(s_impl, r_impl, name):
        # 1 sends 3000 MsgApp at 1000/s to 2; 2 is killed once its four streams
        # are up and restarted on the same port.
        a, b = free_ports(2)
        tag = f"{t.seq:03d}-restart-recv-{s_impl}-{r_impl}"
        t.seq += 1
        recv = ["--mode", "sink", "--id", "2", "--listen", url(b), "--peer", "1=" + url(a), "--duration", FOREVER]
        k1 = t.peer(r_impl, tag + ".recv1", recv + ["--log", t.path(tag + ".recv1.log")], info)
        k1.wait_ready()
        n = 3000
        s = t.peer(s_impl, tag + ".send", ["--mode", "send", "--id", "1", "--listen", url(a), "--peer", "2=" + url(b),
                                           "--to", "2", "--type", "MsgApp", "--count", str(n), "--rate", "1000",
                                           "--linger", "1s"], info)
        k1.wait_lines(established, 4, TIMEOUT, "4 attached streams")
        k1.stop(sig=signal.SIGKILL)
        k2 = t.peer(r_impl, tag + ".recv2", recv + ["--log", t.path(tag + ".recv2.log")], info)
        k2.wait_ready()
        k2.wait_lines(established, 4, TIMEOUT, "4 streams attached again")
        s.wait_exit(TIMEOUT, others=[k2])
        k2.stop()
        sj, rj = s.json(), k2.json()
        last = Path(t.path(tag + ".recv2.log")).read_text().splitlines()[-1:]
        t.check(f"{name}: sender's writers and readers re-attached (4 + 4 'established')",
                s.count(established) >= 8, f"{s.count(established)} 'established' lines in {s.err_path}")
        t.check.equal(f"{name}: traffic after the restart", {
            "sent": sj["sent"], ">= 1000 received": rj["messages"] >= 1000, "recv_drops": rj["recv_drops"],
            "last received": last[0].split()[4] if last else None},
            {"sent": n, ">= 1000 received": True, "recv_drops": 0, "last received": f"index={n - 1}"})

    def kill_sender(s_impl, r_impl, name):
        # 1 sends heartbeats to 2, is killed once its streams are up, and
        # restarted on the same port to send 2000 MsgApp once streams are back.
        a, b = free_ports(2)
        tag = f"{t.seq:03d}-restart-send-{s_impl}-{r_impl}"
        t.seq += 1
        recv_log = t.path(tag + ".recv.log")
        k = t.peer(r_impl, tag + ".recv", ["--mode", "sink", "--id", "2", "--listen", url(b), "--peer", "1=" + url(a),
                                           "--duration", FOREVER, "--log", recv_log], info)
        k.wait_ready()
        send = ["--mode", "send", "--id", "1", "--listen", url(a), "--peer", "2=" + url(b), "--to", "2"]
        s1 = t.peer(s_impl, tag + ".send1", send + ["--type", "MsgHeartbeat", "--count", "1000000", "--rate", "1000"], info)
        s1.wait_lines(established, 4, TIMEOUT, "4 attached streams")
        s1.stop(sig=signal.SIGKILL)
        s2 = t.peer(s_impl, tag + ".send2", send + ["--type", "MsgApp", "--count", "2000", "--entries", "2",
                                                    "--linger", "1s"], info)
        s2.wait_exit(TIMEOUT, others=[k])
        k.stop()
        sj, rj = s2.json(), k.json()
        apps = [line for line in Path(recv_log).read_text().splitlines() if line.startswith("MsgApp ")]
        t.check.equal(f"{name}: after the restart", {
            "streams_ready": sj["streams_ready"], "sent": sj["sent"], "MsgApp received": rj["by_type"].get("MsgApp"),
            "receiver re-attached (>= 8 'established')": k.count(established) >= 8,
            "critical_errors": rj["critical_errors"]},
            {"streams_ready": True, "sent": 2000, "MsgApp received": 2000,
             "receiver re-attached (>= 8 'established')": True, "critical_errors": {}})
        if not ref.taken_from(s_impl, r_impl, run=True, apps=apps):
            t.check.equal(f"{name}: MsgApp lines of the receiver's log == go->go's", apps, ref.data["apps"])

    ref = Reference()
    t.directions("restart-receiver", kill_receiver)
    t.directions("restart-sender", kill_sender)


def scenario_dead_url(t):
    """Each side knows the other by two URLs, and the first (URL lists are
    sorted) does not work: nothing listens on the receiver's first URL for
    the sender, and the sender's first URL for the receiver accepts and
    closes connections."""
    n = 2000
    ref = Reference()

    def body(s_impl, r_impl, name):
        dead_a, broken_b, a, b = sorted(free_ports(4))
        broken = BrokenListener(broken_b)
        tag = f"{t.seq:03d}-dead-url-{s_impl}-{r_impl}"
        t.seq += 1
        send_log, recv_log = t.path(tag + ".send.log"), t.path(tag + ".recv.log")
        try:
            r = t.peer(r_impl, tag + ".recv", ["--id", "2", "--listen", url(b), "--log", recv_log,
                                               "--peer", f"1={url(dead_a)},{url(a)}"] + sink(n))
            r.wait_ready()
            s = t.peer(s_impl, tag + ".send", ["--id", "1", "--listen", url(a), "--peer", f"2={url(broken_b)},{url(b)}",
                                               "--to", "2", "--log", send_log, "--mode", "send", "--type", "MsgApp",
                                               "--count", str(n), "--entries", "2", "--linger", FOREVER])
            r.wait_exit(TIMEOUT, others=[s])
            s.stop()
        finally:
            broken.close()
        run = Run(s, r, send_log, recv_log)
        t.check.equal(f"{name}: counts", {"streams_ready": run.send["streams_ready"], "sent": run.send["sent"],
                                          "by_type": run.recv["by_type"], "broken URL tried": broken.accepted > 0},
                      {"streams_ready": True, "sent": n, "by_type": {"MsgApp": n}, "broken URL tried": True})
        t.check.equal(f"{name}: receiver's sha256 == sender's", run.from_sender().get("sha256"), run.send["sha256"])
        if not ref.taken_from(s_impl, r_impl, run):
            compare_logs(t, name, run, ref.run)

    t.directions("dead-url", body)


def scenario_stability(t):
    """C++ and Go peers paired for 7 s (longer than the 5 s read timeout of
    idle streams): the streams attach once and stay attached, nobody logs a
    warning or an error, the Go side reports no critical error."""
    info = {"RAFTHTTP_PEER_LOG_LEVEL": "info"}
    n, window_s = 2000, 7.0
    pairs = []
    for s_impl, r_impl in (("cpp", "go"), ("go", "cpp")):
        a, b = free_ports(2)
        tag = f"stability-{s_impl}-{r_impl}"
        r = t.peer(r_impl, tag + ".echo", ["--mode", "echo", "--id", "2", "--listen", url(b), "--peer", "1=" + url(a),
                                           "--expect", str(n), "--duration", FOREVER, "--linger", FOREVER], info)
        r.wait_ready()
        s = t.peer(s_impl, tag + ".send", ["--mode", "send", "--id", "1", "--listen", url(a), "--peer", "2=" + url(b),
                                           "--to", "2", "--type", "MsgHeartbeat", "--await-acks", "--count", str(n),
                                           "--rate", "400", "--linger", FOREVER], info)
        pairs.append((f"stability {s_impl}<->{r_impl}", s, r))
    for _, s, r in pairs:
        for p in (s, r):
            p.wait_lines(established, 4, TIMEOUT, "4 attached streams")
    # The observation window: nothing to wait for but the time to pass, unless a peer exits.
    everyone = [p for _, s, r in pairs for p in (s, r)]
    if wait_until(lambda: any(p.exited for p in everyone), window_s, "", fail=False):
        raise Failure("a peer exited during the observation window:\n" +
                      "\n".join(p.name + ":\n" + p.tail() for p in everyone if p.exited))
    logged = {p.name: list(p.lines) for _, s, r in pairs for p in (s, r)}
    for _, s, r in pairs:
        s.stop()
        r.stop()
    for name, s, r in pairs:
        sj, rj = s.json(), r.json()
        t.check.equal(f"{name}: traffic", {"sent": sj["sent"], "acked": (sj["acks"] or {}).get("acked"),
                                           "echo_replies": rj.get("echo_replies")},
                      {"sent": n, "acked": n, "echo_replies": n})
        for p, j in ((s, sj["received"]), (r, rj)):
            lines = logged[p.name]
            attached = [i for i, l in enumerate(lines) if established(l)]
            trouble = [i for i, l in enumerate(lines) if is_trouble(l) and not established(l)]
            # The echo peer starts first, so its stream readers dial the sender
            # before it listens. Go's two readers dial concurrently: a refusal
            # that lands after the other reader's success deactivates the peer
            # with a warning. That, before the last attachment, is the only
            # trouble allowed; the observation window itself must be clean.
            if p is r and attached:
                trouble = [i for i in trouble if not (i < attached[-1] and refused_dial(lines[i]))]
            t.check.equal(f"{name}: {p.name} during {window_s:g}s", {
                "'established' lines": len(attached), "warnings/errors": [lines[i] for i in trouble],
                "critical_errors": j["critical_errors"]},
                {"'established' lines": 4, "warnings/errors": [], "critical_errors": {}})


def is_trouble(line):
    """A warning or an error in either implementation's log format."""
    return any(w in line for w in ("\twarn\t", "\terror\t", " warn ", " error ", " E | ", " W | "))


def refused_dial(line):
    """A stream reader's dial refused: the remote member was not listening yet."""
    return "failed to dial" in line and "connection refused" in line.lower()


# ------------------------------------------------------------------ TLS ----

def stream_writer_attached(kind):
    """A peer's log line saying the other side's stream reader attached to
    our writer of `kind` ("stream MsgApp v2" or "stream Message")."""
    return lambda line: established(line) and "writer" in line and kind in line


def scenario_tls(t):
    """The plain scenarios' deliveries over mutual TLS: https:// URLs, each
    member's certificate from a CA made at test time (openssl), client
    certificates required and verified. Then a peer whose certificate comes
    from an unknown CA: refused in both roles."""
    pki = Pki(t.path("pki"))
    ca = pki.ca("interop-ca")
    t.tls = {"1": pki.peer("member-1", ca), "2": pki.peer("member-2", ca)}
    info = {"RAFTHTTP_PEER_LOG_LEVEL": "info"}  # stream attachments are logged at info (C++) / warn (Go)

    def check_streams(name, run, kinds):
        """The receiver dialled the sender over TLS and attached to its writers."""
        for kind in kinds:
            t.check(f"{name}: receiver's TLS stream attached to the sender's '{kind}' writer",
                    run.sender.count(stream_writer_attached(kind)) >= 1, f"no such line in {run.sender.err_path}")

    # MsgApp over the msgappv2 stream (both streams attached before sending).
    n = 2000
    ref = Reference()

    def msgapp(s_impl, r_impl, name):
        run = t.pair("tls-msgapp", s_impl, r_impl, sink(n),
                     ["--mode", "send", "--type", "MsgApp", "--count", str(n), "--entries", "3", "--term-every", "100"],
                     env=info)
        s, r = run.send, run.recv
        t.check.equal(f"{name}: counts", {
            "sent": s["sent"], "streams_ready": s["streams_ready"], "by_type": r["by_type"], "entries": r["entries"],
            "entry_bytes": r["entry_bytes"], "recv_drops": r["recv_drops"]},
            {"sent": n, "streams_ready": True, "by_type": {"MsgApp": n}, "entries": 3 * n,
             "entry_bytes": s["payload_bytes"], "recv_drops": 0})
        t.check.equal(f"{name}: receiver's sha256 == sender's", run.from_sender().get("sha256"), s["sha256"])
        check_streams(name, run, ["stream MsgApp v2", "stream Message"])
        if ref.taken_from(s_impl, r_impl, run):
            return
        t.check.equal(f"{name}: sender's sha256 == go->go's", s["sha256"], ref.run.send["sha256"])
        compare_wire(t, name, run, ref.run)
        compare_logs(t, name, run, ref.run)

    t.directions("tls-msgapp", msgapp)

    # Other types over the message stream.
    n_types = 300
    for msg_type in ("MsgProp", "MsgHeartbeat", "MsgAppResp"):
        type_ref = Reference()

        def types(s_impl, r_impl, name):
            run = t.pair("tls-" + msg_type, s_impl, r_impl, sink(n_types),
                         ["--mode", "send", "--type", msg_type, "--count", str(n_types), "--entries", "2",
                          "--entry-size", "16", "--term-every", "10", "--reject-every", "4"], env=info)
            s, r = run.send, run.recv
            t.check.equal(f"{name}: counts", {"sent": s["sent"], "streams_ready": s["streams_ready"],
                                              "by_type": r["by_type"], "recv_drops": r["recv_drops"]},
                          {"sent": n_types, "streams_ready": True, "by_type": {msg_type: n_types}, "recv_drops": 0})
            t.check.equal(f"{name}: receiver's sha256 == sender's", run.from_sender().get("sha256"), s["sha256"])
            check_streams(name, run, ["stream Message"])
            if not type_ref.taken_from(s_impl, r_impl, run):
                compare_wire(t, name, run, type_ref.run)
                compare_logs(t, name, run, type_ref.run)

        t.directions("tls-" + msg_type, types)

    # Round trips: heartbeats with a context to an echo, answered over the
    # message stream the sender dialled.
    n_echo = 1000
    echo_ref = Reference()

    def echo(s_impl, r_impl, name):
        run = t.pair("tls-echo", s_impl, r_impl, ["--mode", "echo", "--expect", str(n_echo), "--duration", FOREVER],
                     ["--mode", "send", "--type", "MsgHeartbeat", "--count", str(n_echo), "--await-acks",
                      "--window", "64", "--linger", "0s"], first="sender", env=info)
        s, r = run.send, run.recv
        acks = s.get("acks") or {}
        t.check.equal(f"{name}: round trips", {
            "sent": s["sent"], "acked": acks.get("acked"), "unmatched": acks.get("unmatched"),
            "echo_replies": r.get("echo_replies"), "answers": s["received"]["by_type"]},
            {"sent": n_echo, "acked": n_echo, "unmatched": 0, "echo_replies": n_echo,
             "answers": {"MsgHeartbeatResp": n_echo}})
        t.check.equal(f"{name}: echo's sha256 == sender's", run.from_sender().get("sha256"), s["sha256"])
        # The echo's writers carried the answers: the sender's readers attached to them.
        t.check(f"{name}: sender's TLS stream attached to the echo's 'stream Message' writer",
                run.receiver.count(stream_writer_attached("stream Message")) >= 1,
                f"no such line in {run.receiver.err_path}")
        if not echo_ref.taken_from(s_impl, r_impl, run):
            compare_logs(t, name, run, echo_ref.run, logs=("recv_log", "send_log"))

    t.directions("tls-echo", echo)

    # Pipeline only: the sender knows the receiver as a remote, the receiver
    # does not know the sender; no stream is ever attached.
    n_pipe = 1000
    pipe_ref = Reference()

    def pipeline(s_impl, r_impl, name):
        run = t.pair("tls-pipeline", s_impl, r_impl, sink(n_pipe)[:-2] + ["--linger", "300ms"],
                     ["--mode", "send", "--type", "MsgApp", "--entries", "2", "--count", str(n_pipe),
                      "--wait-streams", ""], s_kind="remote", r_knows=False, env=info)
        s, r = run.send, run.recv
        t.check.equal(f"{name}: counts", {"sent": s["sent"], "messages": r["messages"], "recv_drops": r["recv_drops"]},
                      {"sent": n_pipe, "messages": n_pipe, "recv_drops": 0})
        t.check.equal(f"{name}: receiver's digest_unordered == sender's",
                      run.from_sender().get("digest_unordered"), s["digest_unordered"])
        t.check.equal(f"{name}: streams attached (none: pipeline only)",
                      {p.name: p.count(established) for p in (run.sender, run.receiver)},
                      {p.name: 0 for p in (run.sender, run.receiver)})
        if not pipe_ref.taken_from(s_impl, r_impl, run):
            compare_logs(t, name, run, pipe_ref.run, ordered=False)

    t.directions("tls-pipeline", pipeline)

    # A snapshot: POST /raft/snapshot over TLS.
    db_size, index, term = 16 << 20, 42, 7
    snap_ref = Reference()

    def snapshot(s_impl, r_impl, name):
        snap_dir = t.path(f"tls-snap-{s_impl}-{r_impl}")
        shutil.rmtree(snap_dir, ignore_errors=True)
        # From a file, as in `snapshot`: over TLS the C++ sender reads it (no sendfile).
        db_dir = t.fresh_dir(f"tls-db-{s_impl}-{r_impl}")
        run = t.pair("tls-snapshot", s_impl, r_impl,
                     ["--mode", "sink", "--expect", "1", "--duration", FOREVER, "--snap-dir", snap_dir],
                     ["--mode", "snapshot", "--snap-index", str(index), "--snap-term", str(term),
                      "--snap-data-size", "1000", "--db-size", str(db_size), "--linger", "0s",
                      "--db-file-dir", str(db_dir)], first="sender")
        s, r = run.send, run.recv
        file_name = f"{index:016x}.snap.db"
        files = sorted(os.listdir(snap_dir)) if snap_dir.is_dir() else []
        got = r["snapshots"][0] if r["snapshots"] else {}
        t.check.equal(f"{name}: sender's report", {"status": s["status"], "report_snapshot": s["received"]["report_snapshot"]},
                      {"status": "finish", "report_snapshot": [{"id": "2", "status": "finish"}]})
        t.check.equal(f"{name}: receiver's snapshot", {
            "count": len(r["snapshots"]), "from": got.get("from"), "index": got.get("index"), "term": got.get("term"),
            "db_size": got.get("db_size"), "db_sha256": got.get("db_sha256"),
            "db_path": Path(got.get("db_path", "")).name, "files in --snap-dir": files},
            {"count": 1, "from": "1", "index": index, "term": term, "db_size": db_size, "db_sha256": s["db_sha256"],
             "db_path": file_name, "files in --snap-dir": [file_name]})
        if files == [file_name]:
            t.check.equal(f"{name}: SHA-256 of {file_name} on disk", sha256_file(snap_dir / file_name), s["db_sha256"])
        t.check.equal(f"{name}: the sender's DB file removed after the transfer", sorted(os.listdir(db_dir)), [])
        if not snap_ref.taken_from(s_impl, r_impl, run):
            compare_logs(t, name, run, snap_ref.run)

    t.directions("tls-snapshot", snapshot)

    # The sender's certificate comes from a CA the receiver does not know (the
    # sender itself trusts the receiver's CA): the receiver's server refuses
    # its client certificate, the receiver's stream dials refuse its server
    # certificate. Nothing is delivered, both stay up: the sender runs until
    # the end of its --linger, the receiver until it gets SIGTERM.
    rogue = pki.peer("rogue", pki.ca("unknown-ca"), trusted_ca=ca)
    reject_ref = Reference()
    n_reject = 20
    debug = {"RAFTHTTP_PEER_LOG_LEVEL": "debug"}  # failed dials and POSTs are logged at debug level

    def reject(s_impl, r_impl, name):
        a, b = free_ports(2)
        t.seq += 1
        tag = f"{t.seq:03d}-tls-reject-{s_impl}-{r_impl}"
        send_log, recv_log = t.path(tag + ".send.log"), t.path(tag + ".recv.log")
        r = t.peer(r_impl, tag + ".recv", ["--mode", "sink", "--id", "2", "--listen", t.url(b), "--peer", "1=" + t.url(a),
                                           "--duration", FOREVER, "--log", recv_log] + t.tls_flags("2"), debug)
        r.wait_ready()
        s = t.peer(s_impl, tag + ".send", ["--mode", "send", "--id", "1", "--listen", t.url(a), "--peer", "2=" + t.url(b),
                                           "--to", "2", "--log", send_log, "--type", "MsgHeartbeat",
                                           "--count", str(n_reject), "--wait-active", "500ms", "--linger", "2s"]
                   + rogue.flags(), debug)
        s.wait_ready()
        # The receiver's stream dials refused the rogue's server certificate.
        r.wait_lines(untrusted_server(r_impl), 1, TIMEOUT, "a stream dial refused for the rogue's certificate")
        # Every message goes to the pipeline (no stream ever attaches) and fails.
        s.wait_lines(pipeline_failed, n_reject, TIMEOUT, f"{n_reject} failed pipeline POSTs")
        # The receiver's server sent the rogue's client a TLS alert.
        s.wait_lines(tls_alert_received, 1, TIMEOUT, "a TLS alert from the receiver")
        # The sender ends by itself after its --linger (rafthttp reports each
        # failed POST to Raft just after logging it: the counts are final then).
        s.wait_exit(TIMEOUT, others=[r])
        t.check.equal(f"{name}: both stayed up", {"sender's exit status": s.rc, "receiver still running": not r.exited},
                      {"sender's exit status": 0, "receiver still running": True})
        r.stop()
        run = Run(s, r, send_log, recv_log)
        check_observables(t, name, run, {"messages": 0, "senders": {}, "critical_errors": {}, "sent": n_reject,
                                         "streams_ready": False, "sender critical errors": [],
                                         "unreachable == sent + retries": True})
        t.check.equal(f"{name}: sender never saw its peer active", run.send["peers_active"], False)
        if r_impl == "cpp":  # (a Go server does not log refused handshakes)
            t.check(f"{name}: receiver logged the refused TLS connection",
                    r.count(lambda l: "rejected TLS connection" in l) >= 1, f"no such line in {r.err_path}")
        if not reject_ref.taken_from(s_impl, r_impl, run):
            compare_observables(t, name, run, reject_ref.run)

    t.directions("tls-reject", reject)


def pipeline_failed(line):
    """A failed pipeline POST, as rafthttp logs it at debug level (Go: "failed
    to write 2 on pipeline (...)"; C++: "failed to write MsgHeartbeat on
    pipeline: ...")."""
    return "failed to write" in line and "on pipeline" in line


def tls_alert_received(line):
    """A TLS alert from the other side (Go: "remote error: tls: bad
    certificate"; OpenSSL: "sslv3 alert bad certificate", "tlsv1 alert
    unknown ca")."""
    return "remote error: tls:" in line or (" alert " in line and "SSL routines" in line)


def untrusted_server(impl):
    """A stream dial whose TLS handshake failed on the server's certificate."""
    if impl == "go":
        return lambda line: "failed to dial" in line and "certificate signed by unknown authority" in line
    return lambda line: "failed to dial" in line and "TLS handshake failed" in line


# ------------------------------------------------------------ real etcd ----

def scenario_etcd(t, etcd, etcdctl, etcdids):
    """A 2-member etcd cluster: one real etcd 3.4.23 server and one
    rafthttp-peer --mode echo (C++; the Go reference echo as a control)."""
    etcd_clusters(t, "etcd", etcd, etcdctl, etcdids)


def scenario_etcd_tls(t, etcd, etcdctl, etcdids):
    """The same with mutual TLS between the members: https:// peer URLs, etcd
    with --peer-client-cert-auth and its --peer-* certificate files, the echo
    with the same flags of its own; certificates from a CA made at test time."""
    pki = Pki(t.path("pki"))
    ca = pki.ca("interop-ca")
    t.tls = {"etcd0": pki.peer("etcd0", ca), "echo": pki.peer("echo", ca)}
    etcd_clusters(t, "etcd-tls", etcd, etcdctl, etcdids)


def etcd_clusters(t, label, etcd, etcdctl, etcdids):
    for impl in ("go", "cpp"):
        name = f"{label} + {impl} echo"
        print(f"{name}:", flush=True)
        try:
            etcd_with_echo(t, impl, name, etcd, etcdctl, etcdids)
        except Failure as e:
            t.check(name, False, str(e))
            kill_all()


def etcd_with_echo(t, impl, name, etcd, etcdctl, etcdids):
    peer_port, client_port, echo_port = free_ports(3)
    peer_url, echo_url = t.url(peer_port), t.url(echo_port)  # https:// with t.tls
    token = f"rafthttp-interop-{impl}"
    initial = f"etcd0={peer_url},echo={echo_url}"
    ids_proc = Proc(f"etcd-{impl}.ids", [etcdids, "--initial-cluster", initial, "--initial-cluster-token", token], t.work)
    ids_proc.wait_exit(TIMEOUT)
    ids = ids_proc.json()
    etcd_id, echo_id, cluster_id = ids["members"]["etcd0"], ids["members"]["echo"], ids["cluster_id"]
    print(f"  ids (etcd's membership code): etcd0={etcd_id} echo={echo_id} cluster={cluster_id}", flush=True)

    echo_log = t.path(f"etcd-{impl}.echo.log")
    echo = t.peer(impl, f"etcd-{impl}.echo", ["--mode", "echo", "--id", echo_id, "--cluster-id", cluster_id,
                                               "--listen", echo_url, "--peer", f"{etcd_id}={peer_url}",
                                               "--duration", FOREVER, "--linger", "0s", "--log", echo_log]
                  + (t.tls["echo"].flags() if t.tls else []),
                  {"RAFTHTTP_PEER_LOG_LEVEL": "warn"})
    echo.wait_ready()
    data_dir = t.path(f"etcd-{impl}.data")
    shutil.rmtree(data_dir, ignore_errors=True)
    server = Proc(f"etcd-{impl}.etcd", [
        etcd, "--name", "etcd0", "--data-dir", data_dir, "--logger", "zap", "--log-outputs", "stderr",
        "--listen-peer-urls", peer_url, "--initial-advertise-peer-urls", peer_url,
        "--listen-client-urls", url(client_port), "--advertise-client-urls", url(client_port),
        "--initial-cluster", initial, "--initial-cluster-token", token, "--initial-cluster-state", "new"]
        + (t.tls["etcd0"].etcd_flags() if t.tls else []), t.work)
    # etcd publishes its name through raft: committed only once the echo's
    # MsgAppResp came back, so this line means the cluster works.
    server.wait_lines(lambda l: "published local member to cluster through raft" in l, 1, TIMEOUT,
                      "etcd to publish itself through raft")

    def ctl(*args):
        t.seq += 1
        p = Proc(f"etcd-{impl}.etcdctl-{t.seq:03d}-{args[0]}", [etcdctl, "--endpoints", url(client_port),
                                                                "--command-timeout", "10s"] + list(args),
                 t.work, {"ETCDCTL_API": "3"})
        p.wait_exit(TIMEOUT)
        return p.rc, p.stdout.decode(errors="replace")

    # Each put commits through the echo's MsgAppResp; each (linearizable) get
    # is a ReadIndex, confirmed by a heartbeat round whose context the echo
    # must copy into its MsgHeartbeatResp.
    rounds = 5
    for i in range(rounds):
        t.check.equal(f"{name}: etcdctl put key{i}", ctl("put", f"key{i}", f"value{i}"), (0, "OK\n"))
        t.check.equal(f"{name}: etcdctl get key{i}", ctl("get", f"key{i}"), (0, f"key{i}\nvalue{i}\n"))
    members = ctl("member", "list", "-w", "json")
    status = ctl("endpoint", "status", "-w", "json")
    member_ids, leader = {}, None
    try:
        member_ids = {m.get("name", ""): f"{m['ID']:x}" for m in json.loads(members[1])["members"]}
        leader = f"{json.loads(status[1])[0]['Status']['leader']:x}"
    except (ValueError, KeyError, IndexError) as e:
        t.check(f"{name}: etcdctl member list / endpoint status", False, f"{e}: {members} {status}")
    t.check.equal(f"{name}: member ids etcd reports", member_ids, {"etcd0": etcd_id, "echo": echo_id})
    t.check.equal(f"{name}: leader", leader, etcd_id)
    if t.tls:
        # etcd's peer listener requires client certificates, and all four
        # streams attached over TLS: etcd's readers dialled the echo's https
        # listener, the echo's readers etcd's (with the echo's client certificate).
        streams = sorted(f"{kind}={entry[kind]}" for entry in map(json_or_none, list(server.lines))
                         if entry and entry.get("msg") == "established TCP streaming connection with remote peer"
                         for kind in ("stream-reader-type", "stream-writer-type") if kind in entry)
        t.check.equal(f"{name}: mutual TLS", {
            "etcd: peer TLS with client-cert-auth": server.count(
                lambda l: "starting with peer TLS" in l and "client-cert-auth = true" in l) == 1,
            "etcd: streams attached with the echo": sorted(set(streams)),
            "echo listens on": echo.ready_url.split("://")[0],
            "echo refused TLS connections": echo.count(lambda l: "rejected TLS connection" in l)},
            {"etcd: peer TLS with client-cert-auth": True,
             "etcd: streams attached with the echo": [f"{kind}=stream {stream}" for kind in ("stream-reader-type",
                                                      "stream-writer-type") for stream in ("Message", "MsgApp v2")],
             "echo listens on": "https", "echo refused TLS connections": 0})

    # etcd's warnings while the echo was up (taken before stopping anything).
    warnings = [entry for entry in map(json_or_none, list(server.lines))
                if entry and entry.get("level") in ("warn", "error", "fatal", "panic")]
    echo.stop()
    # With the echo gone etcd skips the leadership transfer and stops quickly.
    server.stop(timeout=30)

    ej = echo.json()
    by_type = ej["by_type"]
    print(f"  echo by_type: {by_type}", flush=True)
    with_context = [l for l in Path(echo_log).read_text().splitlines() if l.startswith("MsgHeartbeat ") and " ctx=" in l]
    t.check.equal(f"{name}: echo saw etcd's traffic", {
        "vote granted": by_type.get("MsgVote", 0) + by_type.get("MsgPreVote", 0) >= 1,
        f"MsgApp >= {rounds}": by_type.get("MsgApp", 0) >= rounds,
        f"MsgHeartbeat with context >= {rounds}": len(with_context) >= rounds,
        "answered every one": ej["echo_replies"] == sum(by_type.get(k, 0) for k in ECHO_ANSWER),
        "only from etcd": sorted(ej["senders"]), "critical_errors": ej["critical_errors"]},
        {"vote granted": True, f"MsgApp >= {rounds}": True, f"MsgHeartbeat with context >= {rounds}": True,
         "answered every one": True, "only from etcd": [etcd_id], "critical_errors": {}})

    # Expected: etcd's GET /version of the echo fails (rafthttp-peer serves
    # only the raft routes), so etcd sets the cluster version to 3.0; 3.4
    # logs each stream attachment at warn level.
    expected = ("simple token is not cryptographically signed", "established TCP streaming connection with remote peer",
                "failed to get version")
    for entry in warnings:
        if entry.get("msg") == "failed to unmarshal response" and entry.get("address", "").endswith("/version"):
            continue
        if entry.get("msg") in expected:
            continue
        t.check(f"{name}: etcd warns", False, json.dumps(entry))
    notes = sorted({e.get("msg") for e in warnings if e.get("msg") != expected[0]})
    print(f"  etcd's expected warnings: {notes}", flush=True)


def json_or_none(line):
    """A zap JSON log line of etcd as a dict (None for other lines)."""
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def check_etcd_version(etcd):
    out = subprocess.run([etcd, "--version"], capture_output=True, text=True, timeout=30).stdout
    version = next((l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("etcd Version:")), "?")
    print(f"etcd: {etcd}, version {version}", flush=True)
    if not version.startswith("3.4."):
        raise Unavailable(f"etcd 3.4 is needed, {etcd} is version {version}")


# ----------------------------------------------------------------- main ----

SCENARIOS = {
    "msgapp": scenario_msgapp, "types": scenario_types, "echo": scenario_echo, "pipeline": scenario_pipeline,
    "snapshot": scenario_snapshot, "cluster-mismatch": scenario_cluster_mismatch, "removed": scenario_removed,
    "restart": scenario_restart, "dead-url": scenario_dead_url, "stability": scenario_stability, "tls": scenario_tls,
    "cheap": scenario_cheap, "hbsnap": scenario_hbsnap,
    "etcd": scenario_etcd, "etcd-tls": scenario_etcd_tls,
}
WITH_ETCD = ("etcd", "etcd-tls")
WITH_OPENSSL = ("tls", "etcd-tls")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--cpp", required=True, help="the C++ rafthttp-peer")
    ap.add_argument("--go", required=True,
                    help="where the Go peer of one etcd release is (built there if needed): .../rafthttp-peer-go-<minor>")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--etcd", default=shutil.which("etcd"))
    ap.add_argument("--etcdctl", default=shutil.which("etcdctl"))
    ap.add_argument("--etcdids", help="where the etcdids tool is (built there if needed); default: beside --go")
    args = ap.parse_args()

    clock = Stopwatch()
    workdir = Path(args.workdir).resolve()
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    try:
        release = go_peer_release(args.go)
        if args.scenario in WITH_ETCD and release != "3.4":
            raise Failure(f"the {args.scenario} scenario runs a real etcd 3.4.23 (Debian's) with the 3.4 peers; "
                          "real clusters of the other releases are clusters.py's")
        bins = {"cpp": Path(args.cpp).resolve(), "go": ensure_go_peer(Path(args.go).resolve())}
        if args.scenario in WITH_OPENSSL and shutil.which("openssl") is None:
            raise Unavailable("the 'openssl' command line tool is not installed (Debian: openssl)")
        if args.scenario in WITH_ETCD:
            for tool in ("etcd", "etcdctl"):
                if not getattr(args, tool):
                    raise Unavailable(f"'{tool}' is not installed (Debian: etcd-server, etcd-client)")
            check_etcd_version(args.etcd)
            etcdids = ensure_etcdids(Path(args.etcdids or Path(args.go).resolve().parent / "etcdids").resolve())
    except Unavailable as e:
        unavailable_exit(f"interop scenario {args.scenario}: {e}")
    except Failure as e:
        print(f"FAIL: {e}")
        return 1
    if not os.access(bins["cpp"], os.X_OK):
        print(f"FAIL: the C++ peer {bins['cpp']} is not an executable")
        return 1

    t = Suite(bins, workdir, release)
    try:
        if args.scenario in WITH_ETCD:
            SCENARIOS[args.scenario](t, args.etcd, args.etcdctl, etcdids)
        else:
            SCENARIOS[args.scenario](t)
    finally:
        kill_all()
    ok = not t.check.failed
    print(f"{args.scenario} (etcd {release}): {t.check.passed} checks passed, {len(t.check.failed)} failed, {clock}"
          f" (logs and JSON in {workdir})")
    for label in t.check.failed:
        print(f"  failed: {label}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
