#!/usr/bin/env bash
# The main job: builds rafthttp-peer (installing what is missing, Debian 12)
# and runs a loopback demo of members exchanging raft traffic and a snapshot.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/deps.sh
# shellcheck disable=SC2086
install_packages $build_packages
builddir="${BUILDDIR:-build}"
[ -f "$builddir/build.ninja" ] || meson setup "$builddir" >/dev/null
meson compile -C "$builddir" examples/rafthttp-peer >/dev/null
exec python3 examples/demo.py "$builddir/examples/rafthttp-peer"
