#!/usr/bin/env python3
"""Real etcd clusters of every release with the C++ rafthttp-peer as a member.

    clusters.py SCENARIO --cpp PATH_TO_rafthttp-peer --workdir DIR [--build DIR]

Scenarios (README.md, "Real clusters of every version", says what each checks):
  cluster-3.4 cluster-3.5 cluster-3.6 cluster-3.7
      two real etcd servers of that release and rafthttp-peer --mode echo
      --etcd-version <minor> as the third member: writes, kill -9 of the Go
      leader, restart, kill -9 and restart of our member, cluster version.
  cluster-mixed-3.6-3.7
      one 3.6 and one 3.7 server and ours (profile 3.7): cluster version 3.6.0.
  rolling-upgrade
      3.5 -> 3.6 -> 3.7, one member at a time on the same data dirs.

The releases are those of tests/interop/etcd-versions: 3.4 is Debian's etcd and
etcdctl (etcd-server, etcd-client) with tests/interop/etcdids; the others are
built by tests/interop/etcd/build.sh into --build (default: beside --workdir)
the first time a scenario needs them.

Exit status: 0 all checks passed, 1 a check failed, 77 skipped because a tool
is missing (1 instead of 77 when RAFTHTTP_REQUIRE_INTEROP=1), as run.py.
"""

import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

import argparse
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from harness import (HERE, Checks, Failure, Proc, Stopwatch, Unavailable, _run_build, build_once, ensure_etcdids,
                     free_ports, kill_all, unavailable_exit, url, wait_until)

TIMEOUT = 60  # seconds, for any single wait
FOREVER = "24h"  # --duration of our member: the script ends it
ROUNDS = 3  # puts (each followed by a linearizable get of the key) per write phase
ECHO_ANSWERED = ("MsgApp", "MsgHeartbeat", "MsgVote", "MsgPreVote", "MsgReadIndex")
ESTABLISHED = "established TCP streaming connection with remote peer"
STREAMS = sorted(f"{kind}=stream {stream}" for kind in ("stream-reader-type", "stream-writer-type")
                 for stream in ("Message", "MsgApp v2"))

# Warnings a Go member may log about OUR member (its id or its URL) while our
# member is down, i.e. from the moment it is killed or stopped until it is back:
# its four streams attached again to every Go member and writes committed.
# Outside these windows no line at warn level or above may concern our member.
ALLOWED_WHILE_OURS_IS_DOWN = {
    "lost TCP streaming connection with remote peer":
        "our process went away: the Go member's stream readers and writers with it break",
    "peer became inactive (message send to peer failed)":
        "the Go member's stream readers re-dial every 100 ms and fail while our member is down "
        "(and a pipeline POST to it fails)",
    "closed TCP streaming connection with remote peer":
        "our restarted member dialled a stream whose writer still held the connection of the killed process "
        "(a Go writer notices a dead connection only when a write fails): the new connection replaces it",
    "failed to reach the peer URL":
        "the leader's cluster-version monitor asks GET <peer URL>/version of every member every few seconds",
    "failed to get version":
        "the same monitor, its summary of the failed GET /version",
    "prober detected unhealthy status":
        "the Go member's prober of our /raft/probing found it unreachable",
}
# Warnings a Go member logs about our member while it stops itself (from the
# SIGTERM the script sends it to its exit): etcd's own shutdown, which closes
# its streams with every peer, ours included.
ALLOWED_WHILE_IT_STOPS = {
    "closed TCP streaming connection with remote peer":
        "the stopping member closes its stream writers to every peer",
    "stopped TCP streaming connection with remote peer":
        "etcd 3.4's wording for its stream writers stopped at shutdown",
    "lost TCP streaming connection with remote peer":
        "the stopping member cancels its stream readers (error \"context canceled\")",
    "peer became inactive (message send to peer failed)":
        "the same cancelled readers, as the peer status sees them",
    "failed to find remote peer in cluster":
        "our member re-dials a stream at once (as a Go peer does) and reaches the stopping member's handler "
        "after its transport dropped its peers: 404, as a Go peer gets",
}
# Warnings a Go member logs about our member while it starts, before any of
# its streams with our member attached: a restarted 3.4 member serves its peer
# listener before it has replayed the ConfChanges of its WAL (3.4 keeps the
# membership in the v2 store, recovered only from a snapshot; 3.5+ recover it
# from bbolt before serving), and our member re-dials its streams every 100 ms
# while it was down, as a Go peer does. (Seen once in the log order "added
# remote peer" for ours, then the 404's warning: the handler looked the peer up
# just before it was added, then waited for the transport's lock to log.)
ALLOWED_WHILE_IT_STARTS = {
    "failed to find remote peer in cluster":
        "our member's stream dial reached the restarted 3.4 member before it re-added our member as a peer: "
        "404, and the next dial attaches",
}
# etcd 3.4 logs every stream attachment at warn level (3.5 moved it to info):
# allowed at any time with a 3.4 Go member.
ALLOWED_FROM_34 = {ESTABLISHED: "etcd 3.4 logs each stream attachment at warn level"}
# Warnings that name our member but are about the Go member itself, allowed at
# any time under the condition given:
ALLOWED_ANY_TIME = {
    "leader found higher-versioned member":
        "a leader older than our member's profile (the 3.6 leader of the mixed cluster) logs this for every "
        "member of a newer server version at each version-monitor round (3.6 version/monitor.go "
        "membersMinimalServerVersion): it logs it for the 3.7 Go member too. Allowed only when "
        "remote-member-version is our member's server version and above local-member-version",
    "leader failed to send out heartbeat on time; took too long, leader is overloaded likely from slow disk":
        "measured on the leader's own clock between two heartbeats it generates for the same follower, before "
        "anything is sent (etcdserver/raft.go, r.td.Observe): a loaded machine, not the follower, causes it, "
        "and it names whichever follower the late heartbeat was for (seen for Go followers too)",
}
TROUBLE = ("warn", "error", "dpanic", "panic", "fatal")
DEADLY = ("dpanic", "panic", "fatal")


