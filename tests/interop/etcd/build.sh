#!/bin/sh
# Build a real etcd server, a small client and the id tool of one etcd release
# named in tests/interop/etcd-versions:
#
#   build.sh VERSION OUTDIR     VERSION: a minor (3.7) or the exact release (3.7.4)
#     -> OUTDIR/etcd-<minor>        etcd's own etcdmain (cmd/etcd)
#        OUTDIR/etcdclient-<minor>  put / get / members / status (cmd/etcdclient)
#        OUTDIR/etcdids-<minor>     member and cluster ids (cmd/etcdids)
#
# The Go programs are in cmd/; the requirements of each release are in
# <minor>/go.mod and <minor>/go.sum, used with -modfile and -mod=readonly
# (nothing is written to the source tree). Modules come from the Go module
# proxy. Exit 77 when Go (>= 1.26, the release's go directive) is missing;
# the 3.4 release is Debian's binaries (etcd-server, etcd-client): nothing to build.
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 VERSION OUTDIR" >&2
    exit 2
fi
SRC=$(cd "$(dirname "$0")" && pwd)
VERSIONS="$SRC/../etcd-versions"
line=$(awk -v v="$1" '!/^#/ && NF >= 3 && ($1 == v || $2 == v) { print $1, $2, $3; exit }' "$VERSIONS")
if [ -z "$line" ]; then
    echo "etcd build: $1 is not a release named in $VERSIONS" >&2
    exit 2
fi
set -- "$2" $line   # OUTDIR MINOR VERSION SOURCE
OUTARG=$1 MINOR=$2 VERSION=$3 ORIGIN=$4
if [ "$ORIGIN" != module ]; then
    echo "etcd build: $MINOR ($VERSION) comes from $ORIGIN's packages, nothing to build" >&2
    exit 2
fi
MODFILE="$MINOR/go.mod"
if ! grep -q "^[[:space:]]*go.etcd.io/etcd/server/v3 v$VERSION\$" "$SRC/$MODFILE"; then
    echo "etcd build: $SRC/$MODFILE does not require go.etcd.io/etcd/server/v3 v$VERSION (regenerate it: tests/interop/README.md)" >&2
    exit 1
fi

# The Go toolchain: $GO, else the 'go' on PATH, else /usr/local/go/bin/go when
# the one on PATH is older than these modules' go directive (Debian's golang-go
# is 1.19). GOTOOLCHAIN=local: never download another toolchain.
export GOTOOLCHAIN=local
new_enough() {
    case "$("$1" env GOVERSION 2>/dev/null)" in
        go1.2[6-9]* | go1.[3-9][0-9]* | go[2-9]*) return 0 ;;
        *) return 1 ;;
    esac
}
GO=${GO:-go}
if ! new_enough "$GO" && [ "$GO" = go ] && new_enough /usr/local/go/bin/go; then
    GO=/usr/local/go/bin/go
fi
if ! command -v "$GO" >/dev/null 2>&1; then
    echo "etcd build: skipped: the go toolchain is not installed" >&2
    exit 77
fi
if ! new_enough "$GO"; then
    echo "etcd build: skipped: etcd $VERSION needs Go >= 1.26.0, '$GO' is $("$GO" env GOVERSION 2>/dev/null || echo unknown)" >&2
    exit 77
fi

mkdir -p "$OUTARG"
OUT=$(cd "$OUTARG" && pwd)
# Keep the build cache out of read-only or missing homes (as goref/build.sh).
if [ -z "${GOCACHE:-}" ]; then
    cache=$("$GO" env GOCACHE 2>/dev/null || true)
    if [ -z "$cache" ] || [ "$cache" = off ] || ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
        GOCACHE="$OUT/etcd-gocache"
        export GOCACHE
    fi
fi

TMP="$OUT/.etcd-$MINOR.build"
rm -rf "$TMP"
mkdir -p "$TMP"
cd "$SRC"
GOFLAGS= "$GO" build -modfile="$MODFILE" -mod=readonly -trimpath -o "$TMP/" ./cmd/etcd ./cmd/etcdclient ./cmd/etcdids
for prog in etcd etcdclient etcdids; do
    mv -f "$TMP/$prog" "$OUT/$prog-$MINOR"
done
rmdir "$TMP"
echo "etcd build: $("$OUT/etcd-$MINOR" --version | head -1) -> $OUT/etcd-$MINOR, etcdclient-$MINOR, etcdids-$MINOR" >&2
