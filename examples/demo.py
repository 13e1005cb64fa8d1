#!/usr/bin/env python3
"""A loopback demo of rafthttp-peer: member 2 echoes, member 1 streams MsgApp
to it and waits for every answer, member 3 sends it a snapshot; member 2
reports what reached its raft. Usage: demo.py PATH/TO/rafthttp-peer"""
import hashlib
import json
import os
import socket
import subprocess
import sys
import tempfile


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(peer, *args):
    """Starts a member and returns once it prints READY (or fails)."""
    p = subprocess.Popen([peer, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    for line in p.stderr:
        if line.startswith("READY "):
            return p
    raise SystemExit("member did not start: " + " ".join(args))


def run(peer, *args):
    done = subprocess.run([peer, *args], capture_output=True, text=True, timeout=300)
    if done.returncode != 0:
        raise SystemExit(f"rafthttp-peer {' '.join(args)} failed:\n{done.stderr}")
    return json.loads(done.stdout)


def main():
    peer = sys.argv[1]
    url1, url2, url3 = (f"http://127.0.0.1:{free_port()}" for _ in range(3))
    with tempfile.TemporaryDirectory() as snap_dir:
        print(f"member 2: echo at {url2}, snapshots into {snap_dir}")
        echo = start(peer, "--mode", "echo", "--id", "2", "--listen", url2, "--peer", f"1={url1}",
                     "--peer", f"3={url3}", "--snap-dir", snap_dir, "--idle", "5s")

        sent = run(peer, "--mode", "send", "--id", "1", "--listen", url1, "--peer", f"2={url2}", "--to", "2",
                   "--type", "MsgApp", "--entries", "4", "--entry-size", "128", "--term-every", "5000",
                   "--count", "20000", "--await-acks", "--window", "256")
        lat = sent["acks"]["latency_us"]
        print(f"member 1: {sent['sent']} MsgApp of 4 entries over the msgappv2 stream, "
              f"all {sent['acks']['acked']} answered by MsgAppResp: {sent['acks']['msgs_per_s']:.0f} round trips/s, "
              f"latency p50 {lat['p50']:.0f} us, p99 {lat['p99']:.0f} us")

        snap = run(peer, "--mode", "snapshot", "--id", "3", "--listen", url3, "--peer", f"2={url2}", "--to", "2",
                   "--snap-index", "42", "--snap-term", "5", "--db-size", str(64 * 1024 * 1024))
        print(f"member 3: snapshot at index 42 with a {snap['db_size'] >> 20} MiB database: {snap['status']} "
              f"at {snap['mb_per_s']:.0f} MB/s")

        echo.terminate()
        out, _ = echo.communicate(timeout=30)
        received = json.loads(out)
        by_type = ", ".join(f"{n} {t}" for t, n in sorted(received["by_type"].items()))
        print(f"member 2: raft processed {by_type}; sent {received.get('echo_replies', 0)} answers")
        for s in received["snapshots"]:
            path = s["db_path"]
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()
            same = "identical" if digest == snap["db_sha256"] else "DIFFERENT"
            print(f"member 2: saved {os.path.basename(path)} ({s['db_size'] >> 20} MiB), SHA-256 {same} to the sent one")
        digests_match = received["senders"]["1"]["sha256"] == sent["sha256"]
        print("members 1 and 2 agree on every MsgApp byte, in order (SHA-256 over the stream)"
              if digests_match else "members 1 and 2 DISAGREE on the messages")
        if not digests_match or not received["snapshots"]:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