# ------------------------------------------------------------- releases ----

def read_releases():
    """tests/interop/etcd-versions: {minor: (version, source)}."""
    releases = {}
    for line in (HERE / "etcd-versions").read_text().splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 3:
            releases[fields[0]] = (fields[1], fields[2])
    return releases


RELEASES = read_releases()


def version_key(v):
    return tuple(int(x) for x in v.split("."))


class Release:
    """One etcd release: its server, its client and its id tool."""

    def __init__(self, minor, version, etcd, client, ids):
        self.minor, self.version, self.etcd, self.client, self.ids = minor, version, etcd, client, ids

    def __repr__(self):
        return f"etcd {self.version}"


def reported_version(etcd):
    out = subprocess.run([etcd, "--version"], capture_output=True, text=True, timeout=30).stdout
    return next((l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("etcd Version:")), "?")


def ensure_release(minor, build_dir, log):
    """The release of etcd-versions with this minor, built when needed."""
    if minor not in RELEASES:
        raise Failure(f"etcd {minor} is not named in tests/interop/etcd-versions")
    version, source = RELEASES[minor]
    if source == "debian":
        etcd, etcdctl = shutil.which("etcd"), shutil.which("etcdctl")
        if not etcd or not etcdctl:
            raise Unavailable(f"'etcd' and 'etcdctl' {version} are not installed (Debian: etcd-server, etcd-client)")
        client = Etcdctl(etcdctl, log)
        ids = ensure_etcdids(Path(build_dir) / "etcdids")
    elif source == "module":
        src = HERE / "etcd"
        build = src / "build.sh"
        sources = (list(src.glob("cmd/*/main.go")) + [src / "go.mod", src / minor / "go.mod", src / minor / "go.sum",
                                                       build, HERE / "etcd-versions"])
        etcd = build_once(Path(build_dir) / f"etcd-{minor}", sources, lambda: _run_build([build, minor, build_dir]))
        client = EtcdClient(Path(build_dir) / f"etcdclient-{minor}", log)
        ids = Path(build_dir) / f"etcdids-{minor}"
    else:
        raise Failure(f"etcd-versions: unknown source {source!r} for {minor}")
    got = reported_version(etcd)
    if got != version:
        raise Unavailable(f"etcd {version} is needed, {etcd} is version {got}")
    return Release(minor, version, etcd, client, ids)


# --------------------------------------------------------------- clients ----

class ClientError(Exception):
    pass


class ClientLog:
    """Every client command and its result, in WORKDIR/clients.log."""

    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def run(self, argv, env=None):
        full_env = dict(os.environ, **(env or {}))
        start = time.monotonic()
        try:
            p = subprocess.run([str(a) for a in argv], capture_output=True, text=True, env=full_env, timeout=30)
            rc, out, err = p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            rc, out, err = None, "", "timed out after 30 s"
        with self.lock, open(self.path, "a") as f:
            f.write(f"$ {' '.join(map(str, argv))}\n  rc={rc} {time.monotonic() - start:.2f}s\n")
            f.write("".join(f"  out: {l}\n" for l in out.splitlines()))
            f.write("".join(f"  err: {l}\n" for l in err.splitlines()))
        if rc != 0:
            raise ClientError((err.strip().splitlines() or [f"exit status {rc}"])[-1])
        return out


