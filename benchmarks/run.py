#!/usr/bin/env python3
"""The benchmark suite of issues 6 and 16: rafthttp-cpp beside etcd's Go rafthttp.

Every workload runs C++<->C++ (examples/rafthttp-peer), Go<->Go on etcd 3.7's
rafthttp (tests/interop/goref, the 3.7 peer built with etcd 3.7's own Go
toolchain: the main Go column) and Go<->Go on etcd 3.4.23's (the second Go
column) on loopback, alternately, --reps times (default 3); the table shows
medians and C++/Go ratios (C++/Go 3.7 is the one the targets are checked
against), the ceilings of plain loopback TCP measured in the same run
(benchmarks/tcp_ceiling), the targets of issue 6, and the in-process
microbenchmarks (benchmarks/micro).

Digests: the peers hash what they send and receive (doc/peer-cli.md 7). The
throughput rows (acked 64 KiB and 1 MiB entries, snapshots) are measured with
the default SHA-256 digests and again with --digest cheap (check64, a fraction
of the cost), so that they show the transport rather than the digest; every
run's digests are checked (the receiver's equal the sender's).

    benchmarks/run.sh                 # build everything, then the full suite
    benchmarks/run.sh --quick         # a smoke run (1 repetition, small counts)
    benchmarks/run.sh --nice -15      # as root on a shared machine: see --nice
    benchmarks/run.py --cpp B --go G37 --go34 G34 --ceiling C --micro M [--reps N] [--only W,...]

Workloads (--only takes these names): ceiling, acked, latency, busypoll,
oneway, snapshot, hbsnap, tls, micro. tls runs acked (128 B, 1 KiB), window-1
latency and a 64 MiB snapshot over mutual TLS (https:// URLs, certificates
made once per run with the openssl tool). snapshot sends 64 MiB and 1 GiB DBs
that the receiver saves on disk (the work directory) and a 256 MiB DB that it
saves in a tmpfs (/dev/shm), where only the transport counts. hbsnap (issue 16)
runs window-1 MsgHeartbeat round trips from member 1 to an echo (member 2) with
a sink (member 3) beside it, idle and while member 1 streams a 1 GiB snapshot
to member 3 (send --background-snapshot-to, doc/peer-cli.md 5.7; --quick:
256 MiB), both DB files in a tmpfs (/dev/shm) that is emptied after each run,
and reports p99 during / p99 idle per implementation.

Python 3 standard library only. Each peer process is reaped with os.wait4, so
its CPU time (user + sys) and peak RSS come from the kernel; the peers also
report peak RSS (VmHWM) in their JSON.
"""

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

KIB = 1024
MIB = 1024 * KIB
GIB = 1024 * MIB

# Entry sizes of the acked-throughput rows, and the messages sent per run
# (about 1-2 s each on a 2-core machine; --quick divides by 10).
ACKED_COUNTS = {64: 200_000, 128: 200_000, 1 * KIB: 100_000, 64 * KIB: 10_000, 1 * MIB: 1_000}
LATENCY_SIZE = 128          # entry size of the latency and one-way rows
LATENCY_W1_COUNT = 20_000   # window-1 round trips
LATENCY_W256_COUNT = 200_000
ONEWAY_SECONDS = 1.0        # length of one paced trial of the lossless search
ONEWAY_STEPS = 5            # bisection steps after the unpaced probe
SNAPSHOT_SIZES = [64 * MIB, 1 * GIB]
# One more snapshot row whose receiver saves into a tmpfs, so that only the
# transport counts (on disk the receiver's write-back is part of the figure).
TMPFS_SNAPSHOT_SIZE = 256 * MIB
TMPFS_ROOT = "/dev/shm"
# hbsnap: window-1 heartbeats idle and during a snapshot of this size to
# another peer (--quick: HBSNAP_QUICK_SIZE); the idle runs make this many round
# trips (--quick divides by 10), the runs during the snapshot as many as fit
# in the transfer (HBSNAP_MAX_COUNT is never reached: the loop ends with the
# transfer). The DB files go to HBSNAP_TMPFS when it exists.
HBSNAP_SIZE = 1 * GIB
HBSNAP_QUICK_SIZE = 256 * MIB
HBSNAP_IDLE_COUNT = 20_000
HBSNAP_MAX_COUNT = 1_000_000
HBSNAP_TYPE = "MsgHeartbeat"
HBSNAP_TMPFS = "/dev/shm"
BUSY_POLL = "50us"
# A window-1 round trip at 128 B on the wire, both implementations: the
# MsgApp as a msgappv2 AppEntries record in an HTTP chunk (1+8+8+139+8 bytes
# + 6 of chunk framing = 170) and the MsgAppResp as a message-stream frame
# (8+32 bytes + 6 = 46). The ping-pong floor uses the same sizes.
PINGPONG_REQUEST = 170
PINGPONG_REPLY = 46
PINGPONG_COUNT = 20_000
BANDWIDTH_BYTES = 4 * GIB
# The tls workload: these acked sizes (counts as ACKED_COUNTS), window-1
# latency at LATENCY_SIZE, and one snapshot of this size.
TLS_ACKED_SIZES = (128, 1 * KIB)
TLS_SNAPSHOT_SIZE = 64 * MIB
TLS_OPENSSL_CONFIG = """\
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[peer]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid,issuer
"""

IMPLS = ("cpp", "go", "go34")
# The acked sizes measured in both digest modes (the other rows: full only).
DIGEST_BOTH_ACKED = (64 * KIB, 1 * MIB)


class Priority:
    """--nice N: every benchmark process runs at this nice value (e.g. -15 as
    root, so that other tenants' builds disturb the figures less; the same
    for C++, Go and the ceilings). With the kernel's autogroup scheduling
    (/proc/sys/kernel/sched_autogroup_enabled), a nice value only ranks
    processes within their session's group, so each benchmark process starts
    its own session and gives that group the nice value. 0 leaves all alone."""

    def __init__(self):
        self.nice = 0

    def apply(self):
        if not self.nice:
            return
        os.setsid()
        try:
            with open("/proc/self/autogroup", "w") as f:
                f.write(str(self.nice))
        except OSError:
            pass
        os.setpriority(os.PRIO_PROCESS, 0, self.nice)


PRIORITY = Priority()
LABEL = {"cpp": "C++", "go": "Go 3.7", "go34": "Go 3.4"}


# --------------------------------------------------------------- helpers --

def log(msg):
    print(msg, file=sys.stderr, flush=True)


def loadavg():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def wait_for_quiet(max_load, limit_s=30):
    """With --max-load: wait (bounded) until the 1-minute load drops below it."""
    if not max_load:
        return
    deadline = time.monotonic() + limit_s
    while loadavg() > max_load and time.monotonic() < deadline:
        time.sleep(1)


def free_ports(n):
    """n distinct loopback ports that were free a moment ago."""
    socks, ports = [], []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        socks.append(s)
        ports.append(s.getsockname()[1])
    for s in socks:
        s.close()
    return ports


