#!/usr/bin/env python3
"""Soak test (issue 8): three rafthttp-peer processes, every channel busy,
peers flapping (SIGKILL + restart on the same port), resident memory of the
long-lived member sampled every few seconds. Opt-in; see tests/soak/README.md.

Members (all on 127.0.0.1):
  2  echo, long-lived: peer 1 (streams), remote 3 (pipeline only). Never
     restarted; its VmRSS is the curve that must stay flat.
  1  chained `send`/`snapshot` runs to 2 through the streams: MsgApp with
     acks (msgappv2 1->2, MsgAppResp on the message stream 2->1),
     MsgHeartbeat with acks (message stream both ways), a snapshot (the
     snapshot POST). Flapped.
  3  chained `send` runs to 2 as a --remote (every message and every echo
     answer is a pipeline POST): MsgApp, MsgVote, MsgReadIndex with acks.
     Flapped.
Every --flap-every seconds the next of members 1 and 3 is killed with SIGKILL
in the middle of a run and restarted on the same port after --down seconds.
Its first run after the restart must complete (every message answered, or the
snapshot finished) with the streams attached: traffic resumed.

Exit 0 when the long-lived member's RSS after warm-up stayed within the bound,
every flap was followed by resumed traffic, every run that was not killed by
the soak succeeded, and no process exited with an unexpected code.
"""

import argparse
import csv
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def vm_rss_kb(pid):
    """(VmRSS, RssAnon, RssFile) in kB from /proc/PID/status, or None."""
    vals = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key = line.split(":", 1)[0]
                if key in ("VmRSS", "RssAnon", "RssFile"):
                    vals[key] = int(line.split()[1])
    except OSError:
        return None
    if "VmRSS" not in vals:
        return None
    try:
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        fds = ""
    return vals["VmRSS"], vals.get("RssAnon", ""), vals.get("RssFile", ""), fds


def read_json(path):
    try:
        with open(path) as f:
            text = f.read().strip()
        return json.loads(text) if text else None
    except (OSError, ValueError):
        return None


def tail(path, n=5):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:]).strip()
    except OSError:
        return ""


class Run:
    """One process of a member: a long-lived echo or one chained run."""

    def __init__(self, member, label, argv, workdir, seq):
        self.member, self.label, self.argv = member, label, argv
        base = os.path.join(workdir, f"m{member}-{seq:04d}-{label}")
        self.out_path, self.err_path = base + ".json", base + ".err"
        self.out = open(self.out_path, "w")
        self.err = open(self.err_path, "w")
        self.start = time.monotonic()
        self.proc = subprocess.Popen(argv, stdout=self.out, stderr=self.err, stdin=subprocess.DEVNULL)
        self.pid = self.proc.pid
        self.killed = False      # SIGKILL by the soak (a flap)
        self.stopped = False     # SIGTERM by the soak (the end)
        self.rc = None
        self.end = None

    def poll(self):
        if self.rc is None:
            rc = self.proc.poll()
            if rc is not None:
                self.rc, self.end = rc, time.monotonic()
                self.out.close()
                self.err.close()
        return self.rc

    def result(self):
        return read_json(self.out_path)


