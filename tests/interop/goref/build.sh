#!/bin/sh
# Build the Go reference peer: build.sh OUTDIR -> OUTDIR/rafthttp-peer-go
# Uses Debian's etcd 3.4 Go sources (golang-etcd-server-dev) in GOPATH mode.
set -eu

if [ $# -ne 1 ]; then
    echo "usage: $0 OUTDIR" >&2
    exit 2
fi
SYSTEM_GOPATH=/usr/share/gocode
if ! command -v go >/dev/null 2>&1; then
    echo "goref: skipped: the go toolchain is not installed" >&2
    exit 77
fi
if [ ! -d "$SYSTEM_GOPATH/src/go.etcd.io/etcd/etcdserver/api/rafthttp" ]; then
    echo "goref: skipped: etcd 3.4 Go sources not found under $SYSTEM_GOPATH (install golang-etcd-server-dev)" >&2
    exit 77
fi

SRC=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)
GOPATH_DIR="$OUT/goref-gopath"
mkdir -p "$GOPATH_DIR/src"
ln -sfn "$SRC" "$GOPATH_DIR/src/goref"

# Keep the build cache out of read-only or missing homes.
if [ -z "${GOCACHE:-}" ]; then
    cache=$(go env GOCACHE 2>/dev/null || true)
    if [ -z "$cache" ] || [ "$cache" = off ] || ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
        GOCACHE="$OUT/goref-gocache"
        export GOCACHE
    fi
fi

cd "$GOPATH_DIR/src/goref"
GO111MODULE=off GOFLAGS= GOPATH="$GOPATH_DIR:$SYSTEM_GOPATH" \
    go build -o "$OUT/rafthttp-peer-go" goref
echo "goref: built $OUT/rafthttp-peer-go" >&2