class EtcdClient:
    """tests/interop/etcd/cmd/etcdclient of a release (JSON out)."""

    def __init__(self, binary, log):
        self.binary, self.log = binary, log

    def _run(self, endpoints, *args):
        out = self.log.run([self.binary, "--endpoints", ",".join(endpoints), "--timeout", "10s"] + list(args))
        return json.loads(out)

    def put(self, endpoints, key, value):
        self._run(endpoints, "put", key, value)

    def get(self, endpoints, key):
        r = self._run(endpoints, "get", key)
        return r.get("value") if r["found"] else None

    def members(self, endpoints):
        return {m["name"]: m["id"] for m in self._run(endpoints, "members")["members"]}

    def status(self, endpoint):
        s = self._run([endpoint], "status")["endpoints"][0]
        return {"member_id": s["member_id"], "leader": s["leader"], "raft_term": s["raft_term"]}

    def move_leader(self, leader_endpoint, to_id):
        self._run([leader_endpoint], "move-leader", to_id)


class Etcdctl:
    """Debian's etcdctl 3.4 (API v3) behind the same methods."""

    def __init__(self, binary, log):
        self.binary, self.log = binary, log

    def _run(self, endpoints, *args):
        return self.log.run([self.binary, "--endpoints", ",".join(endpoints), "--command-timeout", "10s"] + list(args),
                            {"ETCDCTL_API": "3"})

    def put(self, endpoints, key, value):
        out = self._run(endpoints, "put", key, value)
        if out.strip() != "OK":
            raise ClientError(f"put printed {out!r}")

    def get(self, endpoints, key):
        kvs = json.loads(self._run(endpoints, "get", key, "-w", "json")).get("kvs", [])
        return base64.b64decode(kvs[0]["value"]).decode() if kvs else None

    def members(self, endpoints):
        return {m.get("name", ""): f"{m['ID']:x}" for m in json.loads(self._run(endpoints, "member", "list",
                                                                               "-w", "json"))["members"]}

    def status(self, endpoint):
        s = json.loads(self._run([endpoint], "endpoint", "status", "-w", "json"))[0]["Status"]
        return {"member_id": f"{s['header']['member_id']:x}", "leader": f"{s['leader']:x}",
                "raft_term": s.get("raftTerm", s["header"].get("raft_term"))}

    def move_leader(self, leader_endpoint, to_id):
        self._run([leader_endpoint], "move-leader", to_id)


# ---------------------------------------------------------------- helpers ----

def poll(fn, timeout, what, interval=0.25):
    """fn() until it returns something true (a ClientError or OSError counts as
    not yet), at most timeout seconds; Failure with the last answer after that."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            last = fn()
            if last:
                return last
        except (ClientError, OSError, ValueError) as e:
            last = f"{type(e).__name__}: {e}"
        if time.monotonic() >= deadline:
            raise Failure(f"timed out after {timeout:g}s waiting for {what} (last: {last})")
        time.sleep(interval)  # the polling interval, not a synchronisation


def get_json(address, timeout=5):
    with urllib.request.urlopen(address, timeout=timeout) as r:
        return json.loads(r.read())


def json_or_none(line):
    try:
        entry = json.loads(line)
    except ValueError:
        return None
    return entry if isinstance(entry, dict) else None


def probe_peer_flags(cpp, workdir):
    """Whether rafthttp-peer takes --etcd-version and --cluster-version (they
    make it a versioned member that answers GET /version): tried on a run that
    ends at once."""
    (port,) = free_ports(1)
    argv = [str(cpp), "--mode", "echo", "--id", "1", "--listen", url(port), "--duration", "1ms", "--linger", "0s",
            "--etcd-version", "3.7", "--cluster-version", "3.7.0"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=workdir)
    return p.returncode == 0, (p.stderr.strip().splitlines() or [""])[-1]


# ------------------------------------------------------------- members ----

class GoMember:
    """A real etcd server; one Proc per start (same name, ports, data dir)."""

    def __init__(self, env, name):
        self.env, self.name = env, name
        peer, client = free_ports(2)
        self.host = f"127.0.0.1:{peer}"
        self.peer_url, self.client_url = url(peer), url(client)
        self.data_dir = env.work / f"{name}.data"
        self.id = None
        self.release = None
        self.proc = None

    def start(self, release):
        """Start (or restart) the member with release's binary, the same data
        dir and flags; returns once it published itself through raft."""
        env = self.env
        self.release = release
        argv = [release.etcd, "--name", self.name, "--data-dir", self.data_dir,
                "--listen-peer-urls", self.peer_url, "--initial-advertise-peer-urls", self.peer_url,
                "--listen-client-urls", self.client_url, "--advertise-client-urls", self.client_url,
                "--initial-cluster", env.initial, "--initial-cluster-token", env.token,
                "--initial-cluster-state", "new",
                # A member (re)started waits a full election timeout before it
                # campaigns instead of 2 ticks: the leader's heartbeats reach it
                # first even on a loaded machine (see start_all: the echo votes
                # for every candidate).
                "--initial-election-tick-advance=false"]
        if release.minor == "3.4":
            argv += ["--logger", "zap", "--log-outputs", "stderr"]
        env.seq += 1
        self.proc = Proc(f"{env.seq:02d}-{self.name}-{release.version}", argv, env.work)
        self.proc.release = release
        self.proc.windows = []  # [start, end) line ranges while our member was down (end None: to the end)
        self.proc.stopping = None  # the line index at which it was sent SIGTERM
        env.go_procs.append(self.proc)

    def wait_leader(self):
        """raft's own log line (info level): this member became leader."""
        self.proc.wait_lines(lambda l: f"{self.id} became leader at term" in l, 1, TIMEOUT,
                             f"{self.name} to become leader")

    def wait_published(self):
        self.proc.wait_lines(lambda l: "published local member to cluster through raft" in l, 1, TIMEOUT,
                             f"{self.name} to publish itself through raft")

    @property
    def up(self):
        return self.proc is not None and not self.proc.exited

    def stop(self):
        """SIGTERM; the exit status."""
        self.proc.stopping = len(self.proc.lines)
        return self.proc.stop(timeout=TIMEOUT)

    def versions(self):
        """GET <client URL>/version: {"etcdserver": ..., "etcdcluster": ...}."""
        return get_json(self.client_url + "/version")


