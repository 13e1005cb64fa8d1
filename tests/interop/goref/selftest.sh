#!/bin/bash
# Go<->Go self-test of the reference peer (or any pair of peers honouring
# PEER_CLI.md): selftest.sh SENDER_BINARY RECEIVER_BINARY WORKDIR
# Runs every mode on loopback and checks digests, counts and JSON validity.
# Exit status: 0 all checks passed, 1 a check failed.
set -u
S=${1:?usage: selftest.sh SENDER_BINARY RECEIVER_BINARY WORKDIR}
R=${2:?usage: selftest.sh SENDER_BINARY RECEIVER_BINARY WORKDIR}
W=${3:?usage: selftest.sh SENDER_BINARY RECEIVER_BINARY WORKDIR}
rm -rf "$W" && mkdir -p "$W" && cd "$W" || exit 1
port=$((20000 + RANDOM % 20000))
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
    "$R" --mode "$rmode" --id 2 --listen "$b" $rpeer $rflags --duration 60s \
        --log "$name.recv.log" >"$name.recv.json" 2>"$name.recv.err" &
    local pid=$!
    waitready "$name.recv.err"
    # shellcheck disable=SC2086
    "$S" --mode "$smode" --id 1 --listen "$a" --"$kind" "2=$b" --to 2 $sflags \
        --log "$name.send.log" >"$name.send.json" 2>"$name.send.err"
    echo "$?" >"$name.send.rc"
    wait "$pid"
    echo "$?" >"$name.recv.rc"
}

same='rs["sha256"] == s["sha256"]'
same_set='rs["digest_unordered"] == s["digest_unordered"]'

run app sink "--expect 10000" send "--type MsgApp --entries 3 --term-every 100 --count 10000"
check app "s['sent'] == 10000" "r['messages'] == 10000" "s['streams_ready']" "$same" "$same_set"

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
    "r['snapshots'][0]['index'] == 42" "s['received']['report_snapshot'] == [{'id': '2', 'status': 'finish'}]"

run removed_stream sink "--removed 1 --idle 1s --linger 0s" send "--type MsgHeartbeat --count 100 --wait-active 1s"
check removed_stream "r['messages'] == 0" "r['rejected_from_removed'] == {'1': 100}"
run removed_pipe sink "--removed 1 --idle 1s --linger 0s" send "--type MsgApp --count 10 --wait-streams=" remote no
check removed_pipe "r['rejected_from_removed'] == {'1': 10}" "s['received']['report_unreachable'] == {'2': 10}"
run removed_snap sink "--removed 1 --idle 1s --linger 0s --snap-dir rsnaps" snapshot "--db-size 1000 --wait-streams= --wait-active 1s"
check removed_snap "s['status'] == 'failure'" "r['rejected_from_removed'] == {'1': 1}"

# SIGTERM in the middle of a paced send, then SIGINT to the sink.
port=$((port + 2))
a=http://127.0.0.1:$port b=http://127.0.0.1:$((port + 1))
"$R" --mode sink --id 2 --listen "$b" --peer "1=$a" --log sig.recv.log >sig.recv.json 2>sig.recv.err &
rpid=$!
waitready sig.recv.err
"$S" --mode send --id 1 --listen "$a" --peer "2=$b" --to 2 --count 1000000 --rate 2000 >sig.send.json 2>sig.send.err &
spid=$!
sleep 1.5
kill -TERM "$spid"; wait "$spid"; echo "$?" >sig.send.rc
sleep 0.5
kill -INT "$rpid"; wait "$rpid"; echo "$?" >sig.recv.rc
check sig "s['stop_reason'] == 'signal'" "r['stop_reason'] == 'signal'" "0 < s['sent'] < 1000000" "$same"

for f in *.rc; do
    [ "$(cat "$f")" = 0 ] || { echo "FAIL exit status $(cat "$f"): ${f%.rc}"; failures=$((failures + 1)); }
done
for f in *.json; do
    python3 -m json.tool "$f" >/dev/null || { echo "FAIL invalid JSON: $f"; failures=$((failures + 1)); }
done
echo "selftest: $failures failure(s)"
[ "$failures" = 0 ]
