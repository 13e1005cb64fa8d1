#!/bin/sh
# The benchmark suite of issues 6 and 16 in one command: builds rafthttp-peer,
# tcp_ceiling and micro in a release build directory (-O3, NDEBUG), builds the
# two Go reference peers -- etcd 3.7's rafthttp with etcd 3.7's own Go
# toolchain (the toolchain line of its go.mod, fetched through the module proxy
# if needed: the main Go column) and etcd 3.4.23's with the Go on PATH (the
# second Go column) -- then runs benchmarks/run.py with the arguments given
# (e.g. --quick, --reps 5, --only acked,latency).
#
#   benchmarks/run.sh [run.py flags]
#   BENCH_BUILD_DIR=dir benchmarks/run.sh ...     (default: build-bench)
#   BENCH_STATIC_PEER=false benchmarks/run.sh ... (a dynamically linked peer)
#   BENCH_GO_TOOLCHAIN=local|etcd|goX.Y.Z ...     (the 3.7 peer's Go; default etcd,
#                                                  see tests/interop/goref/build.sh)
#
# The C++ peer is linked as the Go peer is (-Dstatic_peer=true: libstdc++ and
# OpenSSL built in, libc shared): peak RSS then counts the code each uses, not
# whole shared libraries.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD_DIR:-$ROOT/build-bench}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac

STATIC_PEER=${BENCH_STATIC_PEER:-true}
if [ ! -f "$BUILD/build.ninja" ]; then
    # werror off: g++ 12 at -O3 reports a false -Wrestrict in std::string
    # concatenation (examples/rafthttp-peer/flags.cpp); the default
    # debugoptimized build keeps -Werror.
    meson setup "$BUILD" "$ROOT" --buildtype=release -Db_ndebug=true -Dwerror=false \
        -Dstatic_peer="$STATIC_PEER" >&2
else
    meson configure "$BUILD" -Dstatic_peer="$STATIC_PEER" >&2
fi
ninja -C "$BUILD" examples/rafthttp-peer benchmarks/tcp_ceiling benchmarks/micro >&2

GO_PEER=""
if GOREF_TOOLCHAIN=${BENCH_GO_TOOLCHAIN:-etcd} "$ROOT/tests/interop/goref/build.sh" 3.7 "$BUILD/goref" >&2; then
    GO_PEER="$BUILD/goref/rafthttp-peer-go-3.7"
else
    echo "run.sh: the etcd 3.7 Go reference peer could not be built: the Go 3.7 column stays empty" >&2
fi
GO34_PEER=""
if "$ROOT/tests/interop/goref/build.sh" "$BUILD/goref" >&2; then
    GO34_PEER="$BUILD/goref/rafthttp-peer-go"
else
    echo "run.sh: the etcd 3.4 Go reference peer could not be built: the Go 3.4 column stays empty" >&2
fi

exec python3 "$ROOT/benchmarks/run.py" \
    --cpp "$BUILD/examples/rafthttp-peer" \
    --go "$GO_PEER" \
    --go34 "$GO34_PEER" \
    --ceiling "$BUILD/benchmarks/tcp_ceiling" \
    --micro "$BUILD/benchmarks/micro" \
    "$@"