class OurMember:
    """rafthttp-peer --mode echo as the third member."""

    def __init__(self, env, name):
        self.env, self.name = env, name
        (port,) = free_ports(1)
        self.host = f"127.0.0.1:{port}"
        self.peer_url = url(port)
        self.id = None
        self.proc = None
        self.profile = None
        self.log = None

    def start(self, profile, cluster_version=None):
        env = self.env
        self.profile = profile
        env.seq += 1
        name = f"{env.seq:02d}-{self.name}-{profile}"
        self.log = env.work / f"{name}.log"
        args = ["--mode", "echo", "--id", self.id, "--cluster-id", env.cluster_id, "--listen", self.peer_url,
                "--duration", FOREVER, "--linger", "0s", "--log", self.log]
        for m in env.go:
            args += ["--peer", f"{m.id}={m.peer_url}"]
        if env.versioned:
            args += ["--etcd-version", profile]
            if cluster_version:
                args += ["--cluster-version", cluster_version]
        self.proc = Proc(name, [env.cpp] + args, env.work, {"RAFTHTTP_PEER_LOG_LEVEL": "warn"})
        self.proc.echo_log = self.log
        self.proc.wait_ready()

    @property
    def up(self):
        return self.proc is not None and not self.proc.exited


# ------------------------------------------------------------- the run ----

