#!/usr/bin/env bash
# Regenerate or check the rafthttp-cpp golden vectors with etcd's own Go code.
#
#   regen.sh OUTDIR                          etcd 3.4.23: build gen/main.go, write OUTDIR/raftpb.txt
#                                            and OUTDIR/streams.txt
#   regen.sh --version 3.5|3.6|3.7 OUTDIR    build gen-<V>/ (a Go module), write OUTDIR/raftpb-<V>.txt
#   regen.sh --check [--version V] DIR       regenerate into a temp dir and compare with DIR
#                                            (exit 0 equal, 1 different)
#
# --version 3.4 is the same as no --version. Exit code 77 (meson "skip") when go or
# the Go code is unavailable (RAFTHTTP_REQUIRE_INTEROP=1 turns that into a failure).
#
# 3.4 build: GOPATH mode (GO111MODULE=off) against the Debian package
# golang-etcd-server-dev (/usr/share/gocode, override with GOCODE=...). The
# rafthttp stream codecs are unexported, so a throwaway GOPATH is created in a
# temp dir with
#   src/rafthttpgolden/rafthttpcopy/  <- etcd's unmodified msgappv2_codec.go and
#                                        msg_codec.go + shim/shim.go (copied)
#   src/rafthttpgolden/gen/           <- gen/main.go (copied)
#
# 3.5/3.6/3.7 build: module mode. common/ and gen-<V>/ (go.mod, go.sum, main.go)
# are copied side by side into a temp dir (gen-<V>/go.mod replaces
# rafthttpgolden/common with ../common) and built there with -mod=readonly and
# GOTOOLCHAIN=local; the modules come from the Go module proxy (GOPROXY) or the
# module cache. Before building, the raft module and version gen-<V>/go.mod
# requires are checked against the go.mod of go.etcd.io/etcd/server/v3 at the
# etcd version tests/interop/etcd-versions names for that minor (as are the
# protobuf modules both name). For 3.5 the shared vector lines must also equal
# those of DIR/raftpb.txt (3.5.36 encodes and decodes as 3.4.23).
#
# Nothing is written outside the temporary directory except the requested output files.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
versions_file="$here/../etcd-versions"

usage() {
    echo "usage: $0 [--check] [--version 3.4|3.5|3.6|3.7] DIR" >&2
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
version=3.4
target=""
while [ $# -gt 0 ]; do
    case "$1" in
        --check) check=1 ;;
        --version)
            [ $# -ge 2 ] || usage
            version="$2"
            shift
            ;;
        -h | --help) usage ;;
        -*) usage ;;
        *)
            [ -z "$target" ] || usage
            target="$1"
            ;;
    esac
    shift
done
[ -n "$target" ] || usage
case "$version" in
    3.4 | 3.5 | 3.6 | 3.7) ;;
    *) usage ;;
esac

command -v go >/dev/null 2>&1 || skip "the Go toolchain ('go') is not installed"

work="$(mktemp -d "${TMPDIR:-/tmp}/rafthttp-golden.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/out"

gocache="$(go env GOCACHE 2>/dev/null || true)"
if [ -z "$gocache" ] || [ "$gocache" = "off" ] || ! mkdir -p "$gocache" 2>/dev/null || [ ! -w "$gocache" ]; then
    gocache="$work/gocache"
fi

# The etcd version tests/interop/etcd-versions names for a minor.
etcd_version() {
    awk -v m="$1" '$1 == m { print $2 }' "$versions_file"
}

if [ "$version" = 3.4 ]; then
    GOCODE="${GOCODE:-/usr/share/gocode}"
    etcd="$GOCODE/src/go.etcd.io/etcd"
    rafthttp="$etcd/etcdserver/api/rafthttp"
    want_version="$(etcd_version 3.4)"
    [ -n "$want_version" ] || { echo "regen.sh: ERROR: no 3.4 line in $versions_file" >&2; exit 1; }
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

    gopath="$work/gopath"
    pkg="$gopath/src/rafthttpgolden"
    mkdir -p "$pkg/rafthttpcopy" "$pkg/gen"
    cp "$rafthttp/msgappv2_codec.go" "$rafthttp/msg_codec.go" "$pkg/rafthttpcopy/"
    cp "$here/shim/shim.go" "$pkg/rafthttpcopy/golden_shim.go"
    cp "$here/gen/main.go" "$pkg/gen/main.go"

    (
        cd "$work"
        GO111MODULE=off GOFLAGS= GOPATH="$gopath:$GOCODE" GOCACHE="$gocache" \
            go build -o "$work/gen" rafthttpgolden/gen
    )
    "$work/gen" "$work/out"
    files="raftpb.txt streams.txt"