def make_tls_certs(directory):
    """Mutual-TLS material for the tls rows, made with the openssl tool: a CA
    and, for members 1 and 2, an ECDSA P-256 certificate signed by it (IP SAN
    127.0.0.1, server and client usage). Returns {member: TLS flags}."""
    os.makedirs(directory, exist_ok=True)
    path = lambda name: os.path.join(directory, name)  # noqa: E731
    config = path("openssl.cnf")
    with open(config, "w") as f:
        f.write(TLS_OPENSSL_CONFIG)

    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    def new_key(name):
        return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", path(name + ".key"), "-subj", f"/CN={name}"]

    openssl("req", "-x509", "-config", config, "-extensions", "ca", "-days", "2", "-out", path("ca.crt"),
            *new_key("ca"))
    flags = {}
    for member in ("1", "2"):
        name = f"member-{member}"
        openssl("req", "-new", "-config", config, "-out", path(name + ".csr"), *new_key(name))
        openssl("x509", "-req", "-in", path(name + ".csr"), "-CA", path("ca.crt"), "-CAkey", path("ca.key"),
                "-set_serial", member, "-days", "2", "-extfile", config, "-extensions", "peer",
                "-out", path(name + ".crt"))
        flags[member] = ["--cert-file", path(name + ".crt"), "--key-file", path(name + ".key"),
                         "--trusted-ca-file", path("ca.crt"), "--client-cert-auth"]
    return flags


class Child:
    """A process whose stdout goes to a file, whose stderr is drained by a
    thread (which notices READY), and which a thread reaps with wait4 (for
    its rusage)."""

    def __init__(self, argv, stdout_path):
        self.argv = argv
        self.stdout_path = stdout_path
        self.out = open(stdout_path, "wb")
        self.proc = subprocess.Popen(argv, stdout=self.out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                     preexec_fn=PRIORITY.apply)
        self.ready = threading.Event()
        self.ready_url = None
        self.stderr_lines = []
        self.status = None
        self.rusage = None
        self.exited = threading.Event()
        self.started = time.monotonic()
        self.ended = None
        threading.Thread(target=self._drain, daemon=True).start()
        threading.Thread(target=self._reap, daemon=True).start()

    def _drain(self):
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip("\n")
            if line.startswith("READY ") and not self.ready.is_set():
                self.ready_url = line.split(" ", 1)[1]
                self.ready.set()
            elif len(self.stderr_lines) < 200:
                self.stderr_lines.append(line)

    def _reap(self):
        _, status, rusage = os.wait4(self.proc.pid, 0)
        self.ended = time.monotonic()
        self.status = os.waitstatus_to_exitcode(status)
        self.proc.returncode = self.status
        self.rusage = rusage
        self.ready.set()  # a process that died before READY wakes the waiter
        self.exited.set()

    def wait_ready(self, timeout):
        self.ready.wait(timeout)
        return self.ready_url is not None

    def wait(self, timeout):
        """Waits for the exit; past the timeout SIGTERM (the peers still print
        their JSON), then SIGKILL."""
        if self.exited.wait(timeout):
            return True
        self.signal(signal.SIGTERM)
        if not self.exited.wait(5):
            self.signal(signal.SIGKILL)
            self.exited.wait(5)
        return False

    def signal(self, sig):
        if not self.exited.is_set():
            try:
                os.kill(self.proc.pid, sig)
            except ProcessLookupError:
                pass

    def result(self):
        self.out.close()
        try:
            with open(self.stdout_path) as f:
                text = f.read().strip()
            data = json.loads(text) if text else None
        except (OSError, ValueError):
            data = None
        ru = self.rusage
        return {
            "argv": self.argv,
            "exit": self.status,
            "json": data,
            "cpu_s": (ru.ru_utime + ru.ru_stime) if ru else None,
            "user_s": ru.ru_utime if ru else None,
            "sys_s": ru.ru_stime if ru else None,
            "maxrss_kb": ru.ru_maxrss if ru else None,
            "wall_s": (self.ended - self.started) if self.ended else None,
            "stderr": self.stderr_lines[-20:],
        }


# ------------------------------------------------------------------ suite --

