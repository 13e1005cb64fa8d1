# Sourced by pkgconfig.sh and cmake.sh, whose arguments it reads:
#   SOURCE_ROOT BUILD_ROOT WORK_DIR [EXTRA_FLAGS]
# Sets root, build, work and extra, and installs the build into an empty
# scratch root, $work/root (meson install --destdir).
root="$(cd "$1" && pwd)"
build="$(cd "$2" && pwd)"
work="$3"
# shellcheck disable=SC2034  # used by the scripts that source this one
extra="${4:-}"
rm -rf "$work"
mkdir -p "$work"
meson install -C "$build" --no-rebuild --destdir "$work/root" >/dev/null
