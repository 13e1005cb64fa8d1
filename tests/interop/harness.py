"""Plumbing of the interop suite: processes, ports, Go builds, checks.

Everything waits for events (a READY line, a log line, a process exit) with a
timeout; nothing sleeps to synchronise. Python 3 standard library only.
"""

import fcntl
import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
SKIP = 77  # meson's "skipped" exit status


class Unavailable(Exception):
    """A tool the scenario needs (Go, etcd sources, etcd binary) is missing."""


class Failure(Exception):
    """The scenario cannot go on (a process failed, a wait timed out)."""


def unavailable_exit(what):
    """Missing tools skip the test, unless CI asked for the interop suite."""
    if os.environ.get("RAFTHTTP_REQUIRE_INTEROP") == "1":
        print(f"FAIL (RAFTHTTP_REQUIRE_INTEROP=1): {what}", flush=True)
        sys.exit(1)
    print(f"SKIP: {what}", flush=True)
    sys.exit(SKIP)


# ---------------------------------------------------------------- ports ----

_taken = set()


def free_ports(n):
    """n distinct free loopback ports below Linux's ephemeral range
    (32768-60999), so that no outgoing connection of another process takes one
    before our peer listens on it."""
    ports = []
    while len(ports) < n:
        port = random.randrange(20000, 32700)
        if port in _taken:
            continue
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
        _taken.add(port)
        ports.append(port)
    return ports


def url(port, scheme="http"):
    return f"{scheme}://127.0.0.1:{port}"


class BrokenListener:
    """A port that accepts TCP connections and closes them at once, counting
    them: a peer URL whose server is broken."""

    def __init__(self, port):
        self.accepted = 0
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", port))
        self.sock.listen(64)
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return  # closed
            self.accepted += 1
            conn.close()

    def close(self):
        self.sock.close()


# ------------------------------------------------------------ processes ----

# Every change of process state (a line on stderr, an exit) notifies this.
_changed = threading.Condition()
_running = []


def wait_until(predicate, timeout, what, fail=True):
    """Block until predicate() is true (re-checked whenever a process printed
    a line or exited). After timeout seconds: Failure, or False if not fail."""
    with _changed:
        ok = _changed.wait_for(predicate, timeout)
    if not ok and fail:
        raise Failure(f"timed out after {timeout:g}s waiting for {what}")
    return ok