class Suite:
    def __init__(self, args):
        self.args = args
        self.bins = {"cpp": args.cpp, "go": args.go, "go34": args.go34}
        self.work = args.workdir or tempfile.mkdtemp(prefix="rafthttp-bench-")
        os.makedirs(self.work, exist_ok=True)
        self.runs = []      # every pair run, raw
        self.samples = {}   # (row key, impl) -> [values]
        self.counter = 0
        self.scale = 10 if args.quick else 1
        self.tls_flags = None  # {member: flags}, made by run() for the tls workload
        self.digest_modes = [m for m in args.digest.split(",") if m]  # of the throughput rows

    # --- one pair of peers ---

    def run_pair(self, impl, recv_mode, recv_args, send_mode, send_args, timeout, busy_poll=None, tag="",
                 tls=False, digest="full"):
        """Starts the receiver (id 2), waits for READY, runs the sender (id 1)
        to completion, then waits for the receiver. Returns (sender, receiver)
        results, or None after a failure (logged). tls: https:// URLs and the
        members' mutual-TLS flags (self.tls_flags); digest: both peers'
        --digest (full is their default)."""
        wait_for_quiet(self.args.max_load)
        binary = self.bins[impl]
        extra = ["--busy-poll", busy_poll] if busy_poll else []
        if digest != "full":
            extra += ["--digest", digest]
        for attempt in range(3):
            p_send, p_recv = free_ports(2)
            scheme = "https" if tls else "http"
            u_send, u_recv = f"{scheme}://127.0.0.1:{p_send}", f"{scheme}://127.0.0.1:{p_recv}"
            tls_recv, tls_send = (self.tls_flags["2"], self.tls_flags["1"]) if tls else ([], [])
            self.counter += 1
            base = os.path.join(self.work, f"{self.counter:04d}-{impl}-{tag}")
            recv_argv = [binary, "--mode", recv_mode, "--id", "2", "--listen", u_recv, "--peer", f"1={u_send}",
                         "--linger", "100ms"] + recv_args + extra + tls_recv
            send_argv = [binary, "--mode", send_mode, "--id", "1", "--listen", u_send, "--peer", f"2={u_recv}",
                         "--to", "2", "--linger", "100ms"] + send_args + extra + tls_send
            load_before = loadavg()
            receiver = Child(recv_argv, base + "-recv.json")
            if not receiver.wait_ready(15):
                receiver.wait(1)
                r = receiver.result()
                if r["exit"] == 2 and any("address" in l or "in use" in l for l in r["stderr"]):
                    continue  # the port was taken meanwhile: new ports
                log(f"  ! {impl} {tag}: receiver not ready: {r['stderr'][-3:]}")
                return None
            sender = Child(send_argv, base + "-send.json")
            sender.wait(timeout)
            receiver.wait(15)
            s, r = sender.result(), receiver.result()
            if s["exit"] == 2 and any("address" in l or "in use" in l for l in s["stderr"]):
                continue
            run = {"impl": impl, "tag": tag, "sender": s, "receiver": r,
                   "load_before": load_before, "load_after": loadavg()}
            self.runs.append(run)
            if s["json"] is None or r["json"] is None or s["exit"] != 0 or r["exit"] != 0:
                log(f"  ! {impl} {tag}: exit {s['exit']}/{r['exit']}: {s['stderr'][-3:]} {r['stderr'][-3:]}")
                return None
            return s, r
        log(f"  ! {impl} {tag}: no free ports")
        return None

    def run_trio(self, impl, send_args, sink_args, timeout, tag=""):
        """Members 2 (an echo) and 3 (a sink) first, each with member 1 as a
        peer; then member 1 (the sender, `send_args`, both as peers, --to 2)
        to completion; then SIGTERM to the echo and the sink, which print their
        JSON. Returns (sender, echo, sink) results, or None after a failure
        (logged)."""
        wait_for_quiet(self.args.max_load)
        binary = self.bins[impl]
        for attempt in range(3):
            p_send, p_echo, p_sink = free_ports(3)
            u_send, u_echo, u_sink = (f"http://127.0.0.1:{p}" for p in (p_send, p_echo, p_sink))
            self.counter += 1
            base = os.path.join(self.work, f"{self.counter:04d}-{impl}-{tag}")
            back = ["--peer", f"1={u_send}", "--duration", "1h", "--linger", "100ms"]
            echo_argv = [binary, "--mode", "echo", "--id", "2", "--listen", u_echo] + back
            sink_argv = [binary, "--mode", "sink", "--id", "3", "--listen", u_sink] + back + sink_args
            send_argv = [binary, "--mode", "send", "--id", "1", "--listen", u_send, "--peer", f"2={u_echo}",
                         "--peer", f"3={u_sink}", "--to", "2", "--linger", "100ms"] + send_args
            load_before = loadavg()
            receivers = [Child(echo_argv, base + "-echo.json"), Child(sink_argv, base + "-sink.json")]
            ready = [c.wait_ready(15) for c in receivers]
            if not all(ready):
                for c in receivers:
                    c.signal(signal.SIGTERM)
                    c.wait(5)
                results = [c.result() for c in receivers]
                if any(r["exit"] == 2 and any("address" in l or "in use" in l for l in r["stderr"]) for r in results):
                    continue  # a port was taken meanwhile: new ports
                log(f"  ! {impl} {tag}: receivers not ready: {[r['stderr'][-3:] for r in results]}")
                return None
            sender = Child(send_argv, base + "-send.json")
            sender.wait(timeout)
            for c in receivers:
                c.signal(signal.SIGTERM)
            for c in receivers:
                c.wait(15)
            s, e, k = sender.result(), receivers[0].result(), receivers[1].result()
            if s["exit"] == 2 and any("address" in l or "in use" in l for l in s["stderr"]):
                continue
            run = {"impl": impl, "tag": tag, "sender": s, "receiver": e, "sink": k,
                   "load_before": load_before, "load_after": loadavg()}
            self.runs.append(run)
            if any(x["json"] is None or x["exit"] != 0 for x in (s, e, k)):
                log(f"  ! {impl} {tag}: exit {s['exit']}/{e['exit']}/{k['exit']}: "
                    f"{s['stderr'][-3:]} {e['stderr'][-3:]} {k['stderr'][-3:]}")
                return None
            return s, e, k
        log(f"  ! {impl} {tag}: no free ports")
        return None

    def add(self, key, impl, value):
        if value is None:
            return
        self.samples.setdefault((key, impl), []).append(value)

    # --- workloads ---

    def acked(self, impl, size, rep, tls=False, digest="full"):
        count = max(200, ACKED_COUNTS[size] // self.scale)
        pre = "tls/" if tls else ""
        cheap = "-cheap" if digest == "cheap" else ""
        res = self.run_pair(impl, "echo", ["--expect", str(count), "--idle", "10s"],
                            "send", ["--type", "MsgApp", "--entries", "1", "--entry-size", str(size),
                                     "--count", str(count), "--await-acks", "--window", "512"],
                            timeout=180, tag=f"{pre.replace('/', '-')}acked-{size}{cheap}", tls=tls, digest=digest)
        if not res:
            return
        s, r = res
        acks = s["json"]["acks"]
        if acks["acked"] != count or s["json"]["stop_reason"] != "done":
            log(f"  ! {impl} {pre}acked {size}: acked {acks['acked']}/{count} ({s['json']['stop_reason']})")
            return
        if not digests_match(s["json"], r["json"].get("senders", {}).get("1", {}), digest,
                             f"{impl} {pre}acked {size}{cheap}"):
            return
        k = f"{pre}acked{cheap}/{size}"
        self.add(k + "/msgs", impl, acks["msgs_per_s"])
        self.add(k + "/mb", impl, acks["mb_per_s"])
        self.add(k + "/p50", impl, acks["latency_us"]["p50"])
        self.add(k + "/p99", impl, acks["latency_us"]["p99"])
        self.add(k + "/cpu_send", impl, s["cpu_s"] / count * 1e6)
        self.add(k + "/cpu_recv", impl, r["cpu_s"] / max(1, r["json"]["messages"]) * 1e6)
        self.add(k + "/rss_send", impl, s["json"]["peak_rss_kb"] / 1024)
        self.add(k + "/rss_recv", impl, r["json"]["peak_rss_kb"] / 1024)
        log(f"    {impl:>4} {pre}acked{cheap} {size:>8} B: {acks['msgs_per_s']:>10.0f} msgs/s {acks['mb_per_s']:>8.1f} MB/s "
            f"cpu {s['cpu_s']:.2f}+{r['cpu_s']:.2f} s rss {s['json']['peak_rss_kb']}/{r['json']['peak_rss_kb']} kB "
            f"load {loadavg():.1f}")

    def latency(self, impl, window, rep, busy_poll=None, tls=False):
        pre = "tls/" if tls else ""
        count = max(500, (LATENCY_W1_COUNT if window == 1 else LATENCY_W256_COUNT) // self.scale)
        res = self.run_pair(impl, "echo", ["--expect", str(count), "--idle", "10s"],
                            "send", ["--type", "MsgApp", "--entries", "1", "--entry-size", str(LATENCY_SIZE),
                                     "--count", str(count), "--await-acks", "--window", str(window)],
                            timeout=180, busy_poll=busy_poll, tls=tls,
                            tag=f"{pre.replace('/', '-')}lat-w{window}" + ("-busy" if busy_poll else ""))
        if not res:
            return
        s, r = res
        acks = s["json"]["acks"]
        if acks["acked"] != count:
            log(f"  ! {impl} latency w{window}: acked {acks['acked']}/{count}")
            return
        k = pre + f"{'busy' if busy_poll else 'lat'}/w{window}"
        lat = acks["latency_us"]
        self.add(k + "/msgs", impl, acks["msgs_per_s"])
        for p in ("p50", "p99", "p999"):
            self.add(k + "/" + p, impl, lat[p])
        self.add(k + "/cpu_send", impl, s["cpu_s"] / count * 1e6)
        self.add(k + "/cpu_recv", impl, r["cpu_s"] / max(1, r["json"]["messages"]) * 1e6)
        log(f"    {impl} {pre}{'busy-poll ' if busy_poll else ''}window {window:>3}: {acks['msgs_per_s']:>9.0f} msgs/s "
            f"p50 {lat['p50']:.1f} p99 {lat['p99']:.1f} p99.9 {lat['p999']:.1f} us load {loadavg():.1f}")

    def oneway_trial(self, impl, rate, count):
        """One paced (rate > 0) or unpaced run into a sink with --on-drop drop.
        Returns (lossless, achieved msgs/s, result) or None."""
        send_args = ["--type", "MsgApp", "--entries", "1", "--entry-size", str(LATENCY_SIZE), "--count", str(count),
                     "--on-drop", "drop", "--wait-streams", "msgapp,message"]
        if rate:
            send_args += ["--rate", f"{rate:.0f}"]
        res = self.run_pair(impl, "sink", ["--expect", str(count), "--idle", "2s"], "send", send_args,
                            timeout=120, tag=f"oneway-{int(rate)}")
        if not res:
            return None
        s, r = res
        sj, rj = s["json"], r["json"]
        drops = sj["dropped"] + rj.get("recv_drops", 0)
        lossless = drops == 0 and rj["messages"] == count and sj["sent"] == count
        achieved = rj["msgs_per_s"] if rj["messages"] else 0.0
        return lossless, achieved, (s, r)

    def oneway(self, impl, rep):
        """The highest paced rate with zero drops: an unpaced probe (if it
        drops nothing, its rate is the answer), then a short bisection
        between 0 and the unpaced rate; each trial lasts ONEWAY_SECONDS."""
        probe_count = max(5_000, 300_000 // self.scale)
        t = self.oneway_trial(impl, 0, probe_count)
        if not t:
            return
        lossless, achieved, _ = t
        trials = [("unpaced", achieved, lossless)]
        if lossless:
            best = achieved
        else:
            lo, hi = 0.0, max(achieved, 1000.0) * 1.05
            best = None
            steps = 3 if self.args.quick else ONEWAY_STEPS
            for _ in range(steps):
                mid = (lo + hi) / 2 if lo > 0 else hi / 2
                count = max(2_000, int(mid * ONEWAY_SECONDS))
                t = self.oneway_trial(impl, mid, count)
                if not t:
                    break
                ok, got, _ = t
                ok = ok and got >= 0.9 * mid
                trials.append((f"{mid:.0f}", got, ok))
                if ok:
                    lo, best = mid, got
                else:
                    hi = mid
                if hi - lo < 0.05 * hi:
                    break
        tried = ", ".join(f"{r}:{'ok' if ok else 'drop'}" for r, _, ok in trials)
        log(f"    {impl} one-way lossless: {best if best else 0:.0f} msgs/s  [{tried}] load {loadavg():.1f}")
        if best:
            self.add("oneway/msgs", impl, best)
            # MB/s as the peers count it: protobuf bytes of the messages.
            size = self.msg_bytes.get(impl)
            if size:
                self.add("oneway/mb", impl, best * size / 1e6)
        self.oneway_trials = getattr(self, "oneway_trials", [])
        self.oneway_trials.append({"impl": impl, "rep": rep, "trials": trials})

    def snapshot(self, impl, size, rep, tls=False, digest="full", tmpfs=False):
        pre = "tls/" if tls else ""
        cheap = "-cheap" if digest == "cheap" else ""
        where = "-tmpfs" if tmpfs else ""
        root = tempfile.mkdtemp(prefix="rafthttp-bench-", dir=TMPFS_ROOT) if tmpfs else self.work
        snap_dir = os.path.join(root, f"snap-{impl}-{size}-{rep}{'-tls' if tls else ''}{cheap}")
        os.makedirs(snap_dir, exist_ok=True)
        try:
            res = self.run_pair(impl, "sink", ["--expect", "1", "--snap-dir", snap_dir, "--idle", "30s"],
                                "snapshot", ["--db-size", str(size), "--snap-timeout", "300s",
                                             "--snap-index", str(100 + rep)],
                                timeout=400, tag=f"{pre.replace('/', '-')}snap-{size}{cheap}", tls=tls, digest=digest)
        finally:
            shutil.rmtree(root if tmpfs else snap_dir, ignore_errors=True)
        if not res:
            return
        s, r = res
        sj = s["json"]
        if sj["status"] != "finish":
            log(f"  ! {impl} {pre}snapshot {size}: {sj['status']}")
            return
        # The DB must arrive whole: the receiver's SHA-256 (--digest cheap:
        # check64) of the saved file is the sender's.
        key = "db_check64" if digest == "cheap" else "db_sha256"
        received = [db.get(key) for db in r["json"].get("snapshots", [])]
        if not sj.get(key) or sj.get(key) not in received:
            log(f"  ! {impl} {pre}snapshot {size}{cheap}: {key} {sj.get(key)} not among the received {received}")
            return
        k = f"{pre}snap{where}{cheap}/{size}"
        self.add(k + "/mb", impl, sj["mb_per_s"])
        self.add(k + "/rss_send", impl, sj["peak_rss_kb"] / 1024)
        self.add(k + "/rss_recv", impl, r["json"]["peak_rss_kb"] / 1024)
        self.add(k + "/cpu_send", impl, s["cpu_s"] / (size / 1e9))
        self.add(k + "/cpu_recv", impl, r["cpu_s"] / (size / 1e9))
        log(f"    {impl:>4} {pre}snapshot{where}{cheap} {size >> 20:>5} MiB: {sj['mb_per_s']:.0f} MB/s rss {sj['peak_rss_kb']}/"
            f"{r['json']['peak_rss_kb']} kB cpu {s['cpu_s']:.2f}+{r['cpu_s']:.2f} s load {loadavg():.1f}")

    def hbsnap_run(self, impl, rep, size):
        """One window-1 heartbeat run: idle (size 0) or during a `size`-byte
        snapshot to member 3. Returns the sender's latency_us, or None."""
        during = size > 0
        tmpfs = HBSNAP_TMPFS if os.path.isdir(HBSNAP_TMPFS) else self.work
        files = tempfile.mkdtemp(prefix=f"rafthttp-bench-hbsnap-{impl}-", dir=tmpfs)
        send_dir, sink_dir = os.path.join(files, "send"), os.path.join(files, "sink")
        count = HBSNAP_MAX_COUNT if during else max(500, HBSNAP_IDLE_COUNT // self.scale)
        send_args = ["--type", HBSNAP_TYPE, "--await-acks", "--window", "1", "--count", str(count),
                     "--snap-dir", send_dir]
        if during:
            send_args += ["--background-snapshot-to", "3", "--db-size", str(size), "--snap-timeout", "300s",
                          "--snap-index", str(100 + rep)]
        try:
            res = self.run_trio(impl, send_args, ["--snap-dir", sink_dir], timeout=400,
                                tag=f"hbsnap-{size if during else 'idle'}")
        finally:
            shutil.rmtree(files, ignore_errors=True)
        if not res:
            return None
        s, _, k = res
        sj = s["json"]
        acks, bg = sj["acks"], sj.get("background_snapshot")
        what = f"{impl} hbsnap {'during ' + size_name(size) if during else 'idle'}"
        if acks["acked"] != sj["sent"] or acks["unmatched"] or sj["stop_reason"] not in ("done", "snapshot-ended"):
            log(f"  ! {what}: acked {acks['acked']}/{sj['sent']} ({sj['stop_reason']})")
            return None
        if during:
            received = [db.get("db_sha256") for db in k["json"].get("snapshots", [])]
            if bg is None or bg["status"] != "finish" or not bg["overlap"] or bg["db_sha256"] not in received:
                log(f"  ! {what}: background snapshot {bg}, sink's digests {received}")
                return None
            self.add(f"hbsnap/{size}/mb", impl, bg["mb_per_s"])
            self.add(f"hbsnap/{size}/count", impl, acks["latency_us"]["count"])
        elif acks["acked"] != count:
            log(f"  ! {what}: acked {acks['acked']}/{count}")
            return None
        return acks["latency_us"]

    def hbsnap(self, impl, rep):
        """Window-1 heartbeat p50/p99 idle and during a snapshot to another
        peer (idle first in even repetitions, second in odd ones); the ratio
        of the two p99s is taken within the repetition."""
        size = HBSNAP_QUICK_SIZE if self.args.quick else HBSNAP_SIZE
        if rep % 2 == 0:
            idle = self.hbsnap_run(impl, rep, 0)
            during = self.hbsnap_run(impl, rep, size)
        else:
            during = self.hbsnap_run(impl, rep, size)
            idle = self.hbsnap_run(impl, rep, 0)
        for k, lat in (("hbsnap/idle", idle), (f"hbsnap/{size}", during)):
            if lat:
                for p in ("p50", "p99", "p999"):
                    self.add(f"{k}/{p}", impl, lat[p])
        if idle and during and idle["p99"] > 0:
            self.add(f"hbsnap/{size}/ratio99", impl, during["p99"] / idle["p99"])
            log(f"    {impl:>4} hbsnap: idle p50 {idle['p50']:.1f} p99 {idle['p99']:.1f} us ({idle['count']} round trips); "
                f"during {size_name(size)} p50 {during['p50']:.1f} p99 {during['p99']:.1f} us ({during['count']}); "
                f"p99 during / idle {during['p99'] / idle['p99']:.2f} load {loadavg():.1f}")

    def ceilings(self, rep):
        wait_for_quiet(self.args.max_load)
        c = self.args.ceiling
        nbytes = BANDWIDTH_BYTES // (4 if self.args.quick else 1)
        out = run_json([c, "bandwidth", "--bytes", str(nbytes), "--chunk", str(MIB)])
        if out:
            self.add("ceil/bw", "ref", out["mb_per_s"])
            log(f"    ceiling loopback TCP: {out['mb_per_s']:.0f} MB/s")
        count = max(1000, PINGPONG_COUNT // self.scale)
        # key, flags, what the log calls it
        for k, flags, name in (("ceil/block", [], "blocking"),
                               ("ceil/busy", ["--busy-poll"], "busy-poll"),
                               ("ceil/block2", ["--two-connections"], "blocking, two connections")):
            argv = [c, "pingpong", "--size", str(PINGPONG_REQUEST), "--reply", str(PINGPONG_REPLY),
                    "--count", str(count), "--warmup", "1000"] + flags
            out = run_json(argv, timeout=300)
            if not out:
                continue
            for p in ("p50", "p99", "p999"):
                self.add(f"{k}/{p}", "ref", out["latency_us"][p])
            log(f"    ceiling ping-pong {name}: p50 {out['latency_us']['p50']:.1f} "
                f"p99 {out['latency_us']['p99']:.1f} p99.9 {out['latency_us']['p999']:.1f} us load {loadavg():.1f}")

    def micro(self):
        argv = [self.args.micro, "--json"] + (["--quick"] if self.args.quick else [])
        log("  micro: " + " ".join(argv))
        try:
            out = subprocess.run(argv, capture_output=True, text=True, timeout=900, preexec_fn=PRIORITY.apply)
            self.micro_rows = json.loads(out.stdout)
        except (subprocess.SubprocessError, ValueError) as e:
            log(f"  ! micro failed: {e}")
            self.micro_rows = []

    def measure_message_bytes(self):
        """The protobuf size of one 128 B MsgApp as the peers count it (for the
        one-way MB/s), from a tiny unacked run."""
        self.msg_bytes = {}
        for impl in IMPLS:
            if impl not in self.impls:
                continue
            t = self.oneway_trial(impl, 0, 100)
            if t:
                s, _ = t[2]
                self.msg_bytes[impl] = s["json"]["bytes"] / max(1, s["json"]["sent"])

    # --- the whole suite ---

    def run(self):
        want = set(self.args.only.split(",")) if self.args.only else None
        on = lambda w: want is None or w in want  # noqa: E731
        self.impls = [i for i in IMPLS if self.bins.get(i)]
        reps = 1 if self.args.quick and not self.args.reps_given else self.args.reps
        self.started = time.time()
        self.load_start = os.getloadavg()
        if on("oneway"):
            self.measure_message_bytes()
        if on("tls"):
            try:
                self.tls_flags = make_tls_certs(os.path.join(self.work, "pki"))
            except (OSError, subprocess.SubprocessError) as e:
                log(f"  ! tls: no certificates (is the openssl tool installed?): {e}")
        for rep in range(reps):
            order = list(self.impls) if rep % 2 == 0 else list(reversed(self.impls))
            log(f"== repetition {rep + 1}/{reps} (order: {' then '.join(LABEL[i] for i in order)})")
            if on("ceiling"):
                self.ceilings(rep)
            if on("acked"):
                for size in ACKED_COUNTS:
                    for digest in self.digest_modes if size in DIGEST_BOTH_ACKED else ("full",):
                        for impl in order:
                            self.acked(impl, size, rep, digest=digest)
            if on("latency"):
                for window in (1, 256):
                    for impl in order:
                        self.latency(impl, window, rep)
            if on("busypoll") and "cpp" in self.impls:
                for window in (1, 256):
                    self.latency("cpp", window, rep, busy_poll=BUSY_POLL)
            if on("oneway"):
                for impl in order:
                    self.oneway(impl, rep)
            if on("snapshot"):
                for size in SNAPSHOT_SIZES:
                    for digest in self.digest_modes:
                        for impl in order:
                            self.snapshot(impl, size, rep, digest=digest)
                if os.path.isdir(TMPFS_ROOT):
                    for digest in self.digest_modes:
                        for impl in order:
                            self.snapshot(impl, TMPFS_SNAPSHOT_SIZE, rep, digest=digest, tmpfs=True)
            if on("hbsnap"):
                for impl in order:
                    self.hbsnap(impl, rep)
            if on("tls") and self.tls_flags:
                for size in TLS_ACKED_SIZES:
                    for impl in order:
                        self.acked(impl, size, rep, tls=True)
                for impl in order:
                    self.latency(impl, 1, rep, tls=True)
                for impl in order:
                    self.snapshot(impl, TLS_SNAPSHOT_SIZE, rep, tls=True)
        self.micro_rows = []
        if on("micro") and self.args.micro:
            self.micro()
        self.finished = time.time()
        self.load_end = os.getloadavg()


def digests_match(sent, received, digest, what):
    """The receiver's digests of what member 1 sent equal the sender's:
    sha256 with --digest full, check64 with --digest cheap (both acked runs
    go over the streams, in order)."""
    keys = ("check64", "check64_unordered") if digest == "cheap" else ("sha256", "digest_unordered")
    want, got = [sent.get(k) for k in keys], [received.get(k) for k in keys]
    if not all(want) or want != got:
        log(f"  ! {what}: the receiver's {'/'.join(keys)} {got} are not the sender's {want}")
        return False
    return True


def run_json(argv, timeout=120):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, preexec_fn=PRIORITY.apply)
        if out.returncode != 0:
            log(f"  ! {' '.join(argv)}: exit {out.returncode}: {out.stderr.strip()[-200:]}")
            return None
        return json.loads(out.stdout)
    except (subprocess.SubprocessError, ValueError) as e:
        log(f"  ! {' '.join(argv)}: {e}")
        return None


# ------------------------------------------------------------------ table --

def median(values):
    return statistics.median(values) if values else None


def fmt(v, unit):
    if v is None:
        return "—"
    if unit in ("msgs/s",):
        return f"{v:,.0f}"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:.0f}"
    if abs(v) >= 10:
        return f"{v:.1f}"
    return f"{v:.2f}"


def build_rows(suite):
    """[(section, label, unit, cpp, go 3.7, C++/Go 3.7, go 3.4, C++/Go 3.4, target text, verdict)]:
    the targets are checked against Go 3.7."""
    S = suite.samples
    med = lambda key, impl: median(S.get((key, impl), []))  # noqa: E731
    rows = []

    def ratio_of(c, g):
        return c / g if c is not None and g not in (None, 0) else None

    def pair(section, label, unit, key, target=None, check=None, go_key=None):
        c, g, g34 = med(key, "cpp"), med(go_key or key, "go"), med(go_key or key, "go34")
        ratio = ratio_of(c, g)
        verdict = ""
        if check is not None and c is not None:
            ok = check(c, g, ratio)
            verdict = "" if ok is None else ("met" if ok else "NOT met")
        rows.append((section, label, unit, c, g, ratio, g34, ratio_of(c, g34), target or "", verdict))

    def ref(section, label, unit, key):
        rows.append((section, label, unit, med(key, "ref"), None, None, None, None, "", ""))

    ceil_bw = med("ceil/bw", "ref")
    floor_p50 = med("ceil/block/p50", "ref")
    floor2_p50 = med("ceil/block2/p50", "ref")

    sec = "Ceilings (plain loopback TCP, same run)"
    ref(sec, "TCP bandwidth, 1 MiB writes", "MB/s", "ceil/bw")
    for p, name in (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")):
        ref(sec, f"ping-pong {PINGPONG_REQUEST}/{PINGPONG_REPLY} B blocking {name}", "µs", f"ceil/block/{p}")
    for p, name in (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")):
        ref(sec, f"ping-pong {PINGPONG_REQUEST}/{PINGPONG_REPLY} B busy-poll {name}", "µs", f"ceil/busy/{p}")
    for p, name in (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")):
        ref(sec, f"ping-pong {PINGPONG_REQUEST}/{PINGPONG_REPLY} B blocking, two connections {name}", "µs",
            f"ceil/block2/{p}")

    sec = "Acked throughput: send --await-acks --window 512, MsgApp × 1 entry"
    for size in ACKED_COUNTS:
        name = size_name(size)
        if size == 128:
            pair(sec, f"{name} entries", "msgs/s", f"acked/{size}/msgs", "≥ 4× Go",
                 lambda c, g, r: r is not None and r >= 4)
        else:
            pair(sec, f"{name} entries", "msgs/s", f"acked/{size}/msgs")
        if size == MIB:
            # Issue 16's targets: 2x Go with the digests, 75 % of loopback without.
            pair(sec, f"{name} entries", "MB/s", f"acked/{size}/mb", "≥ 2× Go",
                 lambda c, g, r: r is not None and r >= 2)
        else:
            pair(sec, f"{name} entries", "MB/s", f"acked/{size}/mb")
        pair(sec, f"{name} entries, latency p50 (window 512)", "µs", f"acked/{size}/p50")
        if size in DIGEST_BOTH_ACKED:
            pair(sec, f"{name} entries, digests off (--digest cheap)", "msgs/s", f"acked-cheap/{size}/msgs")
            if size == MIB:
                pair(sec, f"{name} entries, digests off (--digest cheap)", "MB/s", f"acked-cheap/{size}/mb",
                     f"≥ 75 % of ceiling ({fmt(ceil_bw * 0.75, 'MB/s') if ceil_bw else '?'})",
                     lambda c, g, r: None if ceil_bw is None else c >= 0.75 * ceil_bw)
            else:
                pair(sec, f"{name} entries, digests off (--digest cheap)", "MB/s", f"acked-cheap/{size}/mb")

    sec = f"Latency: MsgApp × 1 entry of {LATENCY_SIZE} B against an echo"
    pair(sec, "window 1 p50", "µs", "lat/w1/p50",
         f"≤ 1.1 × blocking ping-pong ({fmt(floor_p50 * 1.1, 'µs') if floor_p50 else '?'})",
         lambda c, g, r: None if floor_p50 is None else c <= 1.1 * floor_p50)
    # The same against the floor of the protocol's shape: rafthttp sends the
    # request and the answer over two streams, i.e. two TCP connections.
    pair(sec, "window 1 p50 (against the two-connection ping-pong)", "µs", "lat/w1/p50",
         f"≤ 1.1 × two-connection ping-pong ({fmt(floor2_p50 * 1.1, 'µs') if floor2_p50 else '?'})",
         lambda c, g, r: None if floor2_p50 is None else c <= 1.1 * floor2_p50)
    pair(sec, "window 1 p99", "µs", "lat/w1/p99", "≤ 0.6× Go", lambda c, g, r: r is not None and r <= 0.6)
    pair(sec, "window 1 p99.9", "µs", "lat/w1/p999")
    pair(sec, "window 1 round trips", "msgs/s", "lat/w1/msgs")
    pair(sec, "window 256 throughput", "msgs/s", "lat/w256/msgs")
    pair(sec, "window 256 p50", "µs", "lat/w256/p50")
    pair(sec, "window 256 p99", "µs", "lat/w256/p99")
    pair(sec, "window 256 p99.9", "µs", "lat/w256/p999")

    sec = f"Low-latency mode: C++ with --busy-poll {BUSY_POLL} (both peers) vs Go (no such mode)"
    pair(sec, "window 1 p50", "µs", "busy/w1/p50", "≤ 0.2× Go", lambda c, g, r: r is not None and r <= 0.2,
         go_key="lat/w1/p50")
    pair(sec, "window 1 p99", "µs", "busy/w1/p99", go_key="lat/w1/p99")
    pair(sec, "window 1 p99.9", "µs", "busy/w1/p999", go_key="lat/w1/p999")
    pair(sec, "window 256 throughput", "msgs/s", "busy/w256/msgs", go_key="lat/w256/msgs")
    pair(sec, "window 256 p50", "µs", "busy/w256/p50", go_key="lat/w256/p50")
    pair(sec, "CPU per msg, sender (window 1)", "µs", "busy/w1/cpu_send", go_key="lat/w1/cpu_send")

    sec = f"One-way lossless: highest paced --rate with zero drops, {LATENCY_SIZE} B entries, into a sink"
    # Not the same mechanism on both sides: ours cannot drop, Go's can.
    oneway_note = ("C++: process() is synchronous, a receiver cannot drop (the sender's queue fills instead); "
                   "Go: a 4096-message receive queue that drops when full (recv_drops)")
    pair(sec, "lossless rate", "msgs/s", "oneway/msgs", oneway_note)
    pair(sec, "lossless rate", "MB/s", "oneway/mb")

    sec = "Snapshots: send_snapshot of a DB, MsgSnap via POST /raft/snapshot"
    for size in SNAPSHOT_SIZES:
        name = size_name(size)
        pair(sec, f"{name} DB", "MB/s", f"snap/{size}/mb",
             f"≥ 75 % of ceiling ({fmt(ceil_bw * 0.75, 'MB/s') if ceil_bw else '?'})",
             lambda c, g, r: None if ceil_bw is None else c >= 0.75 * ceil_bw)
        pair(sec, f"{name} DB, peak RSS sender", "MiB", f"snap/{size}/rss_send", "≤ 0.25× Go",
             lambda c, g, r: r is not None and r <= 0.25)
        pair(sec, f"{name} DB, peak RSS receiver", "MiB", f"snap/{size}/rss_recv", "≤ 0.25× Go",
             lambda c, g, r: r is not None and r <= 0.25)
        pair(sec, f"{name} DB, CPU sender (whole process)", "s/GB", f"snap/{size}/cpu_send")
        pair(sec, f"{name} DB, CPU receiver (whole process)", "s/GB", f"snap/{size}/cpu_recv")
        pair(sec, f"{name} DB, digests off (--digest cheap)", "MB/s", f"snap-cheap/{size}/mb")
        pair(sec, f"{name} DB, digests off: CPU sender (whole process)", "s/GB", f"snap-cheap/{size}/cpu_send")
        pair(sec, f"{name} DB, digests off: CPU receiver (whole process)", "s/GB", f"snap-cheap/{size}/cpu_recv")

    name = size_name(TMPFS_SNAPSHOT_SIZE)
    key = f"snap-tmpfs/{TMPFS_SNAPSHOT_SIZE}"
    pair(sec, f"{name} DB into a tmpfs ({TMPFS_ROOT})", "MB/s", f"{key}/mb", "≥ 2× Go",
         lambda c, g, r: r is not None and r >= 2)
    pair(sec, f"{name} DB into a tmpfs, digests off", "MB/s", f"snap-tmpfs-cheap/{TMPFS_SNAPSHOT_SIZE}/mb",
         f"≥ 75 % of ceiling ({fmt(ceil_bw * 0.75, 'MB/s') if ceil_bw else '?'})",
         lambda c, g, r: None if ceil_bw is None else c >= 0.75 * ceil_bw)
    pair(sec, f"{name} DB into a tmpfs, CPU sender (whole process)", "s/GB", f"{key}/cpu_send")
    pair(sec, f"{name} DB into a tmpfs, CPU receiver (whole process)", "s/GB", f"{key}/cpu_recv")

    size = HBSNAP_QUICK_SIZE if suite.args.quick else HBSNAP_SIZE
    name = size_name(size)
    sec = (f"Heartbeats while a snapshot streams: window-1 {HBSNAP_TYPE} round trips to member 2, idle and while a "
           f"{name} snapshot streams to member 3 (--background-snapshot-to; DB files in a tmpfs)")
    for p, pname in (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")):
        pair(sec, f"idle {pname}", "µs", f"hbsnap/idle/{p}")
    for p, pname in (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")):
        pair(sec, f"during the {name} snapshot {pname}", "µs", f"hbsnap/{size}/{p}")
    pair(sec, "p99 during / p99 idle (same repetition)", "×", f"hbsnap/{size}/ratio99", "≤ 2× idle",
         lambda c, g, r: c <= 2)
    pair(sec, f"{name} snapshot beside the heartbeats", "MB/s", f"hbsnap/{size}/mb")
    pair(sec, "round trips measured during the snapshot", "count", f"hbsnap/{size}/count")

    sec = "TLS (mutual, TLS 1.3 / the default suites)"
    for size in TLS_ACKED_SIZES:
        name = size_name(size)
        pair(sec, f"acked {name} entries (window 512)", "msgs/s", f"tls/acked/{size}/msgs")
        pair(sec, f"acked {name} entries (window 512)", "MB/s", f"tls/acked/{size}/mb")
        pair(sec, f"acked {name}: CPU per msg, sender", "µs", f"tls/acked/{size}/cpu_send")
        pair(sec, f"acked {name}: CPU per msg, echo", "µs", f"tls/acked/{size}/cpu_recv")
    for p, name in (("p50", "p50"), ("p99", "p99"), ("p999", "p99.9")):
        pair(sec, f"latency {size_name(LATENCY_SIZE)}, window 1 {name}", "µs", f"tls/lat/w1/{p}")
    name = size_name(TLS_SNAPSHOT_SIZE)
    pair(sec, f"snapshot {name} DB", "MB/s", f"tls/snap/{TLS_SNAPSHOT_SIZE}/mb")
    pair(sec, f"snapshot {name} DB, CPU sender (whole process)", "s/GB", f"tls/snap/{TLS_SNAPSHOT_SIZE}/cpu_send")
    pair(sec, f"snapshot {name} DB, CPU receiver (whole process)", "s/GB",
         f"tls/snap/{TLS_SNAPSHOT_SIZE}/cpu_recv")

    sec = "CPU per message (user+sys of the whole process / messages) and peak RSS, acked rows"
    for size in ACKED_COUNTS:
        name = size_name(size)
        headline = size == 128
        for side, what in (("send", "sender"), ("recv", "echo")):
            pair(sec, f"{name}: CPU per msg, {what}", "µs", f"acked/{size}/cpu_{side}",
                 "≤ 0.25× Go" if headline else None,
                 (lambda c, g, r: r is not None and r <= 0.25) if headline else None)
        for side, what in (("send", "sender"), ("recv", "echo")):
            if headline:
                pair(sec, f"{name}: peak RSS, {what}", "MiB", f"acked/{size}/rss_{side}", "≤ 0.25× Go",
                     lambda c, g, r: r is not None and r <= 0.25)
            elif size == MIB and side == "send":
                # Issue 16: what the stream writer keeps at large entries.
                pair(sec, f"{name}: peak RSS, {what}", "MiB", f"acked/{size}/rss_{side}", "≤ 2× Go",
                     lambda c, g, r: r is not None and r <= 2)
            else:
                pair(sec, f"{name}: peak RSS, {what}", "MiB", f"acked/{size}/rss_{side}")
    for window in (1, 256):
        for side, what in (("send", "sender"), ("recv", "echo")):
            pair(sec, f"latency window {window}: CPU per msg, {what}", "µs", f"lat/w{window}/cpu_{side}")
    return rows


def size_name(n):
    if n >= GIB:
        return f"{n // GIB} GiB"
    if n >= MIB:
        return f"{n // MIB} MiB"
    if n >= KIB:
        return f"{n // KIB} KiB"
    return f"{n} B"


def render_table(rows, samples_count):
    out = []
    out.append("| row | unit | C++ | Go 3.7 | C++/Go 3.7 | Go 3.4 | C++/Go 3.4 | target / note | |")
    out.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    section = None
    for sec, label, unit, c, g, ratio, g34, ratio34, target, verdict in rows:
        if sec != section:
            out.append(f"| **{sec}** | | | | | | | | |")
            section = sec
        r = f"{ratio:.2f}" if ratio is not None else ""
        r34 = f"{ratio34:.2f}" if ratio34 is not None else ""
        out.append(f"| {label} | {unit} | {fmt(c, unit)} | {fmt(g, unit) if g is not None else ''} | {r} | "
                   f"{fmt(g34, unit) if g34 is not None else ''} | {r34} | {target} | {verdict} |")
    return "\n".join(out)


def render_micro(rows):
    if not rows:
        return ""
    out = ["| case | CPU ns/msg | wall msgs/s | allocs/msg | alloc B/msg | allocs in send() / process() / event loop | "
           "target: 0 allocs |",
           "| --- | ---: | ---: | ---: | ---: | --- | --- |"]
    for r in rows:
        split, verdict = "", ""
        if r["name"].startswith("transport"):
            split = f"{r['allocs_send_call']:.4f} / {r['allocs_process_call']:.4f} / {r['allocs_event_loop']:.4f}"
            verdict = "met" if r["allocs_per_msg"] == 0 else "NOT met"
        out.append(f"| {r['name']} | {r['cpu_ns_per_msg']:.1f} | {r['wall_msgs_per_s']:,.0f} | "
                   f"{r['allocs_per_msg']:.4f} | {r['alloc_bytes_per_msg']:.1f} | {split} | {verdict} |")
    # Issue 9: the counters' share of the hot path, same bursts of 256.
    ns = {r["name"]: r["cpu_ns_per_msg"] for r in rows}
    counters, transport = ns.get("metrics counters per MsgApp, batch 256"), ns.get("transport one-way MsgApp 1x128B")
    if counters is not None and transport:
        out.append("")
        out.append(f"Metric and v2-stats updates: {counters:.1f} ns/msg (bursts of 256), "
                   f"{100 * counters / transport:.1f} % of the transport one-way MsgApp 1x128B case "
                   f"({transport:.0f} ns/msg), which includes them.")
    return "\n".join(out)


def machine_text():
    model = "?"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"nproc {os.cpu_count()}, CPU {model}, kernel {platform.release()}, Python {platform.python_version()}"


def linkage(binary):
    """The shared libraries an ELF executable needs (its DT_NEEDED entries,
    as ldd lists them), or 'static'."""
    try:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return "?"
    libs = [line.split()[0] for line in out.splitlines()
            if "=>" in line and not line.strip().startswith("linux-vdso")]
    return "shared " + " ".join(libs) if libs else "static"


def go_build_text(binary):
    """The Go toolchain a Go peer was built with (`go version BINARY`)."""
    go = shutil.which("go") or "/usr/local/go/bin/go"
    try:
        out = subprocess.run([go, "version", binary], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "built with ?"
    return "built with " + (out.rsplit(": ", 1)[-1] if out else "?")


def etcd_release(suite, impl):
    """The etcd release a peer reported (its JSON's etcd_version)."""
    for run in suite.runs:
        if run["impl"] == impl and run["sender"]["json"]:
            return run["sender"]["json"].get("etcd_version", "?")
    return "?"


def report(suite):
    rows = build_rows(suite)
    reps = {}
    for (key, impl), vals in suite.samples.items():
        reps[impl] = max(reps.get(impl, 0), len(vals))
    lines = []
    if suite.args.note:
        lines.append(suite.args.note)
    lines.append(f"machine: {machine_text()}")
    lines.append("executables: C++ peer " + linkage(suite.args.cpp)
                 + "".join(f", {LABEL[i]} peer " + linkage(suite.bins[i]) for i in ("go", "go34") if suite.bins[i]))
    for impl in ("go", "go34"):
        if suite.bins[impl]:
            lines.append(f"{LABEL[impl]} peer: {go_build_text(suite.bins[impl])}, etcd {etcd_release(suite, impl)}")
    lines.append("digest modes of the throughput rows (acked 64 KiB/1 MiB, snapshots): "
                 + ", ".join(suite.digest_modes) + "; every other row: full (SHA-256)")
    lines.append(f"load average (1 min): {suite.load_start[0]:.2f} at start, {suite.load_end[0]:.2f} at end; "
                 f"suite took {suite.finished - suite.started:.0f} s; repetitions: "
                 + ", ".join(f"{LABEL.get(i, i)} {n}" for i, n in sorted(reps.items()))
                 + (f"; benchmark processes at nice {suite.args.nice}" if suite.args.nice else ""))
    loads = [r["load_before"] for r in suite.runs]
    if loads:
        lines.append(f"load average before each pair run: min {min(loads):.2f}, median {statistics.median(loads):.2f}, "
                     f"max {max(loads):.2f}")
    lines.append("")
    lines.append(render_table(rows, reps))
    micro = render_micro(suite.micro_rows)
    if micro:
        lines.append("")
        lines.append("In-process microbenchmarks (C++ only, benchmarks/micro; CPU time per message):")
        lines.append("")
        lines.append(micro)
    return "\n".join(lines), rows


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cpp", default=os.path.join(ROOT, "build-bench", "examples", "rafthttp-peer"))
    ap.add_argument("--go", default=os.path.join(ROOT, "build-bench", "goref", "rafthttp-peer-go-3.7"),
                    help="the etcd 3.7 Go reference peer: the main Go column ('' to skip it)")
    ap.add_argument("--go34", default=os.path.join(ROOT, "build-bench", "goref", "rafthttp-peer-go"),
                    help="the etcd 3.4.23 Go reference peer: the second Go column ('' to skip it)")
    ap.add_argument("--digest", default="full,cheap",
                    help="digest modes of the throughput rows (acked 64 KiB/1 MiB, snapshots): full,cheap | full | cheap")
    ap.add_argument("--ceiling", default=os.path.join(ROOT, "build-bench", "benchmarks", "tcp_ceiling"))
    ap.add_argument("--micro", default=os.path.join(ROOT, "build-bench", "benchmarks", "micro"))
    ap.add_argument("--reps", type=int, default=None, help="repetitions of every workload (default 3; --quick: 1)")
    ap.add_argument("--quick", action="store_true", help="smoke run: 1 repetition, counts / 10")
    ap.add_argument("--only", default="",
                    help="comma-separated: ceiling,acked,latency,busypoll,oneway,snapshot,hbsnap,tls,micro")
    ap.add_argument("--max-load", type=float, default=0,
                    help="before each run wait (at most 30 s) until the 1-min load average is below this")
    ap.add_argument("--nice", type=int, default=0,
                    help="run every benchmark process at this nice value (negative needs root; same for C++ and Go)")
    ap.add_argument("--note", default="", help="a line printed with the report (e.g. the commit measured)")
    ap.add_argument("--workdir", default="", help="where the peers' JSON goes (default: a temporary directory)")
    ap.add_argument("--json-out", default="", help="write every raw result and the table rows here")
    ap.add_argument("--markdown-out", default="", help="write the report (markdown) here as well")
    args = ap.parse_args()
    args.reps_given = args.reps is not None
    PRIORITY.nice = args.nice
    if args.reps is None:
        args.reps = 3
    for name in ("cpp", "ceiling"):
        if not os.access(getattr(args, name), os.X_OK):
            ap.error(f"--{name}: {getattr(args, name)} is not executable (run benchmarks/run.sh to build)")
    for name in ("go", "go34"):
        path = getattr(args, name)
        if path and not os.access(path, os.X_OK):
            log(f"warning: no Go peer at {path}: the {LABEL[name]} column stays empty")
            setattr(args, name, "")
    if not args.digest or set(args.digest.split(",")) - {"full", "cheap"}:
        ap.error("--digest: full,cheap | full | cheap")
    if args.micro and not os.access(args.micro, os.X_OK):
        args.micro = ""

    suite = Suite(args)
    log(f"work directory: {suite.work}")
    log(f"machine: {machine_text()}; load {os.getloadavg()[0]:.2f}")
    suite.run()
    text, rows = report(suite)
    print(text)
    if args.markdown_out:
        with open(args.markdown_out, "w") as f:
            f.write(text + "\n")
    if args.json_out:
        with open(args.json_out, "w") as f:
            json.dump({"machine": machine_text(), "runs": suite.runs,
                       "samples": {f"{k}|{i}": v for (k, i), v in suite.samples.items()},
                       "oneway_trials": getattr(suite, "oneway_trials", []),
                       "micro": suite.micro_rows,
                       "rows": rows}, f, indent=1, default=str)
    if not args.workdir:
        shutil.rmtree(suite.work, ignore_errors=True)


if __name__ == "__main__":
    main()
