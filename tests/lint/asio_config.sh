#!/usr/bin/env bash
# Asio's config decides between aligned_alloc/free and operator new/delete by
# testing a libstdc++ macro; a header that lets Asio's config be read before
# any standard header makes that choice differ between translation units (an
# ODR violation: memory from aligned_alloc given back to operator delete, which
# AddressSanitizer reports). Each header, included alone, must not do that.
#   asio_config.sh SOURCE_ROOT BUILD_ROOT LLHTTP_INCLUDE_DIR CXX...
set -euo pipefail
root="$1" build="$2" llhttp="$3"
shift 3
status=0
while IFS= read -r header; do
  relative="${header#"$root/include/"}"
  macros="$(echo "#include <$relative>" | "$@" -std=c++20 -I"$root/include" -I"$build/include" \
    -I"$build/include/rafthttp/raftpb" -I"$llhttp" -x c++ -E -dM -)"
  if grep -q ASIO_DETAIL_CONFIG_HPP <<<"$macros" && grep -q _GLIBCXX_HAVE_ALIGNED_ALLOC <<<"$macros" &&
     ! grep -q ASIO_HAS_STD_ALIGNED_ALLOC <<<"$macros"; then
    echo "<$relative> lets Asio's config be read before a standard header: include a standard header first" >&2
    status=1
  fi
done < <(find "$root/include/rafthttp" -name '*.hpp' | sort)
[ $status -eq 0 ] && echo "every header configures Asio consistently"
exit $status
