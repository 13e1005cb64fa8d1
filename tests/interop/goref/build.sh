#!/bin/sh
# Build a Go reference peer on one etcd release's rafthttp.
#
#   build.sh VERSION OUTDIR   -> OUTDIR/rafthttp-peer-go-<minor>
#   build.sh OUTDIR           -> OUTDIR/rafthttp-peer-go, the etcd 3.4 peer (as before)
#   build.sh --regen-modules VERSION
#                             rewrite modules/<minor>/go.mod and go.sum (3.5 and newer)
#
# VERSION is a minor (3.4, 3.7) or the exact version; the exact version comes
# from ../etcd-versions, the one place that names the releases. 3.4 is built in
# GOPATH mode on Debian's golang-etcd-server-dev sources, 3.5 and newer in
# module mode with the committed modules/<minor>/go.mod and go.sum
# (-mod=readonly: nothing is written in this directory; the build directory is
# OUTDIR/goref-build-<minor>). GOREF_VET=1 also runs go vet on the build,
# GOREF_TEST=1 its Go tests (etcd37_test.go: the 3.7 presence rule against raft;
# check64_test.go: the --digest cheap checksum and message digests;
# wire_size_test.go: cheap mode's wire_bytes; snapshot_body_test.go:
# --db-file-dir; flags_test.go); test.sh runs them as a meson test.
# GOREF_TOOLCHAIN (module builds): "local" (the default) builds with the Go
# found below and never downloads one; "etcd" builds with the Go toolchain the
# release's own go.mod names (the toolchain line of go.etcd.io/etcd/server/v3's
# go.mod, else its go line), fetched through the module proxy (GOTOOLCHAIN) if
# needed: what the benchmark's Go column runs (benchmarks/run.sh); "goX.Y.Z":
# that toolchain.
# Exit status: 0 built, 77 no Go toolchain or no etcd sources/modules (skip),
# 2 usage, 1 anything else.
set -eu

SRC=$(cd "$(dirname "$0")" && pwd)
VERSIONS_FILE="$SRC/../etcd-versions"
SYSTEM_GOPATH=/usr/share/gocode

usage() {
    echo "usage: $0 VERSION OUTDIR | $0 OUTDIR | $0 --regen-modules VERSION" >&2
    exit 2
}

die() {
    echo "goref: $*" >&2
    exit 1
}

skip() {
    echo "goref: skipped: $*" >&2
    exit 77
}

# lookup VERSION: sets MINOR, EXACT, ORIGIN from etcd-versions.
lookup() {
    [ -r "$VERSIONS_FILE" ] || die "cannot read $VERSIONS_FILE"
    line=$(awk -v v="$1" '!/^[ \t]*#/ && NF >= 3 && ($1 == v || $2 == v) { print $1, $2, $3; exit }' "$VERSIONS_FILE")
    [ -n "$line" ] || { echo "goref: etcd version $1 is not in $VERSIONS_FILE" >&2; exit 2; }
    set -- $line
    MINOR=$1 EXACT=$2 ORIGIN=$3
}

# check_raftpb35_pin: modules/3.5 pins go.etcd.io/etcd/raft/v3 at the 3.5
# version of etcd-versions (the 3.6 and 3.7 builds take their 3.4 encoder
# from it).
check_raftpb35_pin() {
    r35=$(awk '!/^[ \t]*#/ && NF >= 3 && $1 == "3.5" { print $2; exit }' "$VERSIONS_FILE")
    [ -n "$r35" ] || die "no 3.5 line in $VERSIONS_FILE"
    grep -q "^[[:space:]]*go\.etcd\.io/etcd/raft/v3 v$r35\$" "$SRC/modules/3.5/go.mod" ||
        die "$SRC/modules/3.5/go.mod does not pin go.etcd.io/etcd/raft/v3 v$r35 (build.sh --regen-modules 3.5)"
}

