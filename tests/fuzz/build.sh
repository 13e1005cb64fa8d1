#!/usr/bin/env bash
# Builds the libFuzzer targets with clang into OUTDIR:
#
#   tests/fuzz/build.sh OUTDIR [TARGET...]      (default: all five targets)
#
# OUTDIR receives fuzz_<target> binaries and llhttp's objects. Environment:
#   CXX / CC                clang++ / clang (default: clang++, clang)
#   FUZZ_EXTRA_INCLUDE      a directory searched before include/ (a patched
#                           copy of a library header, while a finding is open)
#   FUZZ_FLAGS              extra compiler flags
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [TARGET...]" >&2; exit 2; }
out="$(mkdir -p "$1" && cd "$1" && pwd)"
shift
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(http_request http_response protobuf message_stream msgappv2)

CXX="${CXX:-clang++}"
CC="${CC:-clang}"
llhttp_src="${LLHTTP_SOURCE_DIR:-/usr/share/llhttp}"
llhttp_inc="${LLHTTP_HEADER_DIR:-/usr/share/include/llhttp}"

# shellcheck disable=SC2054  # the comma is part of the flag
sanitize=(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
common=(-g -O1 "${sanitize[@]}")
# shellcheck disable=SC2206
extra=(${FUZZ_FLAGS:-})

# C objects, instrumented for coverage (llhttp's states are worth covering).
mkdir -p "$out/obj"
objects=()
for src in "$llhttp_src/api.c" "$llhttp_src/http.c" "$llhttp_src/llhttp.c"; do
  obj="$out/obj/$(basename "$src" .c).o"
  "$CC" "${common[@]}" -fsanitize=fuzzer-no-link -w -I"$llhttp_inc" -c "$src" -o "$obj"
  objects+=("$obj")
done

includes=()
[ -n "${FUZZ_EXTRA_INCLUDE:-}" ] && includes+=(-I"$FUZZ_EXTRA_INCLUDE")
includes+=(-I"$root/include" -I"$llhttp_inc")

for target in "${targets[@]}"; do
  echo "building fuzz_$target" >&2
  "$CXX" -std=c++20 "${common[@]}" -fsanitize=fuzzer -D_GLIBCXX_ASSERTIONS \
    -Wall -Wextra "${extra[@]}" "${includes[@]}" \
    "$here/fuzz_$target.cpp" "${objects[@]}" -o "$out/fuzz_$target"
done
