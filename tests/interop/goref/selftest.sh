#!/bin/bash
# Self-test of the reference peers (or any pair of peers honouring doc/peer-cli.md):
#   selftest.sh SENDER_BINARY RECEIVER_BINARY WORKDIR
# Runs every mode on loopback and checks digests, counts and JSON validity,
# and the digests of the test vectors (goref/README.md), which every etcd
# version's peer must reproduce. SENDER_VERSION / RECEIVER_VERSION (X.Y, e.g.
# 3.7), when set, are passed to that side as --etcd-version and checked against
# its etcd_version. WORKDIR/digests.txt lists the digests of every
# deterministic run, for comparison between pairs.
# Exit status: 0 all checks passed, 1 a check failed.
set -u
S=${1:?usage: selftest.sh SENDER_BINARY RECEIVER_BINARY WORKDIR}
R=${2:?usage: selftest.sh SENDER_BINARY RECEIVER_BINARY WORKDIR}
W=${3:?usage: selftest.sh SENDER_BINARY RECEIVER_BINARY WORKDIR}
SV=${SENDER_VERSION:-}
RV=${RECEIVER_VERSION:-}
sver=() rver=()
[ -n "$SV" ] && sver=(--etcd-version "$SV")
[ -n "$RV" ] && rver=(--etcd-version "$RV")
export SV RV
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 1
# Loopback ports below the ephemeral range (32768+), as the interop suite does.
port=$((20000 + RANDOM % 12000))
failures=0

waitready() {
    for _ in $(seq 1 500); do
        grep -q '^READY' "$1" 2>/dev/null && return 0
        sleep 0.01
    done
    echo "no READY in $1" >&2
    return 1
}

# check NAME CONDITION...: python expressions over s (sender JSON) and r (receiver JSON)
check() {
    local name=$1
    shift
    python3 - "$name" "$@" <<'PY' || failures=$((failures + 1))
import json, sys
name, conds = sys.argv[1], sys.argv[2:]
s = json.load(open(name + '.send.json'))
r = json.load(open(name + '.recv.json'))
rs = r['senders'].get('1', {})
def version_ok(j, want):
    return not want or j.get('etcd_version', want + '.').startswith(want + '.')
import os
conds = list(conds) + ["version_ok(s, os.environ['SV'])", "version_ok(r, os.environ['RV'])"]
if 'sha256' in s:  # send mode: the wire digest is present, and equal for 3.4 and 3.5
    conds.append("'wire_sha256' not in s or s.get('etcd_version', '')[:4] not in ('3.4.', '3.5.') or s['wire_sha256'] == s['sha256']")
bad = [c for c in conds if not eval(c)]
print(('FAIL ' if bad else 'ok   ') + name + ('  failed: ' + '; '.join(bad) if bad else ''))
sys.exit(1 if bad else 0)
PY
}

# run NAME RECV_MODE "RECV_FLAGS" SEND_MODE "SEND_FLAGS" [peer|remote] [yes|no: receiver knows the sender]
run() {
    local name=$1 rmode=$2 rflags=$3 smode=$4 sflags=$5 kind=${6:-peer} rknows=${7:-yes}
    port=$((port + 2))
    local a=http://127.0.0.1:$port b=http://127.0.0.1:$((port + 1)) rpeer=""
    [ "$rknows" = yes ] && rpeer="--peer 1=$a"
    # shellcheck disable=SC2086
    "$R" "${rver[@]}" --mode "$rmode" --id 2 --listen "$b" $rpeer $rflags --duration 60s \
        --log "$name.recv.log" >"$name.recv.json" 2>"$name.recv.err" &
    local pid=$!
    waitready "$name.recv.err"
    # shellcheck disable=SC2086
    "$S" "${sver[@]}" --mode "$smode" --id 1 --listen "$a" --"$kind" "2=$b" --to 2 $sflags \
        --log "$name.send.log" >"$name.send.json" 2>"$name.send.err"
    echo "$?" >"$name.send.rc"
    wait "$pid"
    echo "$?" >"$name.recv.rc"
}

