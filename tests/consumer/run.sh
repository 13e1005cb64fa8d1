#!/usr/bin/env bash
# Builds tests/consumer as a separate meson project that uses this repository
# as its subproject (what an embedding raft project does), and runs it.
#   run.sh SOURCE_ROOT WORK_DIR
set -euo pipefail
root="$(cd "$1" && pwd)"
work="$2"
rm -rf "$work"
mkdir -p "$work/subprojects"
cp "$root/tests/consumer/meson.build" "$root/tests/consumer/main.cpp" "$work/"
ln -s "$root" "$work/subprojects/rafthttp-cpp"
# meson looks for a subproject's own subprojects beside the top project's.
ln -s "$root/subprojects/llhttp" "$work/subprojects/llhttp"
cd "$work"
meson setup build >/dev/null
meson compile -C build >/dev/null
./build/consumer
