#!/usr/bin/env bash
# Every public header (include/rafthttp/**, detail/ excepted) has its test file
# at the same relative path under tests/, which includes that header first:
# a header that is not self-contained then fails to compile.
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/../.." && pwd)}"
status=0
while IFS= read -r header; do
  relative="${header#"$root/include/rafthttp/"}"
  test_file="$root/tests/${relative%.hpp}.cpp"
  if [ ! -f "$test_file" ]; then
    echo "no test file for rafthttp/$relative (expected tests/${relative%.hpp}.cpp)" >&2
    status=1
    continue
  fi
  first_include="$(grep -m1 '^#include' "$test_file")"
  if [ "$first_include" != "#include <rafthttp/$relative>" ]; then
    echo "tests/${relative%.hpp}.cpp must include <rafthttp/$relative> first (found: $first_include)" >&2
    status=1
  fi
done < <(find "$root/include/rafthttp" -name '*.hpp' -not -path '*/detail/*' | sort)
[ $status -eq 0 ] && echo "every public header has its test, including it first"
exit $status