class Proc:
    """A child process whose stderr lines and stdout are collected by threads
    (and copied to WORKDIR/<name>.err and .out)."""

    def __init__(self, name, argv, workdir, env=None):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.err_path = Path(workdir) / f"{name}.err"
        self.out_path = Path(workdir) / f"{name}.out"
        self.lines = []  # stderr
        self.stdout = b""
        self.ready_url = None
        self.rc = None
        full_env = dict(os.environ)
        full_env.update(env or {})
        self.p = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, env=full_env, cwd=workdir)
        _running.append(self)
        self._err_done = False
        threading.Thread(target=self._read_stderr, daemon=True).start()
        threading.Thread(target=self._read_stdout, daemon=True).start()

    def _read_stderr(self):
        with open(self.err_path, "wb") as copy:
            for raw in self.p.stderr:
                copy.write(raw)
                copy.flush()
                line = raw.decode(errors="replace").rstrip("\n")
                with _changed:
                    self.lines.append(line)
                    if self.ready_url is None and line.startswith("READY "):
                        self.ready_url = line.split(" ", 1)[1]
                    _changed.notify_all()
        with _changed:
            self._err_done = True
            _changed.notify_all()

    def _read_stdout(self):
        data = self.p.stdout.read()
        self.out_path.write_bytes(data)
        rc = self.p.wait()
        with _changed:
            self.stdout = data
            self.rc = rc
            _changed.notify_all()

    @property
    def exited(self):
        return self.rc is not None and self._err_done

    def wait_ready(self, timeout=20):
        wait_until(lambda: self.ready_url is not None or self.exited, timeout, f"READY from {self.name}")
        if self.ready_url is None:
            raise Failure(f"{self.name} exited with {self.rc} before READY:\n{self.tail()}")
        return self.ready_url

    def wait_lines(self, predicate, count, timeout, what):
        """Wait until `count` stderr lines satisfy predicate."""
        wait_until(lambda: self.count(predicate) >= count or self.exited, timeout, f"{what} in {self.name}")
        if self.count(predicate) < count:
            raise Failure(f"{self.name} exited ({self.rc}) before {what}:\n{self.tail()}")

    def count(self, predicate):
        return sum(1 for line in list(self.lines) if predicate(line))

    def wait_exit(self, timeout, others=()):
        """Wait for this process to exit; Failure if it takes longer or if one
        of `others` exits with an error first."""
        def done():
            return self.exited or any(o.exited and o.rc != 0 for o in others)
        wait_until(done, timeout, f"{self.name} to finish")
        if not self.exited:
            bad = next(o for o in others if o.exited and o.rc != 0)
            raise Failure(f"{bad.name} failed with exit status {bad.rc}:\n{bad.tail()}")
        return self.rc

    def stop(self, timeout=20, sig=signal.SIGTERM):
        """End the process with sig (a peer then prints its JSON) and wait."""
        if not self.exited:
            self.p.send_signal(sig)
        return self.wait_exit(timeout)

    def kill(self):
        if self.p.poll() is None:
            self.p.kill()

    def json(self):
        if self.rc != 0:
            raise Failure(f"{self.name} exited with status {self.rc}:\n{self.tail()}")
        try:
            return json.loads(self.stdout)
        except ValueError as e:
            raise Failure(f"{self.name} printed no JSON ({e}): {self.stdout[:200]!r}") from None

    def tail(self, n=15):
        return "\n".join("    " + l for l in self.lines[-n:])


def kill_all():
    for p in _running:
        p.kill()
    for p in _running:
        try:
            p.p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass


# ------------------------------------------------------------------ TLS ----

# Extensions of the certificates Pki makes: a CA, and a peer certificate as an
# etcd member presents it in both roles (server and client) on loopback.
_OPENSSL_CONFIG = """\
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


class PeerCert:
    """A peer's certificate and key, and the CA file it trusts."""

    def __init__(self, cert, key, trusted_ca):
        self.cert, self.key, self.trusted_ca = cert, key, trusted_ca

    def flags(self):
        """rafthttp-peer's TLS flags (doc/peer-cli.md 4.4) for mutual TLS."""
        return ["--cert-file", self.cert, "--key-file", self.key, "--trusted-ca-file", self.trusted_ca,
                "--client-cert-auth"]

    def etcd_flags(self):
        """The same for an etcd server's peer listener and dialer."""
        return ["--peer-cert-file", self.cert, "--peer-key-file", self.key, "--peer-trusted-ca-file", self.trusted_ca,
                "--peer-client-cert-auth"]


