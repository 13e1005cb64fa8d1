#!/bin/bash
# One snapshot between two peers, with the DB saved into a tmpfs, one side
# under `perf record` (benchmarks/RESULTS.md, "Where a snapshot's time goes"):
#
#   benchmarks/profile_snapshot.sh PEER [--size BYTES] [--perf send|recv|none]
#                                       [--out FILE.data] [--tmpfs DIR] [-- EXTRA PEER FLAGS]
#
# The sink saves into a fresh directory under --tmpfs (/dev/shm, run.py's
# TMPFS_ROOT), removed at the end, as is a receiver left running by a failure.
# PEER is a rafthttp-peer (ours or a Go reference peer: same flags). The extra
# flags go to both peers (e.g. --digest cheap); --db-file-dir is the sender's
# alone. Prints the sender's MB/s and status; `perf report -i FILE.data
# --no-children -g none --sort symbol` shows where the profiled side spent its
# CPU. The digests of the DB are computed off the clock on both sides (the
# sender before the transfer, the sink after the save) but within the profile.
set -euo pipefail

peer=$1
shift
size=$((256 << 20))
side=none
out=""
tmpfs=/dev/shm
extra=()
sender_only=()
while (($#)); do
  case $1 in
    --size) size=$2; shift 2 ;;
    --perf) side=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --tmpfs) tmpfs=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "unknown flag $1" >&2; exit 2 ;;
  esac
done
while (($#)); do
  if [[ $1 == --db-file-dir ]]; then sender_only+=("$1" "$2"); shift 2; else extra+=("$1"); shift; fi
done

work=$(mktemp -d "$tmpfs/rafthttp-profile-XXXXXX")
receiver=""
clean_up() {
  if [[ -n $receiver ]]; then kill "$receiver" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap clean_up EXIT
ports=$(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')
read -r send_port recv_port <<<"$ports"
send_url=http://127.0.0.1:$send_port
recv_url=http://127.0.0.1:$recv_port

under_perf() {  # $1: this side's name; the rest: its command
  local name=$1
  shift
  if [[ $side == "$name" ]]; then perf record -o "${out:-rafthttp-$name.data}" -- "$@"; else "$@"; fi
}

under_perf recv "$peer" --mode sink --id 2 --listen "$recv_url" --peer "1=$send_url" --linger 100ms \
  --expect 1 --snap-dir "$work" --idle 30s "${extra[@]}" >"$work/recv.json" 2>"$work/recv.err" &
receiver=$!
for _ in $(seq 150); do  # the receiver's READY line, 15 s at most
  grep -q READY "$work/recv.err" 2>/dev/null && break
  kill -0 $receiver 2>/dev/null || { cat "$work/recv.err" >&2; exit 1; }
  sleep 0.1
done
under_perf send "$peer" --mode snapshot --id 1 --listen "$send_url" --peer "2=$recv_url" --to 2 --linger 100ms \
  --db-size "$size" --snap-timeout 300s --snap-index 100 "${extra[@]}" "${sender_only[@]}" >"$work/send.json" 2>"$work/send.err"
wait "$receiver"
receiver=""
python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); print("MB/s", round(s["mb_per_s"]), s["status"])' "$work/send.json"
