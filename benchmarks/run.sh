#!/bin/sh
# The benchmark suite of issue 6 in one command: builds rafthttp-peer,
# tcp_ceiling and micro in a release build directory (-O3, NDEBUG), builds the
# Go reference peer (etcd 3.4.23's rafthttp), then runs benchmarks/run.py with
# the arguments given (e.g. --quick, --reps 5, --only acked,latency).
#
#   benchmarks/run.sh [run.py flags]
#   BENCH_BUILD_DIR=dir benchmarks/run.sh ...     (default: build-bench)
#   BENCH_STATIC_PEER=false benchmarks/run.sh ... (a dynamically linked peer)
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
if "$ROOT/tests/interop/goref/build.sh" "$BUILD/goref" >&2; then
    GO_PEER="$BUILD/goref/rafthttp-peer-go"
else
    echo "run.sh: the Go reference peer could not be built: Go columns stay empty" >&2
fi

exec python3 "$ROOT/benchmarks/run.py" \
    --cpp "$BUILD/examples/rafthttp-peer" \
    --go "$GO_PEER" \
    --ceiling "$BUILD/benchmarks/tcp_ceiling" \
    --micro "$BUILD/benchmarks/micro" \
    "$@"