class Pki:
    """Certificates made at test time with the openssl command line tool:
    ECDSA P-256 keys, valid for two days. ca() makes a self-signed CA; peer()
    a certificate signed by one, with IP SAN 127.0.0.1 and both TLS usages."""

    def __init__(self, directory):
        if shutil.which("openssl") is None:
            raise Unavailable("the 'openssl' command line tool is not installed (Debian: openssl)")
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = self.dir / "openssl.cnf"
        self.config.write_text(_OPENSSL_CONFIG)

    def _openssl(self, *args):
        argv = ["openssl"] + [str(a) for a in args]
        proc = subprocess.run(argv, capture_output=True, text=True, cwd=self.dir, timeout=60)
        if proc.returncode != 0:
            raise Failure(f"{' '.join(argv)} failed ({proc.returncode}):\n{proc.stderr}")

    def _key_args(self, name):
        return ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", self.dir / f"{name}.key", "-subj", f"/CN={name}"]

    def ca(self, name):
        """A CA: returns its certificate file (the key stays beside it)."""
        cert = self.dir / f"{name}.crt"
        self._openssl("req", "-x509", "-config", self.config, "-extensions", "ca", "-days", "2",
                      "-out", cert, *self._key_args(name))
        return cert

    def peer(self, name, ca, trusted_ca=None):
        """A peer certificate for `name` signed by the CA `ca` (a file ca()
        returned); the peer trusts `trusted_ca` (default: the same CA)."""
        csr, cert = self.dir / f"{name}.csr", self.dir / f"{name}.crt"
        self._openssl("req", "-new", "-config", self.config, "-out", csr, *self._key_args(name))
        self._openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca.with_suffix(".key"),
                      "-set_serial", str(random.getrandbits(63) | 1), "-days", "2",
                      "-extfile", self.config, "-extensions", "peer", "-out", cert)
        return PeerCert(cert, self.dir / f"{name}.key", trusted_ca or ca)


# ----------------------------------------------------------- Go builds ----

