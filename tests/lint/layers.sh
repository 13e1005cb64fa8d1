#!/usr/bin/env bash
# The layers of include/rafthttp only look down (doc/architecture.md 2). Each
# header's rafthttp headers, direct and indirect (the compiler's -MM list), are
# checked against what its layer may use:
#   raftpb/   raftpb/, codec/error.hpp
#   codec/    the above, codec/, units, id, the error headers, detail's byte buffers
#   http/     http/, units, id, the error headers, detail's byte buffer and spawn
#   anything below the transport (detail/, metrics/, snapshot/db.hpp,
#   snapshot/file_snapshotter.hpp, policy, options, ...) uses no header of the
#   transport level (a peer, its parts, the registry, the handlers, the transport).
#   layers.sh SOURCE_ROOT BUILD_ROOT LLHTTP_INCLUDE_DIR CXX...
set -euo pipefail
root="$1" build="$2" llhttp="$3"
shift 3
errors="(codec/error|http/error|error|id|units)\\.hpp"
declare -A may_use=(
  [raftpb]="^(raftpb/.*|codec/error\\.hpp)$"
  [codec]="^(raftpb/.*|codec/.*|detail/(byte_buffer|record_assembler)\\.hpp|$errors)$"
  [http]="^(http/.*|detail/(byte_buffer|spawn)\\.hpp|$errors)$"
)
transport_level="^(peer|remote|stream|pipeline|prober|member_registry|handlers|member_endpoints|transport|testing|rafthttp|snapshot|snapshot/sender|snapshot/receiver)\\.hpp$"
status=0
while IFS= read -r header; do
  relative="${header#"$root/include/rafthttp/"}"
  layer="${relative%%/*}"
  uses="$(echo "#include <rafthttp/$relative>" |
    "$@" -std=c++20 -I"$root/include" -I"$build/include" -I"$llhttp" -x c++ -MM - |
    tr ' \\' '\n\n' | sed -n "s|^$root/include/rafthttp/||p" | grep -vx "$relative" || true)"
  for used in $uses; do
    if [ -n "${may_use[$layer]:-}" ] && [[ "$layer/" == "${relative:0:${#layer}+1}" ]] && ! [[ "$used" =~ ${may_use[$layer]} ]]; then
      echo "rafthttp/$relative (layer $layer/) uses rafthttp/$used" >&2
      status=1
    elif ! [[ "$relative" =~ $transport_level ]] && [[ "$used" =~ $transport_level ]]; then
      echo "rafthttp/$relative, below the transport, uses rafthttp/$used" >&2
      status=1
    fi
  done
done < <(find "$root/include/rafthttp" -name '*.hpp' | sort)
[ $status -eq 0 ] && echo "every header uses only its own layer and the ones below"
exit $status
