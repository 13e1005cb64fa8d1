#!/usr/bin/env bash
# Installs the build into a scratch root and builds tests/consumer/main.cpp as
# a CMake project (tests/consumer/cmake): find_package(rafthttp CONFIG
# REQUIRED) with the scratch prefix on CMAKE_PREFIX_PATH, and
# target_link_libraries(consumer PRIVATE rafthttp::rafthttp).
#   cmake.sh SOURCE_ROOT BUILD_ROOT WORK_DIR [EXTRA_FLAGS]
# EXTRA_FLAGS: what the build's own options add (e.g. -fsanitize=address).
set -euo pipefail
. "$(dirname "$0")/install_scratch.sh"
prefix="$(meson introspect --buildoptions "$build" |
  python3 -c 'import json, sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == "prefix"))')"
cmake -S "$root/tests/consumer/cmake" -B "$work/build" -G Ninja \
  -DCMAKE_PREFIX_PATH="$work/root$prefix" -DCMAKE_CXX_FLAGS="$extra"
# The package found must be the one just installed, not one of the system's.
found="$(sed -n 's/^rafthttp_DIR:PATH=//p' "$work/build/CMakeCache.txt")"
case "$found" in
  "$work/root/"*) echo "rafthttp_DIR: $found" ;;
  *) echo "find_package(rafthttp) took $found, not the scratch install under $work/root" >&2; exit 1 ;;
esac
cmake --build "$work/build"
"$work/build/consumer"