class Env:
    def __init__(self, cpp, workdir, build_dir, versioned):
        self.cpp, self.work, self.build = cpp, Path(workdir), Path(build_dir)
        self.versioned = versioned
        self.check = Checks()
        self.seq = 0
        self.key = 0
        self.go_procs = []  # every Go process started, in order
        self.go, self.ours = [], None
        self.initial = self.token = self.cluster_id = None
        self.client = None
        self.ours_versions = {}  # server versions our member reported on GET /version

    # ----------------------------------------------------------- cluster --

    def form(self, label, go_releases, ids_releases):
        """Two Go members (go0, go1) and ours: ids from each of ids_releases'
        etcdids (they must agree), our member started first."""
        self.go = [GoMember(self, f"go{i}") for i in range(len(go_releases))]
        self.ours = OurMember(self, "ours")
        self.token = f"rafthttp-clusters-{label}"
        self.initial = ",".join(f"{m.name}={m.peer_url}" for m in self.go + [self.ours])
        derived = {}
        for rel in ids_releases:
            p = Proc(f"ids-{rel.minor}", [rel.ids, "--initial-cluster", self.initial,
                                          "--initial-cluster-token", self.token], self.work)
            p.wait_exit(TIMEOUT)
            derived[rel.version] = p.json()
        first = next(iter(derived.values()))
        if len(derived) > 1:
            self.check.equal(f"{label}: member and cluster ids of etcd {', '.join(derived)} agree",
                             list(derived.values()), [first] * len(derived))
        for m in self.go + [self.ours]:
            m.id = first["members"][m.name]
        self.cluster_id = first["cluster_id"]
        print(f"  ids ({', '.join(derived)} membership code): "
              + " ".join(f"{m.name}={m.id}" for m in self.go + [self.ours]) + f" cluster={self.cluster_id}",
              flush=True)

    def start_all(self, label, releases, profile):
        """Our member first (so that no Go member fails to dial it), then go0,
        which is elected with our member's vote, then the other Go members.
        The echo grants every vote it is asked for (it keeps no vote per term,
        no log to compare): two Go members campaigning at once would both win
        the same term with it and split the cluster in two (seen when both
        started together on a loaded machine), so only one candidate at a time."""
        self.ours.start(profile)
        for i, (m, rel) in enumerate(zip(self.go, releases)):
            m.start(rel)
            if i == 0:
                m.wait_leader()
        for m in self.go:
            m.wait_published()
        print(f"  cluster up: " + ", ".join(f"{m.name} {m.release}" for m in self.go)
              + f", ours (profile {profile})", flush=True)
        try:
            lead = self.leader().name
        except Failure as e:
            lead = str(e)
        self.check.equal(f"{label}: one leader, the same for every Go member", lead, self.go[0].name)

    def by_id(self, member_id):
        return next((m for m in self.go + [self.ours] if m.id == member_id), None)

    def endpoints(self):
        return [m.client_url for m in self.go if m.up]

    def leader(self, via=None, exclude=()):
        """The leader as the live Go members (or `via`) report it, once they
        agree on one that is a live Go member not in exclude."""
        def agreed():
            asked = [via] if via else [m for m in self.go if m.up]
            leaders = {self.client.status(m.client_url)["leader"] for m in asked}
            if len(leaders) != 1:
                return None
            lead = self.by_id(leaders.pop())
            return lead if lead in self.go and lead.up and lead not in exclude else None
        return poll(agreed, TIMEOUT, "the Go members to agree on a live Go leader")

    def writes(self, label, endpoints=None, rounds=ROUNDS):
        """rounds puts, each followed by a linearizable get of the key; one check."""
        endpoints = endpoints or self.endpoints()
        bad = None
        for _ in range(rounds):
            self.key += 1
            key, value = f"key{self.key}", f"value{self.key}"
            try:
                self.client.put(endpoints, key, value)
                got = self.client.get(endpoints, key)
                if got != value:
                    bad = f"get {key} gave {got!r}, want {value!r}"
            except ClientError as e:
                bad = f"{key}: {e}"
            if bad:
                break
        names = ",".join(m.name for m in self.go if m.client_url in endpoints)
        self.check(f"{label}: {rounds} puts + linearizable gets commit (client to {names})", bad is None, bad or "")
        return bad is None

    def cluster_version(self, label, want, member=None):
        """GET <client URL>/version of a Go member until etcdcluster == want."""
        member = member or next(m for m in self.go if m.up)
        last = {}

        def reached():
            last.update(member.versions())
            return last.get("etcdcluster") == want
        try:
            poll(reached, TIMEOUT, f"cluster version {want}", interval=0.5)
            ok = True
        except Failure:
            ok = False
        self.check(f"{label}: cluster version {want} ({member.name} /version: {json.dumps(last)})", ok,
                   f"GET {member.client_url}/version gave {json.dumps(last)} after {TIMEOUT}s")
        return last.get("etcdcluster")

    def our_version(self, label):
        """Our member answers GET <peer URL>/version with its profile."""
        want_server = RELEASES[self.ours.profile][0] if self.ours.profile in RELEASES else self.ours.profile
        try:
            got = get_json(self.ours.peer_url + "/version")
        except (OSError, ValueError) as e:
            got = f"{type(e).__name__}: {e}"
        ok = isinstance(got, dict) and str(got.get("etcdserver", "")).startswith(self.ours.profile + ".")
        if ok:
            self.ours_versions[got["etcdserver"]] = True
        self.check(f"{label}: our member's GET /version names etcd {self.ours.profile} ({json.dumps(got)})", ok,
                   f"want etcdserver {want_server} (or another {self.ours.profile}.x)")

    # -------------------------------------------------------- attachment --

    def attached_since(self, member, mark):
        """The stream kinds member's Go process logged attached with ours
        since line index mark."""
        kinds = set()
        for line in member.proc.lines[mark:]:
            entry = json_or_none(line)
            if entry and entry.get("msg") == ESTABLISHED and entry.get("remote-peer-id") == self.ours.id:
                for kind in ("stream-reader-type", "stream-writer-type"):
                    if kind in entry:
                        kinds.add(f"{kind}={entry[kind]}")
        return sorted(kinds)

    def wait_attached(self, label, marks):
        """Every live Go member logged our four streams attached since its mark."""
        got = {}
        for m in self.go:
            if not m.up:
                continue
            mark = marks.get(m.proc, 0)
            wait_until(lambda: self.attached_since(m, mark) == STREAMS or m.proc.exited, TIMEOUT, "", fail=False)
            got[m.name] = self.attached_since(m, mark)
        self.check.equal(f"{label}: our four streams attached with every Go member",
                         got, {name: STREAMS for name in got})

    # ------------------------------------------------------ our restarts --

    def ours_down(self):
        """Open a window (our member down) in every live Go process's log."""
        for m in self.go:
            if m.up:
                m.proc.windows.append([len(m.proc.lines), None])

    def ours_back(self):
        for p in self.go_procs:
            for w in p.windows:
                if w[1] is None:
                    w[1] = len(p.lines)

    def restart_ours(self, label, profile, kill=True):
        """Kill -9 (or stop) our member, writes through the Go members, start it
        again with `profile` and the cluster version the Go members report;
        its streams attach again and writes commit."""
        old = self.ours.proc
        self.ours_down()
        if kill:
            old.kill()
            old.wait_exit(TIMEOUT)
            print(f"  killed our member (SIGKILL)", flush=True)
        else:
            old.stop(timeout=TIMEOUT)
            self.check_echo(f"{label}: our member (profile {self.ours.profile}) before its restart", old, rounds=1)
        self.writes(f"{label}: our member down")
        cv = next(m for m in self.go if m.up).versions().get("etcdcluster")
        marks = {m.proc: len(m.proc.lines) for m in self.go if m.up}
        self.ours.start(profile, cv if cv and cv != "not_decided" else None)
        print(f"  our member started again: profile {profile}, --cluster-version {cv}", flush=True)
        self.wait_attached(f"{label}: after our restart", marks)
        self.writes(f"{label}: our member back")
        self.ours_back()

    def check_echo(self, label, proc, rounds):
        """The JSON of one incarnation of our member, ended with SIGTERM."""
        try:
            ej = proc.json()
        except Failure as e:
            self.check(f"{label}: JSON", False, str(e))
            return
        by_type = ej.get("by_type", {})
        heartbeats = sum(1 for l in Path(proc.echo_log).read_text().splitlines()
                         if l.startswith("MsgHeartbeat ") and " ctx=" in l)
        live_ids = sorted(m.id for m in self.go)
        self.check.equal(f"{label}: it took part (echo JSON)", {
            f"MsgApp >= {rounds}": by_type.get("MsgApp", 0) >= rounds,
            "MsgHeartbeat with context (ReadIndex rounds) >= 1": heartbeats >= 1,
            "answered every one": ej.get("echo_replies") == sum(by_type.get(k, 0) for k in ECHO_ANSWERED),
            "senders are Go members": set(ej.get("senders", {})) <= set(live_ids),
            "critical_errors": ej.get("critical_errors")},
            {f"MsgApp >= {rounds}": True, "MsgHeartbeat with context (ReadIndex rounds) >= 1": True,
             "answered every one": True, "senders are Go members": True, "critical_errors": {}})
        print(f"  our member's by_type: {by_type}", flush=True)

    # ------------------------------------------------------ leader kills --

    def kill_leader(self, label):
        """kill -9 the Go leader; the other Go member is elected with our vote
        and writes commit through it and ours; the killed member restarts."""
        leader = self.leader()
        survivor = next(m for m in self.go if m is not leader and m.up)
        mark = len(survivor.proc.lines)
        leader.proc.kill()
        leader.proc.wait_exit(TIMEOUT)
        print(f"  killed the leader {leader.name} ({leader.id}) with SIGKILL", flush=True)
        # raft's own log lines (info level) of the survivor's election.
        voted = f"received MsgVoteResp from {self.ours.id}"
        won = f"{survivor.id} became leader at term"
        try:
            survivor.proc.wait_lines(lambda l: won in l, 1, TIMEOUT, f"{survivor.name} to become leader")
        except Failure:
            pass
        since = survivor.proc.lines[mark:]
        self.check.equal(f"{label}: {survivor.name} elected with our member's vote (raft log)",
                         {"our vote received": any(voted in l and "rejection" not in l for l in since),
                          "became leader": any(won in l for l in since)},
                         {"our vote received": True, "became leader": True})
        new = self.leader(exclude=(leader,))
        self.check.equal(f"{label}: leader after the kill", new.name, survivor.name)
        self.writes(f"{label}: {survivor.name} + our member", [survivor.client_url])
        leader.start(leader.release)
        leader.wait_published()
        print(f"  restarted {leader.name} ({leader.release})", flush=True)
        try:
            after = self.leader().name
        except Failure as e:
            after = str(e)
        self.check.equal(f"{label}: leader after {leader.name}'s restart", after, survivor.name)
        self.writes(f"{label}: {leader.name} back", [leader.client_url])
        self.writes(f"{label}: all members", self.endpoints())

    # ----------------------------------------------------------- the end --

    def finish(self, label):
        """Stop everything (ours, then the Go followers, then the leader),
        check our member's JSON and every Go log."""
        lead = None
        try:
            lead = self.leader()
        except Failure:
            pass
        if self.ours.up:
            self.ours_down()  # to the end of the logs
            self.ours.proc.stop(timeout=TIMEOUT)
            self.check_echo(f"{label}: our member (profile {self.ours.profile}) at the end", self.ours.proc, ROUNDS)
        for m in sorted((m for m in self.go if m.up), key=lambda m: m is lead):
            self.check_stopped(label, m)
        self.check_logs(label)

    def check_stopped(self, label, member):
        """SIGTERM: etcd runs its interrupt handlers (stopping the server) and
        then re-raises the signal with its default action, so the process
        ends by SIGTERM after "received signal; shutting down"."""
        rc = member.stop()
        self.check.equal(f"{label}: {member.name} ({member.release}) stops on SIGTERM", {
            "exit": rc, "logged": member.proc.count(lambda l: "received signal; shutting down" in l)},
            {"exit": -signal.SIGTERM, "logged": 1})

    def excused(self, proc, entry):
        """The condition of an ALLOWED_ANY_TIME line."""
        if entry.get("msg") != "leader found higher-versioned member":
            return True
        ours = self.ours_versions.get(entry.get("remote-member-version"))
        try:
            return ours and version_key(entry["remote-member-version"]) > version_key(entry["local-member-version"])
        except (KeyError, ValueError):
            return False

    def check_logs(self, label):
        ours = self.ours
        notes, bad = {}, []
        for p in self.go_procs:
            attached = next((i for i, l in enumerate(list(p.lines)) if ESTABLISHED in l
                             and (json_or_none(l) or {}).get("remote-peer-id") == ours.id), len(p.lines))
            for i, line in enumerate(list(p.lines)):
                entry = json_or_none(line)
                level = entry.get("level") if entry else None
                if level in DEADLY or (entry is None and re.match(r"(panic: |fatal error: )", line)):
                    bad.append(f"{p.name}: {line}")
                    continue
                if level not in TROUBLE or (ours.id not in line and ours.host not in line):
                    continue
                msg = entry.get("msg", "")
                if msg in ALLOWED_ANY_TIME and self.excused(p, entry):
                    why = "any time"
                elif msg in ALLOWED_WHILE_IT_STARTS and i < attached:
                    why = "while it starts"
                elif msg in ALLOWED_FROM_34 and p.release.minor == "3.4":
                    why = "3.4"
                elif msg in ALLOWED_WHILE_OURS_IS_DOWN and any(w[0] <= i and (w[1] is None or i < w[1])
                                                               for w in p.windows):
                    why = "ours down"
                elif msg in ALLOWED_WHILE_IT_STOPS and p.stopping is not None and i >= p.stopping:
                    why = "its own stop"
                else:
                    bad.append(f"{p.name}: {line}")
                    continue
                notes[f"{why}: {msg}"] = notes.get(f"{why}: {msg}", 0) + 1
        self.check(f"{label}: Go members' logs: no warning about our member outside its restarts, no panic/fatal",
                   not bad, "\n        ".join(bad[:20]) + (f"\n        ... {len(bad) - 20} more" if len(bad) > 20 else ""))
        print(f"  allowed warnings about our member (count): {json.dumps(notes, sort_keys=True)}", flush=True)
        others = {}
        for p in self.go_procs:
            for line in list(p.lines):
                entry = json_or_none(line)
                if entry and entry.get("level") in TROUBLE and ours.id not in line and ours.host not in line:
                    others[entry.get("msg")] = others.get(entry.get("msg"), 0) + 1
        print(f"  other warnings of the Go members (not checked; count): {json.dumps(others, sort_keys=True)}",
              flush=True)


