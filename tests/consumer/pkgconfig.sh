#!/usr/bin/env bash
# Installs the build into a scratch root and builds tests/consumer/main.cpp
# outside meson, with nothing but `pkg-config --cflags --libs rafthttp`.
#   pkgconfig.sh SOURCE_ROOT BUILD_ROOT WORK_DIR [EXTRA_FLAGS]
# EXTRA_FLAGS: what the build's own options add (e.g. -fsanitize=address).
set -euo pipefail
. "$(dirname "$0")/install_scratch.sh"
pc="$(dirname "$(find "$work/root" -name rafthttp.pc | head -n 1)")"
export PKG_CONFIG_PATH="$pc" PKG_CONFIG_SYSROOT_DIR="$work/root"
# shellcheck disable=SC2046
# shellcheck disable=SC2086
g++ -Wall -Wextra -Werror $extra "$root/tests/consumer/main.cpp" $(pkg-config --cflags --libs rafthttp) -o "$work/consumer"
"$work/consumer"
