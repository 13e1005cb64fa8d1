#!/usr/bin/env bash
# The CI-sized fuzz run: builds the five libFuzzer targets with clang
# (tests/fuzz/build.sh) and runs each for FUZZ_SECONDS (default 25) over a
# copy of its committed corpus (tests/fuzz/corpus/<target>/; the committed
# files are not touched).
#
#   tests/fuzz/run_brief.sh [OUTDIR]          (default: build-fuzz-brief)
#
# Exit: 0 when no target found anything; 1 when one did (its input is under
# OUTDIR/artifacts/<target>/); 77 (skipped) when clang or its libFuzzer
# runtime is missing — 1 then if RAFTHTTP_REQUIRE_INTEROP=1 (CI, where the
# packages clang and libclang-rt-14-dev are installed).
set -uo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:-$root/build-fuzz-brief}"
seconds="${FUZZ_SECONDS:-25}"
targets=(http_request http_response protobuf message_stream msgappv2)

missing() {
  echo "fuzz-brief: $1" >&2
  if [ "${RAFTHTTP_REQUIRE_INTEROP:-0}" = 1 ]; then
    echo "fuzz-brief: RAFTHTTP_REQUIRE_INTEROP=1: failing (install clang libclang-rt-14-dev)" >&2
    exit 1
  fi
  echo "fuzz-brief: skipped" >&2
  exit 77
}

CXX="${CXX:-clang++}"
command -v "$CXX" >/dev/null 2>&1 || missing "no $CXX"
mkdir -p "$out" || exit 1
probe="$out/probe.cpp"
printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' > "$probe"
"$CXX" -fsanitize=fuzzer,address,undefined "$probe" -o "$out/probe" >/dev/null 2>&1 ||
  missing "$CXX cannot link -fsanitize=fuzzer,address,undefined (libclang-rt-14-dev missing?)"

echo "fuzz-brief: building the targets into $out" >&2
CXX="$CXX" "$here/build.sh" "$out" "${targets[@]}" || exit 1

status=0
for target in "${targets[@]}"; do
  work="$out/corpus/$target"
  artifacts="$out/artifacts/$target"
  rm -rf "$work" "$artifacts"
  mkdir -p "$work" "$artifacts"
  cp "$here/corpus/$target/"* "$work/" 2>/dev/null
  log="$out/$target.log"
  "$out/fuzz_$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" "$work" >"$log" 2>&1
  rc=$?
  final="$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 | tr -s '[:space:]' ' ')"
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")"
  if [ $rc -eq 0 ]; then
    echo "fuzz-brief: $target: ok, ${runs:-?} runs; ${final:-}"
  else
    status=1
    echo "fuzz-brief: $target: FAILED (exit $rc); inputs in $artifacts:"
    ls "$artifacts" >&2
    grep -E 'invariant violated|ERROR: |runtime error|SUMMARY' -A3 "$log" | head -40 >&2
  fi
done
exit $status