same='rs["sha256"] == s["sha256"]'
same_set='rs["digest_unordered"] == s["digest_unordered"]'

# Paced: an unpaced flood can overflow a Go receiver's 4096-message stream queue on a busy machine.
run app sink "--expect 10000" send "--type MsgApp --entries 3 --term-every 100 --count 10000 --rate 20000"
# The test vectors of goref/README.md (digests over the etcd 3.4 encoding, whatever the versions).
check app "s['sent'] == 10000" "r['messages'] == 10000" "s['streams_ready']" "$same" "$same_set" \
    "s['sha256'] == '4f24ee4bfcde058fcf6246189de10a6925af7d9c31529aefc2ee02939ad39853'" \
    "s['digest_unordered'] == 'a8963305f839752fd1502ad311b8ab1b16508a872c1eb61d030c1838098b4e26'" \
    "s['bytes'] == 2592480" \
    "open('app.recv.log').readline().endswith(' h=e2df2488d894732d\\n')" \
    "open('app.recv.log').readlines()[100] == 'MsgApp from=1 to=2 term=2 index=300 logterm=1 commit=300 nent=3 esizes=64,64,64 reject=false rejecthint=0 h=0cb471eab14cefa0\\n'"

run echoapp echo "--expect 20000" send "--type MsgApp --entries 3 --term-every 100 --count 20000 --await-acks"
check echoapp "s['acks']['acked'] == 20000" "r['echo_replies'] == 20000" "$same" \
    "s['received']['by_type'] == {'MsgAppResp': 20000}"

for t in MsgProp MsgHeartbeat MsgHeartbeatResp MsgVote MsgPreVote MsgVoteResp MsgPreVoteResp \
    MsgAppResp MsgReadIndex MsgReadIndexResp MsgTimeoutNow; do
    run "t$t" sink "--expect 1000" send "--type $t --count 1000 --entries 2 --entry-size 16 --term-every 10 --reject-every 4"
    check "t$t" "r['by_type'] == {'$t': 1000}" "$same" "$same_set"
done
# MsgSnap through Send always takes the pipeline: order is not kept.
run tMsgSnap sink "--expect 1000" send "--type MsgSnap --count 1000"
check tMsgSnap "r['by_type'] == {'MsgSnap': 1000}" "$same_set"

for t in MsgHeartbeat MsgVote MsgPreVote MsgReadIndex; do
    run "e$t" echo "--expect 2000" send "--type $t --count 2000 --await-acks --window 32"
    check "e$t" "s['acks']['acked'] == 2000" "s['acks']['unmatched'] == 0" "$same"
done

run pipeline sink "--expect 5000" send "--type MsgApp --count 5000 --entries 2 --wait-streams=" remote no
check pipeline "r['messages'] == 5000" "s['sent'] == 5000" "$same_set"

run snapshot sink "--expect 1 --snap-dir snaps" snapshot \
    "--snap-index 42 --snap-term 7 --snap-data-size 1000 --db-size 10000000"
check snapshot "s['status'] == 'finish'" "len(r['snapshots']) == 1" \
    "r['snapshots'][0]['db_sha256'] == s['db_sha256']" "r['snapshots'][0]['db_size'] == 10000000" \
    "r['snapshots'][0]['index'] == 42" "s['received']['report_snapshot'] == [{'id': '2', 'status': 'finish'}]" \
    "s['db_sha256'] == 'f07dde42a9b1d98c8781c66a10c035588ef2c0edaa973904d9cf8cdda3f2a6a8'" \
    "s['message_bytes'] == 1038" \
    "open('snapshot.recv.log').read() == 'MsgSnap from=1 to=2 term=7 index=0 logterm=0 commit=0 nent=0 esizes=- reject=false rejecthint=0 snap_index=42 snap_term=7 snap_data=1000 h=f3d694f217b2527c\\n'"

