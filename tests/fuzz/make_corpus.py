#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (tests/fuzz/corpus/<target>/seed-*).

    tests/fuzz/make_corpus.py [OUTDIR]        (default: tests/fuzz/corpus)

Seeds come from the golden vectors etcd's Go code wrote (tests/golden/*.txt)
and from typical etcd rafthttp HTTP exchanges. Each file starts with the
target's configuration bytes (see targets.hpp):
  http_request, http_response, message_stream, msgappv2: [limit][split][split]
  protobuf:                                               [type][first length, 2 bytes BE]
The output is deterministic; existing seed-* files of a target are replaced,
other files (inputs libFuzzer found and a merge kept) are left alone.
"""

import hashlib
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "golden")

# Indexes into stream_limit() / header_limit() of common.hpp.
STREAM_LIMIT = {"0": 0, "8": 2, "9": 3, "17": 5, "100": 8, "4096": 11, "default": 13, "max": 15}
HEADER_LIMIT = {"8": 2, "64": 4, "512": 6, "4096": 7, "65536": 8, "max": 9}
# protobuf type selector: index into protobuf_type_names of targets.hpp.
PB_TYPE = {"message": 0, "entry": 1, "snapshot": 2, "confstate": 4, "hardstate": 5, "confchange": 6,
           "confchangev2": 8, "decode": 0, "reject": 0}
# split modes (low 3 bits of the first split byte): 0 whole, 1 bytes, 2..6 random sizes, 7 with empty pieces.
SPLITS = [(0x00, 0x00), (0x01, 0x00), (0x12, 0x34), (0x23, 0x45), (0x34, 0x56), (0x45, 0x67), (0x56, 0x78),
          (0x67, 0x89)]

MAX_STREAM_BYTES = 1024


def golden_lines(name):
    with open(os.path.join(GOLDEN, name)) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                yield line.split()


def protobuf_seeds():
    by_kind = {}
    for tokens in golden_lines("raftpb.txt"):
        kind = tokens[0]
        if kind in PB_TYPE:
            by_kind.setdefault(kind, []).append(bytes.fromhex("" if tokens[1] == "." else tokens[1]))
    seeds = []
    # How many of each kind: the message vectors are many and alike.
    take = {"message": 60, "entry": 30, "snapshot": 20, "confstate": 20, "hardstate": 8, "confchange": 12,
            "confchangev2": 15, "decode": 70, "reject": 70}
    for kind, vectors in sorted(by_kind.items()):
        step = max(1, len(vectors) // take[kind])
        chosen = vectors[::step][: take[kind]]
        for i, first in enumerate(chosen):
            # The second part (decoded into the same value after the first) is
            # the next vector of the kind, or nothing.
            second = chosen[(i + 1) % len(chosen)] if i % 2 == 0 else b""
            seeds.append(bytes([PB_TYPE[kind]]) + struct.pack(">H", len(first)) + first + second)
    # snapshot_metadata and conf_change_single, which no golden line holds alone.
    seeds.append(bytes([3, 0, 12]) + bytes.fromhex("0a0608011002280110051807"))
    seeds.append(bytes([3, 0, 0]))
    seeds.append(bytes([7, 0, 4]) + bytes.fromhex("08031005") + bytes.fromhex("0801"))
    return seeds


def cut_records(kind, data, limit):
    """The longest prefix of whole records not above `limit` bytes (at least one record)."""
    at = 0
    while at < len(data):
        if kind == "message":
            n = 8 + struct.unpack(">Q", data[at:at + 8])[0]
        else:
            t = data[at]
            if t == 0:
                n = 1
            elif t == 2:
                n = 9 + struct.unpack(">Q", data[at + 1:at + 9])[0]
            else:
                count = struct.unpack(">Q", data[at + 1:at + 9])[0]
                n = 9
                for _ in range(count):
                    n += 8 + struct.unpack(">Q", data[at + n:at + n + 8])[0]
                n += 8
        if at > 0 and at + n > limit:
            break
        at += n
    return data[:at]


def stream_seeds(kind):
    seeds = []
    name = None
    for tokens in golden_lines("streams.txt"):
        if tokens[0] == "stream":
            name, stream_kind = tokens[1], tokens[2]
        elif tokens[0] == "bytes" and stream_kind == kind and tokens[1] != ".":
            data = cut_records(kind, bytes.fromhex(tokens[1]), MAX_STREAM_BYTES)
            i = len(seeds)
            a, b = SPLITS[i % len(SPLITS)]
            seeds.append(bytes([STREAM_LIMIT["default"], a, b]) + data)
            if i % 8 == 0:  # the same bytes under small limits
                seeds.append(bytes([STREAM_LIMIT["100"], a, b]) + data)
                seeds.append(bytes([STREAM_LIMIT["17"], 0x03, b]) + data)
    # The max limit ("no limit" configured) and a few hand-made records.
    if kind == "message":
        frame = bytes.fromhex("08081001180220002800300040004a0a12080a0228001000180050005800")
        seeds.append(bytes([STREAM_LIMIT["max"], 0x02, 0x11]) + struct.pack(">Q", len(frame)) + frame)
        seeds.append(bytes([STREAM_LIMIT["default"], 0x01, 0]) + struct.pack(">Q", 2**40))
    else:
        seeds.append(bytes([STREAM_LIMIT["max"], 0x02, 0x11]) + bytes.fromhex("00" + "01" + "00" * 8 + "00" * 7 + "07"))
        seeds.append(bytes([STREAM_LIMIT["4096"], 0x01, 0]) + bytes.fromhex("01" + "0000000000100000"))
        seeds.append(bytes([STREAM_LIMIT["default"], 0x00, 0]) + bytes.fromhex("03"))
    return seeds


# --------------------------------------------------------------------- HTTP --
MSG = bytes.fromhex("08081002180120052800300040004a0a12080a0228001000180050005800")
CLUSTER = "X-Etcd-Cluster-Id: 7e27652122e8b2ae\r\nX-Server-From: 8e9e05c52164694d\r\n" \
          "X-Server-Version: 3.4.23\r\nX-Min-Cluster-Version: 3.0.0\r\n"


def chunked(body, sizes):
    out, at = b"", 0
    for n in sizes:
        out += b"%x\r\n" % n + body[at:at + n] + b"\r\n"
        at += n
    return out + b"0\r\n\r\n"


def requests():
    frame = struct.pack(">Q", len(MSG)) + MSG
    return [
        # Pipeline POST as Go's http.Client sends it.
        ("POST /raft HTTP/1.1\r\nHost: 127.0.0.1:2380\r\nUser-Agent: Go-http-client/1.1\r\n"
         "Content-Length: %d\r\nContent-Type: application/protobuf\r\n" % len(MSG) + CLUSTER +
         "X-Peerurls: http://127.0.0.1:2380\r\nAccept-Encoding: gzip\r\n\r\n").encode() + MSG,
        # Stream GETs.
        ("GET /raft/stream/msgapp/8e9e05c52164694d HTTP/1.1\r\nHost: 127.0.0.1:2380\r\n"
         "User-Agent: Go-http-client/1.1\r\n" + CLUSTER + "X-Peerurls: http://127.0.0.1:2380\r\n"
         "X-Raft-To: 91bc3c398fb3c146\r\nAccept-Encoding: gzip\r\n\r\n").encode(),
        ("GET /raft/stream/message/8e9e05c52164694d HTTP/1.1\r\nHost: [::1]:2380\r\n" + CLUSTER +
         "X-Raft-To: 91bc3c398fb3c146\r\n\r\n").encode(),
        # Snapshot POST with a chunked body (Go streams it through a pipe).
        ("POST /raft/snapshot HTTP/1.1\r\nHost: 10.0.0.1:2380\r\nTransfer-Encoding: chunked\r\n"
         "Content-Type: application/octet-stream\r\n" + CLUSTER + "\r\n").encode() +
        chunked(frame + b"snapshot-data" * 3, [8, len(MSG), 39]),
        # Probes and version, pipelined, then garbage.
        b"GET /raft/probing HTTP/1.1\r\nHost: a\r\n\r\nGET /version HTTP/1.1\r\nHost: a\r\n\r\n"
        b"HEAD / HTTP/1.1\r\n\r\n\x00\x01garbage",
        # curl-like: Expect, HTTP/1.0, Connection headers, odd spacing and case.
        b"POST /raft HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\ncontent-length: 3\r\n\r\nabc",
        b"GET /raft/probing HTTP/1.0\r\nConnection: keep-alive\r\nx-server-from:\t 1a \t\r\n\r\n",
        b"GET /raft/probing HTTP/1.1\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\n\r\n",
        b"POST /raft?x=1&y=%20 HTTP/1.1\r\nContent-Length: 0\r\nA: b\r\n c\r\n\r\n",
        b"POST /raft HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n0\r\nTrailer: x\r\n\r\n",
        b"POST /raft HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
        b"PUT /members HTTP/1.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n",
        b"OPTIONS * HTTP/1.1\r\n\r\nCONNECT host:443 HTTP/1.1\r\n\r\n",
    ]


def responses():
    date = "Date: Mon, 02 Jan 2023 15:04:05 GMT\r\n"
    head = "X-Server-Version: 3.4.23\r\nX-Etcd-Cluster-Id: 7e27652122e8b2ae\r\n" + date
    stream = bytes.fromhex("00" "02000000000000001e" "080310021801200528053014400d4a0a12080a0228001000180050005800")
    return [
        ("HTTP/1.1 200 OK\r\n" + head + "Content-Type: application/octet-stream\r\n"
         "Transfer-Encoding: chunked\r\n\r\n").encode() + chunked(stream, [1, len(stream) - 1]),
        ("HTTP/1.1 204 No Content\r\n" + head + "\r\n").encode(),
        ("HTTP/1.1 412 Precondition Failed\r\nContent-Type: text/plain; charset=utf-8\r\n"
         "X-Content-Type-Options: nosniff\r\n" + head + "Content-Length: 20\r\n\r\ncluster ID mismatch\n").encode(),
        ("HTTP/1.1 404 Not Found\r\n" + head + "Content-Length: 19\r\n\r\n404 page not found\n"
         "HTTP/1.1 410 Gone\r\nContent-Length: 0\r\n\r\n").encode(),
        ("HTTP/1.1 500 Internal Server Error\r\n" + head + "Connection: close\r\n\r\nbody until EOF").encode(),
        b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n0\r\nX-Trailer: 1\r\n\r\n",
        b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
        b"HTTP/1.1 999 Whatever\r\ncontent-length:0\r\n\r\n",
        b"HTTP/1.1 200\r\n\r\n",
    ]


def http_seeds(messages):
    seeds = []
    for i, text in enumerate(messages):
        a, b = SPLITS[i % len(SPLITS)]
        seeds.append(bytes([HEADER_LIMIT["65536"], a, b]) + text)
        seeds.append(bytes([HEADER_LIMIT["64"], 0x02, b]) + text)
    seeds.append(bytes([HEADER_LIMIT["8"], 0x01, 0]) + messages[0])
    seeds.append(bytes([HEADER_LIMIT["max"], 0x07, 0x99]) + messages[1])
    return seeds


def write(outdir, target, seeds):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        if f.startswith("seed-"):
            os.remove(os.path.join(d, f))
    for seed in seeds:
        with open(os.path.join(d, "seed-" + hashlib.sha1(seed).hexdigest()[:16]), "wb") as f:
            f.write(seed)
    return len(set(seeds))


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus")
    counts = {
        "protobuf": write(outdir, "protobuf", protobuf_seeds()),
        "message_stream": write(outdir, "message_stream", stream_seeds("message")),
        "msgappv2": write(outdir, "msgappv2", stream_seeds("msgappv2")),
        "http_request": write(outdir, "http_request", http_seeds(requests())),
        "http_response": write(outdir, "http_response", http_seeds(responses())),
    }
    for target, n in counts.items():
        print(f"{target}: {n} seeds")


if __name__ == "__main__":
    main()