else
    gendir="$here/gen-$version"
    want_version="$(etcd_version "$version")"
    [ -n "$want_version" ] || { echo "regen.sh: ERROR: no $version line in $versions_file" >&2; exit 1; }
    for f in "$gendir/go.mod" "$gendir/go.sum" "$gendir/main.go" "$here/common/go.mod"; do
        [ -f "$f" ] || { echo "regen.sh: ERROR: $f missing" >&2; exit 1; }
    done
    src="$work/src"
    mkdir -p "$src/common" "$src/gen-$version"
    cp "$here"/common/go.mod "$here"/common/*.go "$src/common/"
    cp "$gendir/go.mod" "$gendir/go.sum" "$gendir"/*.go "$src/gen-$version/"

    gomodcache="$(go env GOMODCACHE 2>/dev/null || true)"
    if [ -z "$gomodcache" ] || ! mkdir -p "$gomodcache" 2>/dev/null || [ ! -w "$gomodcache" ]; then
        gomodcache="$work/gomodcache"
    fi
    export GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOFLAGS="-mod=readonly -buildvcs=false" \
        GOCACHE="$gocache" GOMODCACHE="$gomodcache" GO111MODULE=on GOWORK=off

    # The server's go.mod: which raft (and protobuf modules) etcd $want_version builds with.
    server_mod="$(cd "$src/gen-$version" && go list -m -f '{{.GoMod}}' "go.etcd.io/etcd/server/v3@v$want_version" 2>"$work/list.err")" ||
        skip "cannot fetch go.etcd.io/etcd/server/v3@v$want_version's go.mod from the Go module proxy: $(head -c 300 "$work/list.err")"
    [ -f "$server_mod" ] || skip "go.etcd.io/etcd/server/v3@v$want_version: no go.mod ($server_mod)"
    # "module version" pairs a go.mod requires (block or single-line form).
    requires() {
        awk '/^require[ \t]*\(/ { inblock = 1; next }
             inblock && /^\)/ { inblock = 0; next }
             inblock && NF >= 2 && $1 !~ /^\/\// { print $1, $2; next }
             /^require[ \t]+[^( \t]/ { print $2, $3 }' "$1"
    }
    raft_line="$(requires "$gendir/go.mod" | grep -E '^go\.etcd\.io/(etcd/)?raft/v3 ' || true)"
    [ -n "$raft_line" ] || { echo "regen.sh: ERROR: $gendir/go.mod requires no raft module" >&2; exit 1; }
    mismatch=0
    while read -r mod ver; do
        sver="$(requires "$server_mod" | awk -v m="$mod" '$1 == m { print $2 }')"
        case "$mod" in
            go.etcd.io/raft/v3 | go.etcd.io/etcd/raft/v3 | github.com/gogo/protobuf | github.com/golang/protobuf | google.golang.org/protobuf) ;;
            *) continue ;;
        esac
        if [ -z "$sver" ]; then
            if [ "$mod" = "${raft_line%% *}" ]; then
                echo "regen.sh: ERROR: etcd $want_version's server go.mod does not require $mod" >&2
                mismatch=1
            fi
        elif [ "$sver" != "$ver" ]; then
            echo "regen.sh: ERROR: gen-$version/go.mod requires $mod $ver, etcd $want_version's server requires $sver" >&2
            mismatch=1
        fi
    done < <(requires "$gendir/go.mod")
    if [ "$mismatch" -ne 0 ]; then
        echo "regen.sh: update gen-$version/go.mod (and go.sum: cd gen-$version && go get MODULE@VERSION && go mod tidy)" >&2
        exit 1
    fi
    echo "regen.sh: etcd $want_version builds with $raft_line (from the server's go.mod); gen-$version uses the same"

    (cd "$src/gen-$version" && go mod download 2>"$work/dl.err") ||
        skip "cannot download the Go modules of gen-$version (GOPROXY=$(go env GOPROXY)): $(head -c 300 "$work/dl.err")"
    (cd "$src/gen-$version" && go build -o "$work/gen" .)
    "$work/gen" "$work/out"
    files="raftpb-$version.txt"

    # 3.5.36 encodes and decodes as 3.4.23: the shared sections of raftpb-3.5.txt
    # (before the cross-version decode inputs) must be those of raftpb.txt, line for
    # line, except the error text of reject lines (3.4.23 panics on 3 inputs where
    # 3.5.36 returns an error).
    if [ "$version" = 3.5 ]; then
        ref="$target/raftpb.txt"
        if [ ! -f "$ref" ]; then
            echo "regen.sh: WARNING: $ref missing: cannot compare 3.5.36 with 3.4.23" >&2
        else
            shared() { sed '/^# ==== decode: link heartbeats/,$d' "$1" | grep -v '^#' | sed 's/^\(reject [0-9a-f.]*\) # .*/\1/'; }
            if ! cmp -s <(shared "$ref") <(shared "$work/out/raftpb-3.5.txt"); then
                echo "regen.sh: ERROR: the shared vectors of etcd 3.5.36 differ from those of $ref (3.4.23):" >&2
                diff <(shared "$ref" | cut -c1-200) <(shared "$work/out/raftpb-3.5.txt" | cut -c1-200) | head -n 20 | sed 's/^/  /' >&2 || true
                exit 1
            fi
            n="$(shared "$ref" | wc -l)"
            e="$(diff <(grep '^reject ' "$ref") <(sed '/^# ==== decode: link heartbeats/,$d' "$work/out/raftpb-3.5.txt" | grep '^reject ') | grep -c '^<' || true)"
            echo "regen.sh: etcd 3.5.36 = etcd 3.4.23 on all $n shared vector lines ($e reject lines differ only in the error text)"
        fi
    fi
fi

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