run removed_stream sink "--removed 1 --idle 1s --linger 0s" send "--type MsgHeartbeat --count 100 --wait-active 1s"
check removed_stream "r['messages'] == 0" "r['rejected_from_removed'] == {'1': 100}"
run removed_pipe sink "--removed 1 --idle 1s --linger 0s" send "--type MsgApp --count 10 --wait-streams=" remote no
check removed_pipe "r['rejected_from_removed'] == {'1': 10}" "s['received']['report_unreachable'] == {'2': 10}"
run removed_snap sink "--removed 1 --idle 1s --linger 0s --snap-dir rsnaps" snapshot "--db-size 1000 --wait-streams= --wait-active 1s"
check removed_snap "s['status'] == 'failure'" "r['rejected_from_removed'] == {'1': 1}"

# SIGTERM in the middle of a paced send, then SIGINT to the sink.
port=$((port + 2))
a=http://127.0.0.1:$port b=http://127.0.0.1:$((port + 1))
"$R" "${rver[@]}" --mode sink --id 2 --listen "$b" --peer "1=$a" --log sig.recv.log >sig.recv.json 2>sig.recv.err &
rpid=$!
waitready sig.recv.err
"$S" "${sver[@]}" --mode send --id 1 --listen "$a" --peer "2=$b" --to 2 --count 1000000 --rate 2000 >sig.send.json 2>sig.send.err &
spid=$!
sleep 1.5
kill -TERM "$spid"; wait "$spid"; echo "$?" >sig.send.rc
sleep 0.5
kill -INT "$rpid"; wait "$rpid"; echo "$?" >sig.recv.rc
check sig "s['stop_reason'] == 'signal'" "r['stop_reason'] == 'signal'" "0 < s['sent'] < 1000000" "$same"

# --etcd-version other than the peer's own: one line on stderr, exit 2, no JSON.
if [ -n "$SV" ]; then
    port=$((port + 2))
    "$S" --etcd-version 9.9 --mode sink --id 1 --listen "http://127.0.0.1:$port" --duration 1ms \
        >badver.out 2>badver.err
    rc=$?
    if [ "$rc" = 2 ] && [ ! -s badver.out ] && [ "$(wc -l <badver.err)" = 1 ]; then
        echo "ok   badversion"
    else
        echo "FAIL badversion: exit $rc, $(wc -c <badver.out) bytes on stdout, $(wc -l <badver.err) stderr lines"
        failures=$((failures + 1))
    fi
fi

# The digests of every deterministic run (the signal run is not), to compare pairs.
python3 - <<'PY' >digests.txt
import glob, json
for f in sorted(glob.glob('*.send.json')):
    name = f[:-len('.send.json')]
    if name == 'sig':
        continue
    s = json.load(open(f))
    r = json.load(open(name + '.recv.json'))
    rs = r['senders'].get('1', {})
    answers = s['received']['senders'].get('2', {})
    ordered = name not in ('tMsgSnap', 'pipeline')  # pipeline deliveries: arrival order varies
    print(name, 'sent', s.get('sha256', s.get('db_sha256')), s.get('digest_unordered', '-'),
          s.get('bytes', s.get('message_bytes')), 'received', rs.get('sha256', '-') if ordered else '-',
          rs.get('digest_unordered', '-'), 'answers', answers.get('sha256', '-'))
PY

for f in *.rc; do
    [ "$(cat "$f")" = 0 ] || { echo "FAIL exit status $(cat "$f"): ${f%.rc}"; failures=$((failures + 1)); }
done
for f in *.json; do
    python3 -m json.tool "$f" >/dev/null || { echo "FAIL invalid JSON: $f"; failures=$((failures + 1)); }
done
echo "selftest: $failures failure(s)"
[ "$failures" = 0 ]
