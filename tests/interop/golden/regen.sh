#!/usr/bin/env bash
# Regenerate or check the rafthttp-cpp golden vectors (raftpb.txt, streams.txt)
# with etcd 3.4.23's own Go code.
#
#   regen.sh OUTDIR          build gen/main.go and write OUTDIR/raftpb.txt and OUTDIR/streams.txt
#   regen.sh --check DIR     regenerate into a temp dir and compare with DIR/*.txt
#                            (exit 0 equal, 1 different)
#
# Exit code 77 (meson "skip") when go or the etcd 3.4.23 sources are unavailable.
#
# Build method: GOPATH mode (GO111MODULE=off) against the Debian package
# golang-etcd-server-dev (/usr/share/gocode, override with GOCODE=...).  The
# rafthttp stream codecs are unexported, so a throwaway GOPATH is created in a
# temp dir with
#   src/rafthttpgolden/rafthttpcopy/  <- etcd's unmodified msgappv2_codec.go and
#                                        msg_codec.go + shim/shim.go (copied)
#   src/rafthttpgolden/gen/           <- gen/main.go (copied)
# Nothing is written outside the temp dir except the requested output files.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
GOCODE="${GOCODE:-/usr/share/gocode}"
etcd="$GOCODE/src/go.etcd.io/etcd"
rafthttp="$etcd/etcdserver/api/rafthttp"
want_version="3.4.23"

usage() {
    echo "usage: $0 OUTDIR | $0 --check DIR" >&2
    exit 2
}

# CI sets RAFTHTTP_REQUIRE_INTEROP=1: there a missing toolchain is a failure.
skip() {
    if [ "${RAFTHTTP_REQUIRE_INTEROP:-0}" = 1 ]; then
        echo "regen.sh: FAIL (RAFTHTTP_REQUIRE_INTEROP=1): $*" >&2
        exit 1
    fi
    echo "regen.sh: SKIP: $*" >&2
    exit 77
}

check=0
case "${1:-}" in
    --check)
        [ $# -eq 2 ] || usage
        check=1
        target="$2"
        ;;
    -h | --help | "") usage ;;
    -*) usage ;;
    *)
        [ $# -eq 1 ] || usage
        target="$1"
        ;;
esac

command -v go >/dev/null 2>&1 || skip "the Go toolchain ('go') is not installed"
for f in "$rafthttp/msgappv2_codec.go" "$rafthttp/msg_codec.go" "$rafthttp/stream.go" \
    "$etcd/raft/raftpb/raft.pb.go" "$etcd/version/version.go"; do
    [ -f "$f" ] || skip "etcd $want_version Go sources not found ($f missing; install golang-etcd-server-dev or set GOCODE)"
done
grep -q "Version *= *\"$want_version\"" "$etcd/version/version.go" ||
    skip "etcd sources under $etcd are not version $want_version"

# shim/shim.go restates two identifiers of stream.go; make sure they still match.
for line in 'linkHeartbeatMessage = raftpb.Message{Type: raftpb.MsgHeartbeat}' \
    'return m.Type == raftpb.MsgHeartbeat && m.From == 0 && m.To == 0'; do
    if ! grep -qF "$line" "$rafthttp/stream.go"; then
        echo "regen.sh: ERROR: $rafthttp/stream.go no longer contains: $line" >&2
        echo "regen.sh: update shim/shim.go" >&2
        exit 1
    fi
done

work="$(mktemp -d "${TMPDIR:-/tmp}/rafthttp-golden.XXXXXX")"
trap 'rm -rf "$work"' EXIT

gopath="$work/gopath"
pkg="$gopath/src/rafthttpgolden"
mkdir -p "$pkg/rafthttpcopy" "$pkg/gen" "$work/out"
cp "$rafthttp/msgappv2_codec.go" "$rafthttp/msg_codec.go" "$pkg/rafthttpcopy/"
cp "$here/shim/shim.go" "$pkg/rafthttpcopy/golden_shim.go"
cp "$here/gen/main.go" "$pkg/gen/main.go"

gocache="$(go env GOCACHE 2>/dev/null || true)"
if [ -z "$gocache" ] || [ "$gocache" = "off" ] || ! mkdir -p "$gocache" 2>/dev/null || [ ! -w "$gocache" ]; then
    gocache="$work/gocache"
fi

(
    cd "$work"
    GO111MODULE=off GOFLAGS= GOPATH="$gopath:$GOCODE" GOCACHE="$gocache" \
        go build -o "$work/gen" rafthttpgolden/gen
)
"$work/gen" "$work/out"

files="raftpb.txt streams.txt"

if [ "$check" -eq 0 ]; then
    mkdir -p "$target"
    for f in $files; do
        cp "$work/out/$f" "$target/$f.tmp.$$"
        mv "$target/$f.tmp.$$" "$target/$f"
        echo "regen.sh: wrote $target/$f ($(wc -l <"$target/$f") lines, $(wc -c <"$target/$f") bytes)"
    done
    exit 0
fi

status=0
for f in $files; do
    new="$work/out/$f"
    old="$target/$f"
    if [ ! -f "$old" ]; then
        echo "regen.sh: MISSING: $old" >&2
        status=1
        continue
    fi
    if cmp -s "$old" "$new"; then
        echo "regen.sh: OK: $old"
        continue
    fi
    status=1
    echo "regen.sh: DIFFERS: $old (committed) vs regenerated" >&2
    echo "  committed:   $(wc -l <"$old") lines, $(wc -c <"$old") bytes" >&2
    echo "  regenerated: $(wc -l <"$new") lines, $(wc -c <"$new") bytes" >&2
    echo "  $(cmp "$old" "$new" 2>&1 | head -n 1)" >&2
    # Lines can be megabytes long: show the first differing lines, cut to 200 columns.
    diff <(cut -c1-200 "$old") <(cut -c1-200 "$new") | head -n 20 | sed 's/^/  /' >&2 || true
    ndiff="$(diff "$old" "$new" | grep -c '^[<>]' || true)"
    echo "  $ndiff differing line(s) in total" >&2
done
exit "$status"