class Soak:
    def __init__(self, args):
        self.a = args
        self.t0 = None
        self.workdir = args.workdir or tempfile.mkdtemp(prefix="rafthttp-soak-")
        os.makedirs(self.workdir, exist_ok=True)
        self.snapdir = os.path.join(self.workdir, "snap-2")
        os.makedirs(self.snapdir, exist_ok=True)
        self.port = {1: free_port(), 2: free_port(), 3: free_port()}
        self.url = {m: f"http://127.0.0.1:{p}" for m, p in self.port.items()}
        self.seq = 0
        self.cycle = {1: 0, 3: 0}
        self.current = {}           # member -> Run
        self.restart_at = {}        # member -> monotonic time to start the next run
        self.runs = []              # finished chained runs
        self.flaps = []             # dicts: member, t, run label, resumed_t, resumed
        self.failures = []
        self.samples = []           # (t, pid, role, rss)
        self.snap_index = 100

    def now(self):
        return time.monotonic() - self.t0

    def log(self, msg):
        print(f"[{self.now():7.1f}s] {msg}", flush=True)

    # ---- commands -----------------------------------------------------
    def common(self, member):
        return [self.a.cpp, "--id", str(member), "--listen", self.url[member], "--linger", "0s"]

    def echo_argv(self):
        return self.common(2) + [
            "--mode", "echo", "--peer", f"1={self.url[1]}", "--remote", f"3={self.url[3]}",
            "--snap-dir", self.snapdir, "--duration", f"{int(self.a.duration + 120)}s"]

    def next_argv(self, member):
        """The next run in the member's cycle: (label, argv, expectation)."""
        a = self.a
        i = self.cycle[member]
        self.cycle[member] += 1
        secs = a.run_seconds
        if member == 1:
            base = self.common(1) + ["--peer", f"2={self.url[2]}", "--to", "2", "--wait-active", "20s"]
            kind = i % 3
            if kind == 0:
                n = int(a.rate * secs)
                return "msgapp", base + [
                    "--mode", "send", "--type", "MsgApp", "--count", str(n), "--entries", "4",
                    "--entry-size", "256", "--term-every", "500", "--rate", str(a.rate),
                    "--await-acks", "--window", "64", "--seed", str(i)], {"acked": n}
            if kind == 1:
                n = int(a.rate * secs)
                return "heartbeat", base + [
                    "--mode", "send", "--type", "MsgHeartbeat", "--count", str(n),
                    "--rate", str(a.rate), "--await-acks", "--window", "64"], {"acked": n}
            self.snap_index += 1
            return "snapshot", base + [
                "--mode", "snapshot", "--snap-index", str(self.snap_index), "--snap-term", "1",
                "--snap-data-size", "4096", "--db-size", str(a.snap_mib << 20),
                "--seed", str(i), "--snap-timeout", "30s"], {"status": "finish"}
        # member 3: 2 is a remote, everything is a pipeline POST both ways
        base = self.common(3) + ["--remote", f"2={self.url[2]}", "--to", "2", "--wait-streams", ""]
        typ = ("MsgApp", "MsgVote", "MsgReadIndex")[i % 3]
        n = int(a.pipeline_rate * secs)
        extra = ["--entries", "2", "--entry-size", "128"] if typ == "MsgApp" else []
        return typ.lower(), base + [
            "--mode", "send", "--type", typ, "--count", str(n), "--rate", str(a.pipeline_rate),
            "--await-acks", "--window", "16", "--seed", str(i)] + extra, {"acked": n}

    def start_run(self, member):
        label, argv, expect = self.next_argv(member)
        self.seq += 1
        run = Run(member, label, argv, self.workdir, self.seq)
        run.expect = expect
        run.t_start = self.now()
        self.current[member] = run

    # ---- checks -------------------------------------------------------
    def judge(self, run):
        """'ok', 'killed', 'stopped' or a failure text."""
        if run.killed:
            return "killed"
        j = run.result()
        if run.stopped:
            return "stopped" if run.rc == 0 else f"exit {run.rc} after SIGTERM"
        if run.rc != 0:
            return f"exit {run.rc}: {tail(run.err_path, 3)}"
        if j is None:
            return "exit 0 without JSON"
        if "acked" in run.expect:
            acks = j.get("acks") or {}
            if acks.get("acked") != run.expect["acked"] or j.get("stop_reason") != "done":
                return (f"acked {acks.get('acked')}/{run.expect['acked']} stop_reason "
                        f"{j.get('stop_reason')} dropped {j.get('dropped')}")
        if run.expect.get("status") and j.get("status") != run.expect["status"]:
            return f"snapshot status {j.get('status')}"
        if run.member == 1 and not j.get("streams_ready"):
            return "streams not attached (streams_ready false)"
        return "ok"

    def finish_run(self, member, run):
        verdict = self.judge(run)
        run.verdict = verdict
        self.runs.append(run)
        j = run.result() or {}
        if run.label == "snapshot":  # the DBs member 2 saved: counted by its JSON, not kept on disk
            for name in os.listdir(self.snapdir):
                if name.endswith(".snap.db"):
                    os.unlink(os.path.join(self.snapdir, name))
        info = ""
        if "acks" in j:
            info = f"acked {j['acks'].get('acked')} p99 {j['acks'].get('latency_us', {}).get('p99')}us"
        elif "status" in j:
            info = f"snapshot {j.get('status')} {j.get('mb_per_s', 0):.1f} MB/s"
        if verdict not in ("ok", "killed", "stopped"):
            self.failures.append(f"member {member} run {run.label} (t={run.t_start:.1f}s): {verdict}")
            self.log(f"FAIL m{member} {run.label}: {verdict}")
        elif self.a.verbose:
            self.log(f"m{member} {run.label} {verdict} {info}")
        # first completed run after a flap of this member proves resumption
        for f in self.flaps:
            if f["member"] == member and f["resumed"] is None and run.t_start >= f["t"] and not run.killed:
                if run.stopped:
                    continue
                f["resumed"] = verdict == "ok"
                f["resumed_t"] = self.now()
                f["resume_run"] = run.label
                f["resume_wait_s"] = j.get("wait_s")

    def sample(self, t):
        for member, run in self.members_alive():
            got = vm_rss_kb(run.pid)
            if got is not None:
                rss, anon, filed, fds = got
                role = "m2-echo-longlived" if member == 2 else f"m{member}-{run.label}"
                self.samples.append((round(t, 1), run.pid, role, rss))
                self.anon[role] = (anon, filed)
                if member == 2 and fds != "":
                    self.fds.append((round(t, 1), fds))
                self.csvw.writerow([f"{t:.1f}", run.pid, role, rss, anon, filed, fds])
        self.csvf.flush()

    def members_alive(self):
        out = [(2, self.echo)]
        out += [(m, r) for m, r in self.current.items() if r.rc is None]
        return out

    # ---- main loop ----------------------------------------------------
    def run(self):
        a = self.a
        self.csvf = open(a.csv, "w", newline="")
        self.csvw = csv.writer(self.csvf)
        self.csvw.writerow(["time_s", "pid", "role", "rss_kb", "rss_anon_kb", "rss_file_kb", "fds"])
        self.fds = []
        self.anon = {}
        self.t0 = time.monotonic()
        self.log(f"workdir {self.workdir}; ports {self.port}; binary {a.cpp}")
        self.echo = Run(2, "echo", self.echo_argv(), self.workdir, 0)
        # wait for READY of the long-lived member
        deadline = time.monotonic() + 10
        while "READY" not in tail(self.echo.err_path, 50):
            if self.echo.poll() is not None or time.monotonic() > deadline:
                print("member 2 did not start:", tail(self.echo.err_path), file=sys.stderr)
                return 1
            time.sleep(0.05)
        for m in (1, 3):
            self.start_run(m)
        next_sample, next_flap = 0.0, a.flap_every
        victim = 1
        end = a.duration
        while True:
            t = self.now()
            if t >= next_sample:
                self.sample(t)
                next_sample += a.sample_every
            if t >= end:
                break
            if self.echo.poll() is not None:
                self.failures.append(f"long-lived member 2 exited {self.echo.rc} at {t:.1f}s: "
                                     f"{tail(self.echo.err_path)}")
                self.log(self.failures[-1])
                break
            if t >= next_flap:
                run = self.current.get(victim)
                if run is not None and run.rc is None:
                    run.killed = True
                    os.kill(run.pid, signal.SIGKILL)
                    run.proc.wait()
                    run.poll()
                    self.flaps.append({"member": victim, "t": t, "run": run.label, "resumed": None,
                                       "resumed_t": None})
                    self.log(f"flap #{len(self.flaps)}: SIGKILL member {victim} ({run.label}, pid {run.pid})")
                    self.finish_run(victim, run)
                    del self.current[victim]
                    self.restart_at[victim] = time.monotonic() + a.down
                victim = 3 if victim == 1 else 1
                next_flap += a.flap_every
            for m in (1, 3):
                run = self.current.get(m)
                if run is not None and run.poll() is not None:
                    self.finish_run(m, run)
                    del self.current[m]
                    self.restart_at[m] = time.monotonic()
                if m not in self.current and time.monotonic() >= self.restart_at.get(m, 0):
                    self.start_run(m)
            time.sleep(0.05)
        # the end: SIGTERM everything, expect JSON and exit 0
        for m, run in list(self.current.items()):
            if run.rc is None:
                run.stopped = True
                run.proc.send_signal(signal.SIGTERM)
        for m, run in list(self.current.items()):
            try:
                run.proc.wait(timeout=15)
            except Exception:
                run.proc.kill()
                run.proc.wait()
            run.poll()
            self.finish_run(m, run)
        if self.echo.rc is None:
            self.echo.stopped = True
            self.echo.proc.send_signal(signal.SIGTERM)
            try:
                self.echo.proc.wait(timeout=15)
            except Exception:
                self.echo.proc.kill()
                self.echo.proc.wait()
        self.echo.poll()
        if self.echo.rc != 0:
            self.failures.append(f"long-lived member 2 exit code {self.echo.rc} after SIGTERM: "
                                 f"{tail(self.echo.err_path)}")
        self.csvf.close()
        return self.summary()

    def summary(self):
        a = self.a
        ll = [(t, rss) for (t, _pid, role, rss) in self.samples if role == "m2-echo-longlived"]
        warm_t = a.warmup if a.duration >= 2 * a.warmup else a.duration / 3
        after = [(t, r) for t, r in ll if t >= warm_t]
        print()
        print(f"== soak summary ({self.now():.0f} s, workdir {self.workdir}, CSV {a.csv}) ==")
        ok = True
        if not after:
            self.failures.append("no RSS sample after warm-up")
        else:
            warm = after[0][1]
            mx = max(r for _t, r in after)
            final = after[-1][1]
            bound = warm * (1 + a.growth_pct / 100.0) + a.growth_kb
            print(f"member 2 (echo, long-lived) VmRSS: start {ll[0][1]} kB, at warm-up "
                  f"({after[0][0]:.0f} s) {warm} kB, max after warm-up {mx} kB, final {final} kB; "
                  f"bound {bound:.0f} kB (+{a.growth_pct}% + {a.growth_kb} kB)")
            print(f"  last sample: RssAnon {self.anon.get('m2-echo-longlived', ('?', '?'))[0]} kB, "
                  f"RssFile {self.anon.get('m2-echo-longlived', ('?', '?'))[1]} kB (columns 5-6 of the CSV)")
            step = max(1, len(ll) // 20)
            print("  curve (time_s rss_kb): " + ", ".join(f"{t:.0f}:{r}" for t, r in ll[::step]) +
                  (f", {ll[-1][0]:.0f}:{ll[-1][1]}" if (len(ll) - 1) % step else ""))
            fds_after = [n for t, n in self.fds if t >= warm_t]
            if fds_after:
                print(f"  open file descriptors: at warm-up {fds_after[0]}, max {max(fds_after)}, "
                      f"final {fds_after[-1]} (bound +{a.fd_growth})")
                if max(fds_after) > fds_after[0] + a.fd_growth:
                    self.failures.append(f"member 2 open file descriptors grew from {fds_after[0]} to "
                                         f"{max(fds_after)} (> +{a.fd_growth}): a descriptor leak")
            if mx > bound:
                self.failures.append(f"member 2 RSS grew from {warm} kB to {mx} kB (> {bound:.0f} kB)")
        ej = self.echo.result() or {}
        # totals
        by_label = {}
        for r in self.runs:
            d = by_label.setdefault((r.member, r.label), {"ok": 0, "killed": 0, "stopped": 0, "failed": 0,
                                                          "acked": 0})
            key = r.verdict if r.verdict in ("ok", "killed", "stopped") else "failed"
            d[key] += 1
            j = r.result() or {}
            d["acked"] += (j.get("acks") or {}).get("acked", 0) or 0
        print("runs:")
        for (m, label), d in sorted(by_label.items()):
            print(f"  member {m} {label:12s} ok {d['ok']:3d}  killed {d['killed']:2d}  "
                  f"stopped {d['stopped']}  failed {d['failed']}  answers received {d['acked']}")
        snaps = ej.get("snapshots") or []
        print(f"member 2 received {ej.get('messages')} messages {ej.get('by_type')}, "
              f"echo replies {ej.get('echo_replies')}, snapshots {len(snaps)}, "
              f"report_unreachable {ej.get('report_unreachable')}, peak_rss_kb {ej.get('peak_rss_kb')}")
        resumed = [f for f in self.flaps if f["resumed"]]
        waits = sorted(f["resumed_t"] - f["t"] for f in resumed)
        print(f"flaps: {len(self.flaps)}, traffic resumed after {len(resumed)}" +
              (f" (flap to the end of the first complete run after it: median {waits[len(waits) // 2]:.1f} s, "
               f"max {waits[-1]:.1f} s)" if waits else ""))
        for i, f in enumerate(self.flaps, 1):
            if f["resumed"] is None:
                # the run after the last flap may have been cut by the end of the soak
                if a.duration - f["t"] < a.run_seconds + a.down + 25:
                    print(f"  flap {i} (member {f['member']} at {f['t']:.0f} s): too close to the end, not judged")
                    continue
                self.failures.append(f"flap {i} (member {f['member']} at {f['t']:.0f} s): no run completed after it")
            elif not f["resumed"]:
                self.failures.append(f"flap {i} (member {f['member']} at {f['t']:.0f} s): first run after it failed")
        if self.failures:
            print("FAILURES:")
            for f in self.failures:
                print("  " + f)
            ok = False
        print("RESULT:", "PASS" if ok else "FAIL")
        return 0 if ok else 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cpp", default=os.path.join(ROOT, "build", "examples", "rafthttp-peer"))
    p.add_argument("--duration", type=float, default=600)
    p.add_argument("--warmup", type=float, default=60, help="RSS reference time (s)")
    p.add_argument("--flap-every", type=float, default=20)
    p.add_argument("--down", type=float, default=1.0, help="seconds a killed member stays down")
    p.add_argument("--sample-every", type=float, default=5)
    p.add_argument("--run-seconds", type=float, default=6, help="length of one chained send run")
    p.add_argument("--rate", type=int, default=1000, help="msgs/s of member 1 over the streams")
    p.add_argument("--pipeline-rate", type=int, default=200, help="msgs/s of member 3 over the pipeline")
    p.add_argument("--snap-mib", type=int, default=8, help="DB size of each snapshot")
    p.add_argument("--growth-pct", type=float, default=25)
    p.add_argument("--growth-kb", type=int, default=2048)
    p.add_argument("--fd-growth", type=int, default=32,
                   help="open descriptors member 2 may gain after warm-up")
    p.add_argument("--csv", default="soak-rss.csv")
    p.add_argument("--workdir", default=None)
    p.add_argument("-v", "--verbose", action="store_true")
    args = p.parse_args()
    if not os.access(args.cpp, os.X_OK):
        print(f"no executable {args.cpp} (build it: ninja -C build examples/rafthttp-peer)", file=sys.stderr)
        return 2
    return Soak(args).run()


if __name__ == "__main__":
    sys.exit(main())