# ------------------------------------------------------------ scenarios ----

def three_members(env, label, go_minors, profile, want_cv):
    """Two Go members of go_minors and ours with `profile`: writes, kill -9 the
    leader, restart it, kill -9 and restart ours, cluster version want_cv."""
    releases = [env.release(m) for m in go_minors]
    env.client = max(releases, key=lambda r: version_key(r.version)).client
    env.form(label, releases, sorted(set(releases), key=lambda r: version_key(r.version)))
    env.start_all(label, releases, profile)
    env.wait_attached(f"{label}: at start", {})
    env.writes(f"{label}: 3 members")
    try:
        members = env.client.members(env.endpoints())
    except ClientError as e:
        members = str(e)
    env.check.equal(f"{label}: member list (names and ids)", members, {m.name: m.id for m in env.go + [env.ours]})
    env.our_version(label)
    env.cluster_version(label, want_cv)
    env.kill_leader(label)
    env.restart_ours(label, profile)
    env.cluster_version(f"{label}: at the end", want_cv)
    env.writes(f"{label}: at the end")
    env.finish(label)


def rolling_upgrade(env, label):
    """3.5 -> 3.6 -> 3.7, one member at a time on the same data dirs."""
    steps = ["3.5", "3.6", "3.7"]
    releases = {m: env.release(m) for m in steps}
    env.client = releases["3.5"].client
    env.form(label, [releases["3.5"]] * 2, [releases[m] for m in steps])
    env.start_all(label, [releases["3.5"]] * 2, "3.5")
    env.wait_attached(f"{label}: at start", {})
    env.writes(f"{label}: all 3.5")
    env.our_version(f"{label}: all 3.5")
    env.cluster_version(f"{label}: all 3.5", "3.5.0")
    for step in steps[1:]:
        rel = releases[step]
        env.client = rel.client
        first_lead = env.leader()
        for m in [g for g in env.go if g is not first_lead] + [first_lead]:  # a follower first
            lead = env.leader()
            if lead is m:
                # A leader stopping hands leadership to its longest-connected
                # peer, which may be ours; the echo never campaigns, so that
                # transfer would time out. Move it to the other Go member first.
                other = next(g for g in env.go if g is not m)
                try:
                    env.client.move_leader(m.client_url, other.id)
                    moved = env.leader(exclude=(m,)) is other
                except (ClientError, Failure) as e:
                    moved = str(e)
                env.check(f"{label}: leadership moved from {m.name} to {other.name}", moved is True, str(moved))
            env.check_stopped(label, m)
            m.start(rel)
            m.wait_published()
            print(f"  {m.name} now runs {rel}", flush=True)
            env.writes(f"{label}: {m.name} on {step}")
        env.restart_ours(f"{label}: ours to {step}", step, kill=False)
        env.our_version(f"{label}: all {step}")
        env.cluster_version(f"{label}: all {step}", f"{step}.0")
        env.writes(f"{label}: all {step}")
    env.finish(label)


