#!/usr/bin/env bash
# Installs the build into a scratch root and builds tests/consumer/main.cpp
# outside meson, with nothing but `pkg-config --cflags --libs rafthttp`.
#   pkgconfig.sh SOURCE_ROOT BUILD_ROOT WORK_DIR
set -euo pipefail
root="$(cd "$1" && pwd)"
build="$(cd "$2" && pwd)"
work="$3"
rm -rf "$work"
mkdir -p "$work"
meson install -C "$build" --no-rebuild --destdir "$work/root" >/dev/null
pc="$(dirname "$(find "$work/root" -name rafthttp.pc | head -n 1)")"
export PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$work/root"
# shellcheck disable=SC2046
g++ -Wall -Wextra -Werror "$root/tests/consumer/main.cpp" $(pkg-config --cflags --libs rafthttp) -o "$work/consumer"
"$work/consumer"