use_writable_caches() {
    # Keep the build cache (and the module cache) out of read-only or missing homes.
    if [ -z "${GOCACHE:-}" ]; then
        cache=$("$GO" env GOCACHE 2>/dev/null || true)
        if [ -z "$cache" ] || [ "$cache" = off ] || ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
            GOCACHE="$1/goref-gocache"
            export GOCACHE
        fi
    fi
    if [ "$2" = modules ] && [ -z "${GOMODCACHE:-}" ]; then
        cache=$("$GO" env GOMODCACHE 2>/dev/null || true)
        if [ -z "$cache" ] || ! mkdir -p "$cache" 2>/dev/null || [ ! -w "$cache" ]; then
            GOMODCACHE="$1/goref-gomodcache"
            export GOMODCACHE
        fi
    fi
}

# assemble DIR: the shared sources, this release's adapter and, for 3.6 and
# 3.7, the files that compute the 3.4 encoding with etcd 3.5's raftpb code.
assemble() {
    dir=$1
    for f in "$SRC"/*.go; do
        case $(basename "$f") in
        etcd3*.go | raftpb35*.go) ;;
        *) cp "$f" "$dir/" ;;
        esac
    done
    cp "$SRC/etcd$TAGNUM.go" "$dir/"
    if [ -f "$SRC/etcd${TAGNUM}_test.go" ]; then
        cp "$SRC/etcd${TAGNUM}_test.go" "$dir/"
    fi
    case $MINOR in
    3.4 | 3.5) ;;
    *) cp "$SRC/raftpb35.go" "$dir/" ;;
    esac
}

# raftpb35_module_dir WORKDIR: prints the module directory of
# go.etcd.io/etcd/raft/v3 as the 3.5 build pins it (modules/3.5/go.mod, checked
# against modules/3.5/go.sum), downloading it if needed. It is not required by
# the 3.6 and 3.7 builds themselves, so that their dependency graphs stay
# exactly etcd's. Exit 77 when it cannot be obtained.
raftpb35_module_dir() {
    [ -r "$SRC/modules/3.5/go.mod" ] && [ -r "$SRC/modules/3.5/go.sum" ] || die "no $SRC/modules/3.5/go.mod or go.sum"
    rm -rf "$1"
    mkdir -p "$1"
    cp "$SRC/modules/3.5/go.mod" "$SRC/modules/3.5/go.sum" "$1/"
    (cd "$1" && "$GO" mod download go.etcd.io/etcd/raft/v3 >&2) ||
        skip "cannot obtain go.etcd.io/etcd/raft/v3 as pinned by modules/3.5 (etcd 3.5's raftpb)"
    (cd "$1" && "$GO" list -mod=readonly -m -f '{{.Dir}}' go.etcd.io/etcd/raft/v3)
}

# extract_raftpb35 DIR MODULE_DIR: goref/raftpb35 = etcd 3.5's generated
# raftpb/raft.pb.go without its two init functions (the proto registrations,
# which panic next to 3.6's raftpb and collide with 3.7's); see raftpb35.go.
extract_raftpb35() {
    src_file="$2/raftpb/raft.pb.go"
    [ -r "$src_file" ] || die "no $src_file"
    mkdir -p "$1/raftpb35"
    {
        echo "// Copied by tests/interop/goref/build.sh from go.etcd.io/etcd/raft/$(basename "$2")/raftpb/raft.pb.go"
        echo "// without its init functions, the proto registrations; everything else is"
        echo "// etcd's generated code, unchanged."
        echo
        awk '
            /^func init\(\) \{ .*\}$/ { removed++; next }
            /^func init\(\) \{$/ { skip = 1; removed++; next }
            skip && /^\}$/ { skip = 0; next }
            !skip { print }
            END { if (removed != 2) { print "build.sh: expected 2 init functions, removed " removed > "/dev/stderr"; exit 1 } }
        ' "$src_file"
    } >"$1/raftpb35/raft.pb.go" || die "cannot extract $src_file"
    if grep -q 'proto\.Register' "$1/raftpb35/raft.pb.go" || ! grep -q '^func (m \*Message) Marshal()' "$1/raftpb35/raft.pb.go"; then
        die "unexpected layout of $src_file"
    fi
}

regen=no
case $# in
1)
    [ "$1" != --regen-modules ] || usage
    lookup 3.4
    OUTNAME=rafthttp-peer-go
    OUTARG=$1
    ;;
2)
    if [ "$1" = --regen-modules ]; then
        regen=yes
        lookup "$2"
    else
        lookup "$1"
        OUTNAME=rafthttp-peer-go-$MINOR
        OUTARG=$2
    fi
    ;;
*) usage ;;
esac
TAGNUM=$(echo "$MINOR" | tr -d .)
[ -f "$SRC/etcd$TAGNUM.go" ] || die "no adapter etcd$TAGNUM.go for etcd $MINOR"

# The Go toolchain: $GO, else the 'go' on PATH. The etcd 3.5+ modules need Go >=
# 1.26 (their go directive); for them /usr/local/go/bin/go is used when the 'go'
# on PATH is older (Debian's golang-go is 1.19). GOTOOLCHAIN=local: never
# download another toolchain.
new_enough() {
    case "$("$1" env GOVERSION 2>/dev/null)" in
    go1.2[6-9]* | go1.[3-9][0-9]* | go[2-9]*) return 0 ;;
    *) return 1 ;;
    esac
}
GO=${GO:-go}
if [ "$ORIGIN" = module ]; then
    export GOTOOLCHAIN=local
    if ! new_enough "$GO" && [ "$GO" = go ] && new_enough /usr/local/go/bin/go; then
        GO=/usr/local/go/bin/go
    fi
fi
if ! command -v "$GO" >/dev/null 2>&1; then
    skip "the go toolchain is not installed"
fi
if [ "$ORIGIN" = module ] && ! new_enough "$GO"; then
    skip "etcd $EXACT needs Go >= 1.26.0, '$GO' is $("$GO" env GOVERSION 2>/dev/null || echo unknown)"
fi
export GOFLAGS=

if [ "$regen" = yes ]; then
    [ "$ORIGIN" = module ] || die "etcd $MINOR comes from $ORIGIN, it has no go.mod to regenerate"
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    assemble "$tmp"
    {
        echo "module goref"
        echo
        echo "go 1.26.0"
        echo
        echo "require go.etcd.io/etcd/server/v3 v$EXACT"
    } >"$tmp/go.mod"
    cd "$tmp"
    case $MINOR in
    3.5) ;;
    *)
        check_raftpb35_pin
        moddir=$(raftpb35_module_dir "$tmp/raftpb35-module")
        extract_raftpb35 "$tmp" "$moddir"
        rm -rf "$tmp/raftpb35-module"
        ;;
    esac
    "$GO" mod tidy
    mkdir -p "$SRC/modules/$MINOR"
    cp go.mod go.sum "$SRC/modules/$MINOR/"
    echo "goref: wrote $SRC/modules/$MINOR/go.mod and go.sum for etcd $EXACT" >&2
    exit 0
fi

mkdir -p "$OUTARG"
OUT=$(cd "$OUTARG" && pwd)

if [ "$ORIGIN" = debian ]; then
    if [ ! -d "$SYSTEM_GOPATH/src/go.etcd.io/etcd/etcdserver/api/rafthttp" ]; then
        skip "etcd $MINOR Go sources not found under $SYSTEM_GOPATH (install golang-etcd-server-dev)"
    fi
    have=$(sed -n 's/^[[:space:]]*Version[[:space:]]*= "\(.*\)"$/\1/p' "$SYSTEM_GOPATH/src/go.etcd.io/etcd/version/version.go")
    [ "$have" = "$EXACT" ] || die "$SYSTEM_GOPATH has etcd $have, $VERSIONS_FILE names $EXACT"
    use_writable_caches "$OUT" gopath
    GOPATH_DIR="$OUT/goref-gopath"
    mkdir -p "$GOPATH_DIR/src"
    ln -sfn "$SRC" "$GOPATH_DIR/src/goref"
    cd "$GOPATH_DIR/src/goref"
    GO111MODULE=off GOPATH="$GOPATH_DIR:$SYSTEM_GOPATH" \
        "$GO" build -tags "etcd$TAGNUM" -o "$OUT/$OUTNAME" goref
    if [ "${GOREF_VET:-}" = 1 ]; then
        GO111MODULE=off GOPATH="$GOPATH_DIR:$SYSTEM_GOPATH" "$GO" vet -tags "etcd$TAGNUM" goref
    fi
    if [ "${GOREF_TEST:-}" = 1 ]; then
        GO111MODULE=off GOPATH="$GOPATH_DIR:$SYSTEM_GOPATH" "$GO" test -tags "etcd$TAGNUM" -count=1 -v goref >&2
    fi
    echo "goref: built $OUT/$OUTNAME (etcd $EXACT, $("$GO" env GOVERSION))" >&2
    exit 0
fi

# Module mode.
MODDIR="$SRC/modules/$MINOR"
[ -r "$MODDIR/go.mod" ] && [ -r "$MODDIR/go.sum" ] || die "no $MODDIR/go.mod or go.sum (build.sh --regen-modules $MINOR)"
grep -q "^[[:space:]]*go\.etcd\.io/etcd/server/v3 v$EXACT\$" "$MODDIR/go.mod" ||
    die "$MODDIR/go.mod does not pin go.etcd.io/etcd/server/v3 v$EXACT named by $VERSIONS_FILE (build.sh --regen-modules $MINOR)"
case $MINOR in
3.5) ;;
*) check_raftpb35_pin ;;
esac
use_writable_caches "$OUT" modules
BUILD="$OUT/goref-build-$MINOR"
rm -rf "$BUILD"
mkdir -p "$BUILD"
cp "$MODDIR/go.mod" "$MODDIR/go.sum" "$BUILD/"
assemble "$BUILD"
cd "$BUILD"
if ! "$GO" mod download go.etcd.io/etcd/server/v3; then
    skip "cannot obtain etcd $EXACT's Go modules (module proxy unreachable and not in the module cache, or this Go is older than go.mod asks)"
fi
case $MINOR in
3.5) ;;
*)
    moddir=$(raftpb35_module_dir "$OUT/goref-raftpb35-module")
    extract_raftpb35 "$BUILD" "$moddir"
    ;;
esac
# GOREF_TOOLCHAIN: which Go compiles the peer (see the top of this file).
case ${GOREF_TOOLCHAIN:-local} in
local) ;;
etcd)
    etcd_gomod=$("$GO" list -mod=readonly -m -f '{{.GoMod}}' go.etcd.io/etcd/server/v3) ||
        die "cannot locate go.etcd.io/etcd/server/v3's go.mod"
    toolchain=$(awk '$1 == "toolchain" { print $2; exit }' "$etcd_gomod")
    [ -n "$toolchain" ] || toolchain=$(awk '$1 == "go" { print "go" $2; exit }' "$etcd_gomod")
    [ -n "$toolchain" ] || die "$etcd_gomod names no toolchain and no go version"
    echo "goref: etcd $EXACT's go.mod names $toolchain ($etcd_gomod)" >&2
    GOTOOLCHAIN=$toolchain
    ;;
go[0-9]*) GOTOOLCHAIN=$GOREF_TOOLCHAIN ;;
*) die "GOREF_TOOLCHAIN must be local, etcd or goX.Y.Z, not '$GOREF_TOOLCHAIN'" ;;
esac
export GOTOOLCHAIN
if [ "$GOTOOLCHAIN" != local ]; then
    # The go command fetches that toolchain through GOPROXY (checked against
    # the checksum database) unless it is in the module cache already.
    have=$("$GO" env GOVERSION) || skip "cannot obtain the Go toolchain $GOTOOLCHAIN (module proxy unreachable?)"
    [ "$have" = "$GOTOOLCHAIN" ] || die "GOTOOLCHAIN=$GOTOOLCHAIN but go reports $have"
fi
"$GO" build -mod=readonly -buildvcs=false -trimpath -tags "etcd$TAGNUM" -o "$OUT/$OUTNAME" .
if [ "${GOREF_VET:-}" = 1 ]; then
    "$GO" vet -mod=readonly -buildvcs=false -tags "etcd$TAGNUM" .
fi
if [ "${GOREF_TEST:-}" = 1 ]; then
    # -trimpath as the build above: the test reuses what it compiled.
    "$GO" test -mod=readonly -buildvcs=false -trimpath -tags "etcd$TAGNUM" -count=1 -v . >&2
fi
echo "goref: built $OUT/$OUTNAME (etcd $EXACT, $("$GO" env GOVERSION))" >&2