SCENARIOS = {
    "cluster-3.4": lambda env: three_members(env, "cluster-3.4", ["3.4", "3.4"], "3.4", "3.4.0"),
    "cluster-3.5": lambda env: three_members(env, "cluster-3.5", ["3.5", "3.5"], "3.5", "3.5.0"),
    "cluster-3.6": lambda env: three_members(env, "cluster-3.6", ["3.6", "3.6"], "3.6", "3.6.0"),
    "cluster-3.7": lambda env: three_members(env, "cluster-3.7", ["3.7", "3.7"], "3.7", "3.7.0"),
    "cluster-mixed-3.6-3.7": lambda env: three_members(env, "cluster-mixed-3.6-3.7", ["3.6", "3.7"], "3.7", "3.6.0"),
    "rolling-upgrade": lambda env: rolling_upgrade(env, "rolling-upgrade"),
}
NEEDS = {
    "cluster-3.4": ["3.4"], "cluster-3.5": ["3.5"], "cluster-3.6": ["3.6"], "cluster-3.7": ["3.7"],
    "cluster-mixed-3.6-3.7": ["3.6", "3.7"], "rolling-upgrade": ["3.5", "3.6", "3.7"],
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("scenario", choices=sorted(SCENARIOS))
    ap.add_argument("--cpp", required=True, help="the C++ rafthttp-peer")
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--build", help="where the etcd binaries are built (default: WORKDIR/../etcd)")
    args = ap.parse_args()

    clock = Stopwatch()
    workdir = Path(args.workdir).resolve()
    build_dir = Path(args.build).resolve() if args.build else workdir.parent / "etcd"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    cpp = Path(args.cpp).resolve()
    if not os.access(cpp, os.X_OK):
        print(f"FAIL: the C++ peer {cpp} is not an executable")
        return 1
    clog = ClientLog(workdir / "clients.log")
    try:
        releases = {m: ensure_release(m, build_dir, clog) for m in NEEDS[args.scenario]}
    except Unavailable as e:
        unavailable_exit(f"cluster scenario {args.scenario}: {e}")
    except Failure as e:
        print(f"FAIL: {e}")
        return 1
    print("releases: " + ", ".join(f"{r} ({r.etcd})" for r in releases.values()), flush=True)

    versioned, why = probe_peer_flags(cpp, workdir)
    env = Env(cpp, workdir, build_dir, versioned)
    env.release = lambda minor: releases[minor]
    env.check("rafthttp-peer takes --etcd-version and --cluster-version", versioned,
              f"it refused them ({why}); going on without them: the version checks will fail")
    print(f"{args.scenario}:", flush=True)
    try:
        SCENARIOS[args.scenario](env)
    except Failure as e:
        env.check(args.scenario, False, str(e))
        try:
            if env.ours is not None:
                env.check_logs(args.scenario)
        except Exception as e2:  # the failure above is what matters
            print(f"  (log check skipped: {e2})")
    finally:
        kill_all()
    ok = not env.check.failed
    print(f"{args.scenario}: {env.check.passed} checks passed, {len(env.check.failed)} failed, {clock}"
          f" (logs in {workdir})")
    for label in env.check.failed:
        print(f"  failed: {label}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
