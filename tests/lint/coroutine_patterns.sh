#!/usr/bin/env bash
# GCC 12 (Debian 12's compiler) miscompiles co_await used directly as the
# condition of if/while or as an operand of || && ?: (the coroutine crashes with
# SIGILL/SIGSEGV or corrupts its frame). Await into a variable first:
#     const auto ec = co_await f();  if (ec) ...
# This check keeps such code out of the tree.
set -euo pipefail
root="${1:-$(cd "$(dirname "$0")/../.." && pwd)}"
pattern='(if|while) *\( *!? *\(? *co_await|(\|\||&&|\?|:) *!? *co_await'
if grep -rnE "$pattern" "$root/include" "$root/tests" "$root/examples" "$root/benchmarks" \
     --include='*.hpp' --include='*.cpp' --include='*.h'; then
  echo "co_await in a condition or in || && ?: (GCC 12 miscompiles it): await into a variable first" >&2
  exit 1
fi
echo "no co_await in conditions"