def go_available():
    try:
        out = subprocess.run(["go", "version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return out.stdout.strip() if out.returncode == 0 else None


def build_once(output, sources, build):
    """Run build() unless `output` is newer than a build of the same sources
    and Go version. Concurrent tests share the build: a lock file beside the
    output serialises them and the stamp says whether it is current."""
    version = go_available()
    if version is None:
        raise Unavailable("the Go toolchain ('go') is not installed")
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256(version.encode())
    for f in sorted(sources):
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    stamp = output.with_name(output.name + ".stamp")
    with open(output.with_name(output.name + ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if output.exists() and stamp.exists() and stamp.read_text() == digest.hexdigest():
            return output
        build()
        stamp.write_text(digest.hexdigest())
    return output


def _run_build(argv, env=None, cwd=None):
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=cwd, timeout=600)
    if proc.returncode == SKIP:
        raise Unavailable(proc.stderr.strip().splitlines()[-1] if proc.stderr.strip() else "build skipped")
    if proc.returncode != 0:
        raise Failure(f"{' '.join(map(str, argv))} failed ({proc.returncode}):\n{proc.stderr}")


GO_PEER_PREFIX = "rafthttp-peer-go-"


def go_peer_release(path):
    """The etcd minor release a Go peer binary is named after
    (.../rafthttp-peer-go-3.7 -> "3.7"), as goref/build.sh names them."""
    name = Path(path).name
    if not name.startswith(GO_PEER_PREFIX) or not name[len(GO_PEER_PREFIX):]:
        raise Failure(f"a Go peer must be named {GO_PEER_PREFIX}<minor> (e.g. {GO_PEER_PREFIX}3.7), not {path}")
    return name[len(GO_PEER_PREFIX):]


def ensure_go_peer(path):
    """Build tests/interop/goref on the etcd release `path` names
    (.../rafthttp-peer-go-<minor>) into path."""
    path = Path(path)
    minor = go_peer_release(path)
    goref = HERE / "goref"
    # (3.6 and 3.7 take their 3.4 encoder from the module modules/3.5 pins.)
    sources = (list(goref.glob("*.go")) + [goref / "build.sh", HERE / "etcd-versions"] +
               list((goref / "modules").glob("*/go.*")))
    return build_once(path, sources, lambda: _run_build([goref / "build.sh", minor, path.parent]))


ETCD_GOCODE = Path("/usr/share/gocode")


def _writable_go_cache():
    if os.environ.get("GOCACHE"):
        return True
    cache = subprocess.run(["go", "env", "GOCACHE"], capture_output=True, text=True).stdout.strip()
    if not cache or cache == "off":
        return False
    try:
        os.makedirs(cache, exist_ok=True)
    except OSError:
        return False
    return os.access(cache, os.W_OK)


def ensure_etcdids(path):
    """Build tests/interop/etcdids (etcd's membership code, GOPATH mode)."""
    path = Path(path)
    if not (ETCD_GOCODE / "src/go.etcd.io/etcd/etcdserver/api/membership/cluster.go").exists():
        raise Unavailable(f"etcd 3.4 Go sources not found under {ETCD_GOCODE} (install golang-etcd-server-dev)")

    def build():
        gopath = path.parent / "etcdids-gopath"
        (gopath / "src").mkdir(parents=True, exist_ok=True)
        link = gopath / "src" / "etcdids"
        if not link.is_symlink():
            link.symlink_to(HERE / "etcdids")
        env = dict(os.environ, GO111MODULE="off", GOFLAGS="", GOPATH=f"{gopath}:{ETCD_GOCODE}")
        if not _writable_go_cache():  # as goref/build.sh: keep the cache out of read-only homes
            env["GOCACHE"] = str(path.parent / "etcdids-gocache")
        _run_build(["go", "build", "-o", path, "etcdids"], env=env, cwd=link)

    return build_once(path, list((HERE / "etcdids").glob("*.go")), build)


# --------------------------------------------------------------- checks ----

class Checks:
    """Named checks, printed as they are made; any failed one fails the test."""

    def __init__(self):
        self.failed = []
        self.passed = 0

    def __call__(self, label, ok, detail=""):
        if ok:
            self.passed += 1
            print(f"  ok    {label}", flush=True)
        else:
            self.failed.append(label)
            print(f"  FAIL  {label}" + (f"\n        {detail}" if detail else ""), flush=True)
        return ok

    def equal(self, label, got, want):
        return self(label, got == want, f"got {_short(got)}\n        want {_short(want)}")

    def same_file(self, label, got_path, want_path):
        got, want = Path(got_path).read_bytes(), Path(want_path).read_bytes()
        if got == want:
            return self(label, True)
        g, w = got.decode(errors="replace").splitlines(), want.decode(errors="replace").splitlines()
        for i, (a, b) in enumerate(zip(g, w)):
            if a != b:
                return self(label, False, f"{got_path}:{i + 1} differs from {want_path}\n"
                                          f"        got  {a}\n        want {b}")
        return self(label, False, f"{got_path} has {len(g)} lines, {want_path} has {len(w)}")


def _short(v, n=300):
    s = json.dumps(v, sort_keys=True) if not isinstance(v, str) else v
    return s if len(s) <= n else s[:n] + "..."


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_MASK64 = (1 << 64) - 1


def check64(data):
    """check64 of doc/peer-cli.md 7.6 (the peers' --digest cheap), written here
    from the definition, independently of the C++ and Go implementations:
    for word i (8 bytes little-endian, the last zero-padded)
    h += z ^ (z >> 29) with z = (w ^ i*0x9E3779B97F4A7C15) * 0xBF58476D1CE4E5B9;
    then (h ^ length) + 0x9E3779B97F4A7C15 through splitmix64's finalizer.
    Returns 16 hex digits."""
    n = len(data)
    padded = bytes(data) + bytes(-n % 8)
    h = 0
    position = 0
    for i in range(0, len(padded), 8):
        z = ((int.from_bytes(padded[i:i + 8], "little") ^ position) * 0xBF58476D1CE4E5B9) & _MASK64
        h = (h + (z ^ (z >> 29))) & _MASK64
        position = (position + 0x9E3779B97F4A7C15) & _MASK64
    f = ((h ^ n) + 0x9E3779B97F4A7C15) & _MASK64
    f = ((f ^ (f >> 30)) * 0xBF58476D1CE4E5B9) & _MASK64
    f = ((f ^ (f >> 27)) * 0x94D049BB133111EB) & _MASK64
    return f"{f ^ (f >> 31):016x}"


class Stopwatch:
    def __init__(self):
        self.start = time.monotonic()

    def __str__(self):
        return f"{time.monotonic() - self.start:.1f}s"
