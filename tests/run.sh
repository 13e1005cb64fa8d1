#!/usr/bin/env bash
# The test command: installs what is missing (Debian 12), configures the build
# directory if needed, builds, and runs every test (unit, integration, interop).
#
#   tests/run.sh                          build/ with the default configuration
#   BUILDDIR=build-asan MESON_ARGS="-Db_sanitize=address,undefined -Doptimization=0" tests/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/deps.sh
# shellcheck disable=SC2086
install_packages $build_packages $test_packages
ensure_go
builddir="${BUILDDIR:-build}"
if [ ! -f "$builddir/build.ninja" ]; then
  # shellcheck disable=SC2086
  meson setup "$builddir" ${MESON_ARGS:-}
fi
meson compile -C "$builddir"
meson test -C "$builddir" --print-errorlogs ${MESON_TEST_ARGS:-}
