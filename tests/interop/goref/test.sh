#!/bin/sh
# goref's own Go tests for one release (meson test interop-goref-<minor>):
#
#   test.sh VERSION OUTDIR
#
# build.sh with GOREF_TEST=1 into OUTDIR (apart from the peer the scenarios
# run, so that the two builds never share a directory). Exit status 77
# (skipped) without Go or the release's sources, as build.sh; 1 instead when
# RAFTHTTP_REQUIRE_INTEROP=1 (CI), as the interop scenarios do.
GOREF_TEST=1 "$(dirname "$0")/build.sh" "$@"
rc=$?
if [ "$rc" = 77 ] && [ "${RAFTHTTP_REQUIRE_INTEROP:-}" = 1 ]; then
    echo "goref: FAIL (RAFTHTTP_REQUIRE_INTEROP=1): skipped" >&2
    exit 1
fi
exit "$rc"
