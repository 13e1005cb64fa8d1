package golden

// Real raft traffic: in-memory clusters of the version's RawNodes, driven
// through scripted scenarios. Every message raft hands to the application to
// send (Ready.Messages, all addressed to another node) becomes a "traffic"
// line: its bytes are the version's Marshal of the message exactly as raft
// built it, its fields the decoded values.
//
// Determinism: nothing here depends on time or map order. raft randomizes the
// election timeout (crypto/rand or a time-seeded math/rand, depending on the
// version), so the scenarios never let a follower's election timer run out:
// only leaders are ticked, elections are started with Campaign, leader
// transfers and restarts (a restarted node has no leader, so it answers
// pre-votes).

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
)

// NodeStatus is what the scenarios check about a node.
type NodeStatus struct {
	Lead, Term, Commit, Applied, LastIndex uint64
	State                                  string // raft's StateType.String(): "StateLeader", ...
}

// Cluster is one version's set of RawNodes over MemoryStorage (PreVote and
// CheckQuorum on, ElectionTick 10, HeartbeatTick 1, ReadOnlySafe).
type Cluster interface {
	// NewNode creates node id: bootstrapped with the given voters
	// (RawNode.Bootstrap, peer contexts from PeerContext), or with empty
	// storage when voters is nil (a member joining an existing cluster).
	NewNode(id uint64, voters []uint64)
	// Restart replaces node id's RawNode by a new one over the same storage
	// (Config.Applied = its applied index): it forgets the leader and all
	// volatile state.
	Restart(id uint64)
	Campaign(id uint64)
	Propose(id uint64, data []byte) error
	ProposeConfChange(id uint64, cc ConfChange) error
	ProposeConfChangeV2(id uint64, cc ConfChangeV2) error
	ReadIndex(id uint64, rctx []byte)
	TransferLeader(id, transferee uint64)
	Tick(id uint64)
	ReportSnapshot(id, to uint64, failed bool)
	// Ready handles every pending Ready of node id the way etcd does
	// (snapshot, entries and hard state into the MemoryStorage, committed
	// conf changes applied with ApplyConfChange, Advance) and returns the
	// messages of those Ready structs, each as the version's Marshal of the
	// message raft built.
	Ready(id uint64) [][]byte
	// Step unmarshals b (as the receiving rafthttp does) and steps it into id.
	Step(id uint64, b []byte) error
	// Compact makes a snapshot at node id's applied index (its current conf
	// state, the given data) and compacts the log up to it.
	Compact(id uint64, data []byte)
	Status(id uint64) NodeStatus
	// MergedSnapshot is what the etcd server of this version makes of a raft
	// MsgSnap b leaving node id before rafthttp sends it
	// (createMergedSnapshotMessage: metadata index/term = node's applied
	// index and its term, conf state = node's current one, data = data).
	MergedSnapshot(id uint64, b []byte, data []byte) []byte
}

// PeerContext is the context of a bootstrap peer (etcd puts the member's JSON there).
func PeerContext(id uint64) []byte {
	return []byte(fmt.Sprintf(`{"id":"%x","peerURLs":["http://127.0.0.1:%d"]}`, id, 2380+id))
}

type packet struct {
	from, to uint64
	b        []byte
	m        Message
}

type sim struct {
	g        *Gen
	cl       Cluster
	name     string
	ids      []uint64
	queue    []packet
	cut      map[uint64]bool // nodes whose links are cut: messages to/from them are dropped
	seen     map[string]bool
	curStep  string
	mismatch *[]string
	counts   *[24]int
}

func (s *sim) has(id uint64) bool {
	for _, x := range s.ids {
		if x == id {
			return true
		}
	}
	return false
}

func (s *sim) newNode(id uint64, voters []uint64) {
	s.cl.NewNode(id, voters)
	s.ids = append(s.ids, id)
	sort.Slice(s.ids, func(i, j int) bool { return s.ids[i] < s.ids[j] })
}

// step starts a scenario step (a comment line before its traffic).
func (s *sim) step(format string, args ...any) {
	s.curStep = fmt.Sprintf(format, args...)
	s.g.c.comment("traffic %s: %s", s.name, s.curStep)
}

// pump collects node id's Ready messages.
func (s *sim) pump(id uint64) {
	for _, b := range s.cl.Ready(id) {
		m, note, err := unmarshalMessageNote(b)
		if err != nil || note != "" {
			fatalf("raft built a message its own Unmarshal refuses: %v %s (%x)", err, note, b)
		}
		// A forwarded MsgTransferLeader keeps From = the transferee.
		if (m.From != id && m.Type != MsgTransferLeader) || m.To == id || m.To == 0 {
			fatalf("unexpected message from node %d: %s", id, messageTok(&m))
		}
		s.record(b, m)
		s.queue = append(s.queue, packet{from: id, to: m.To, b: b, m: m})
	}
}

func (s *sim) pumpAll() {
	for _, id := range s.ids {
		s.pump(id)
	}
}

func (s *sim) record(b []byte, m Message) {
	rest := messageTok(&m)
	comment := ""
	if canon := codec.MarshalMessage(&m); !bytes.Equal(canon, b) {
		d := describeDiff(b, canon)
		rest += fmt.Sprintf(" # rule-mismatch: %s (rule bytes %x)", d, canon)
		comment = fmt.Sprintf("rule-mismatch: %s: %s", m.Type, d)
		l := fmt.Sprintf("traffic %s, %s: %s", s.name, m.Type, d)
		if !s.seen["mismatch "+l] {
			s.seen["mismatch "+l] = true
			*s.mismatch = append(*s.mismatch, l)
		}
	}
	if s.g.c.lineWithComment("traffic", b, rest, comment) {
		if m.Type >= 0 && int(m.Type) < len(s.counts) {
			s.counts[m.Type]++
		}
		if comment != "" {
			// The lines after it are the step's again.
			s.g.c.comment("traffic %s: %s (continued)", s.name, s.curStep)
		}
	}
	if m.Type == MsgSnap {
		data := []byte(fmt.Sprintf(`{"Root":{"Path":"/","Dir":true,"Nodes":{"/0":{"Path":"/0","Dir":true}}},"Index":%d}`, m.Snapshot.Metadata.Index))
		mb := s.cl.MergedSnapshot(m.From, b, data)
		g := Gen{c: s.g.c}
		g.MessageBytes(fmt.Sprintf("etcd %s createMergedSnapshotMessage applied to the raft MsgSnap just above "+
			"(snapshot replaced by {data: v2 store, metadata: {conf_state: current, index: applied index, term: its term}})",
			codec.Version()), mb)
	}
}

// deliver delivers (in queue order) the queued messages for which keep
// returns true; messages on a cut link are dropped. The others stay queued.
func (s *sim) deliver(keep func(p packet) bool) int {
	var rest []packet
	n := 0
	q := s.queue
	s.queue = nil
	for _, p := range q {
		if keep != nil && !keep(p) {
			rest = append(rest, p)
			continue
		}
		if s.cut[p.from] || s.cut[p.to] || !s.has(p.to) {
			continue
		}
		n++
		if err := s.cl.Step(p.to, p.b); err != nil {
			fatalf("%s: Step %s into %d: %v", s.name, p.m.Type, p.to, err)
		}
		if p.m.Type == MsgSnap {
			// rafthttp reports a snapshot it managed to send.
			s.cl.ReportSnapshot(p.from, p.to, false)
		}
	}
	s.queue = append(rest, s.queue...)
	return n
}

// stabilize pumps and delivers until no node has anything to say.
func (s *sim) stabilize() {
	for i := 0; ; i++ {
		if i > 10000 {
			fatalf("%s: does not stabilize", s.name)
		}
		s.pumpAll()
		if len(s.queue) == 0 {
			return
		}
		s.deliver(nil)
	}
}

func isType(t MessageType) func(p packet) bool {
	return func(p packet) bool { return p.m.Type == t }
}

func (s *sim) expectLeader(id uint64) {
	for _, x := range s.ids {
		st := s.cl.Status(x)
		if x == id && st.State != "StateLeader" {
			fatalf("%s: node %d is %s (term %d), not the leader", s.name, x, st.State, st.Term)
		}
		if x != id && st.State == "StateLeader" && !s.cut[x] {
			fatalf("%s: node %d is a leader too", s.name, x)
		}
	}
}

func (s *sim) expectState(id uint64, state string) {
	if st := s.cl.Status(id); st.State != state {
		fatalf("%s: node %d is %s, not %s", s.name, id, st.State, state)
	}
}

func (s *sim) propose(id uint64, data string) {
	if err := s.cl.Propose(id, []byte(data)); err != nil {
		fatalf("%s: Propose at %d: %v", s.name, id, err)
	}
}

func (s *sim) confChange(id uint64, cc ConfChange) {
	if err := s.cl.ProposeConfChange(id, cc); err != nil {
		fatalf("%s: ProposeConfChange at %d: %v", s.name, id, err)
	}
	s.stabilize()
}

func (s *sim) confChangeV2(id uint64, cc ConfChangeV2) {
	if err := s.cl.ProposeConfChangeV2(id, cc); err != nil {
		fatalf("%s: ProposeConfChangeV2 at %d: %v", s.name, id, err)
	}
	s.stabilize()
}

// readCtx is etcd's ReadIndex request context: the request id, 8 bytes big-endian.
func readCtx(id uint64) []byte {
	b := make([]byte, 8)
	for i := 0; i < 8; i++ {
		b[i] = byte(id >> (56 - 8*uint(i)))
	}
	return b
}

// put is a proposal payload shaped like etcd's (an InternalRaftRequest is
// protobuf; any bytes do for raft).
func put(k int, size int) string {
	s := fmt.Sprintf("put key-%d value-%d ", k, k)
	for len(s) < size {
		s += "x"
	}
	return s
}

// traffic runs the scenarios on fresh clusters from newCluster.
func traffic(g *Gen, newCluster func() Cluster) (mismatches []string, counts [24]int) {
	seen := map[string]bool{}
	a := &sim{g: g, cl: newCluster(), name: "A", cut: map[uint64]bool{}, seen: seen, mismatch: &mismatches, counts: &counts}
	scenarioThree(a)
	b := &sim{g: g, cl: newCluster(), name: "B", cut: map[uint64]bool{}, seen: seen, mismatch: &mismatches, counts: &counts}
	scenarioFive(b)
	m := &sim{g: g, cl: newCluster(), name: "M", cut: map[uint64]bool{}, seen: seen, mismatch: &mismatches, counts: &counts}
	scenarioMixed(m)
	return mismatches, counts
}

// scenarioThree: three voters 1, 2, 3.
func scenarioThree(s *sim) {
	for _, id := range []uint64{1, 2, 3} {
		s.newNode(id, []uint64{1, 2, 3})
	}
	s.stabilize()

	s.step("election: node 1 campaigns (pre-vote, vote), becomes leader, appends its empty entry")
	s.cl.Campaign(1)
	s.stabilize()
	s.expectLeader(1)

	s.step("proposals at the leader (one with empty data, one with nil data, one of 2 KiB)")
	for i := 1; i <= 3; i++ {
		s.propose(1, put(i, 0))
	}
	s.stabilize()
	if err := s.cl.Propose(1, []byte{}); err != nil {
		fatalf("propose empty: %v", err)
	}
	if err := s.cl.Propose(1, nil); err != nil {
		fatalf("propose nil: %v", err)
	}
	s.propose(1, put(4, 2048))
	s.stabilize()

	s.step("heartbeats (leader ticks once; no read pending: no context)")
	s.cl.Tick(1)
	s.stabilize()

	s.step("proposal at follower 2: MsgProp forwarded to the leader")
	s.propose(2, put(5, 0))
	s.stabilize()

	s.step("ReadIndex at the leader (context = request id), then at follower 3 (MsgReadIndex forwarded, MsgReadIndexResp)")
	s.cl.ReadIndex(1, readCtx(0x1001))
	s.stabilize()
	s.cl.ReadIndex(3, readCtx(0x1002))
	s.stabilize()
	s.step("two reads pending at once (followers 2 and 3), answered by one heartbeat round")
	s.cl.ReadIndex(2, readCtx(0x1003))
	s.cl.ReadIndex(3, readCtx(0x1004))
	s.pump(2)
	s.pump(3)
	s.deliver(isType(MsgReadIndex))
	s.stabilize()

	s.step("follower 3 cut off while the leader appends optimistically; healed: MsgAppResp reject with hint and log term, probe")
	s.cut[3] = true
	for i := 6; i <= 9; i++ {
		s.propose(1, put(i, 16))
		s.stabilize()
	}
	s.cut[3] = false
	s.propose(1, put(10, 0))
	s.stabilize()

	s.step("follower 3 cut off again; entries committed; leader and 2 compact their logs; healed: MsgSnap")
	s.cut[3] = true
	for i := 11; i <= 13; i++ {
		s.propose(1, put(i, 8))
		s.stabilize()
	}
	s.cl.Compact(1, []byte("snapshot-A-1"))
	s.cl.Compact(2, []byte("snapshot-A-2"))
	s.cut[3] = false
	s.cl.Tick(1)
	s.stabilize()
	s.cl.Tick(1)
	s.stabilize()
	if st := s.cl.Status(3); st.Applied != s.cl.Status(1).Applied {
		fatalf("A: node 3 did not catch up through the snapshot: %+v vs %+v", st, s.cl.Status(1))
	}

	s.step("leader transfer at the leader: 1 -> 2 (MsgTimeoutNow, MsgVote with context CampaignTransfer)")
	s.cl.TransferLeader(1, 2)
	s.stabilize()
	s.expectLeader(2)

	s.step("leader transfer requested at follower 3 for lagging node 1: MsgTransferLeader forwarded, leader catches 1 up, MsgTimeoutNow")
	s.cut[1] = true
	s.propose(2, put(14, 0))
	s.stabilize()
	s.propose(2, put(15, 0))
	s.stabilize()
	s.cut[1] = false
	s.cl.TransferLeader(3, 1)
	s.stabilize()
	s.expectLeader(1)

	s.step("a heartbeat from the old term reaches a node that already voted in the new one: MsgAppResp with the new term and no index")
	s.cl.TransferLeader(1, 3)
	s.pump(1)
	s.deliver(isType(MsgTimeoutNow))
	s.pump(3)
	s.deliver(func(p packet) bool { return p.m.Type == MsgVote && p.to == 2 })
	s.pump(2)
	s.cl.Tick(1)
	s.pump(1)
	s.deliver(func(p packet) bool { return p.m.Type == MsgHeartbeat })
	s.stabilize()
	s.expectLeader(3)

	s.step("pre-vote rejected: node 2 (stale log) campaigns at restarted nodes 1 and 3, which have no leader")
	s.cut[2] = true
	s.propose(3, put(16, 0))
	s.stabilize()
	s.propose(3, put(17, 0))
	s.stabilize()
	s.cl.Restart(1)
	s.cl.Restart(3)
	s.cut[2] = false
	s.cl.Campaign(2)
	s.stabilize()
	s.expectState(2, "StateFollower")

	s.step("split vote: nodes 1 and 3 campaign at once; each rejects the other's MsgVote, node 2 votes for 1")
	s.cl.Campaign(1)
	s.cl.Campaign(3)
	s.stabilize()
	s.expectLeader(1)

	s.step("old leader 1 cut off appends entries of its term; 3 wins a higher term, appends, hands over to 2; healed: 1 rejects the new leader's probe with its divergent log term")
	s.cut[1] = true
	for i := 18; i <= 20; i++ {
		s.propose(1, put(i, 0))
		s.stabilize()
	}
	s.cl.Restart(2)
	s.cl.Restart(3)
	s.cl.Campaign(3)
	s.stabilize()
	s.expectLeader(3)
	for i := 21; i <= 23; i++ {
		s.propose(3, put(i, 0))
		s.stabilize()
	}
	s.cl.TransferLeader(3, 2)
	s.stabilize()
	s.expectLeader(2)
	s.cut[1] = false
	s.cl.Tick(2)
	s.stabilize()
	s.cl.Tick(2)
	s.stabilize()
	s.expectLeader(2)
	if a, b := s.cl.Status(1), s.cl.Status(2); a.Commit != b.Commit || a.LastIndex != b.LastIndex {
		fatalf("A: node 1 did not converge: %+v vs %+v", a, b)
	}

	s.step("final heartbeat round with a read pending at the leader")
	s.cl.ReadIndex(2, readCtx(0x1005))
	s.stabilize()
}

// scenarioFive: voters 1, 2, 3; 4 joins as a voter, 5 as a learner (through a
// snapshot), 5 promoted, 4 removed, joint-consensus changes (ConfChangeV2).
func scenarioFive(s *sim) {
	for _, id := range []uint64{1, 2, 3} {
		s.newNode(id, []uint64{1, 2, 3})
	}
	s.stabilize()
	s.step("election of node 1")
	s.cl.Campaign(1)
	s.stabilize()
	s.expectLeader(1)
	s.propose(1, put(100, 0))
	s.stabilize()

	s.step("node 4 joins as a voter (ConfChange AddNode); its empty log rejects the first MsgApp (hint 0), the leader sends from index 1")
	s.newNode(4, nil)
	s.confChange(1, ConfChange{ID: 0x4004, Type: ConfChangeAddNode, NodeID: 4, Context: PeerContext(4)})
	s.cl.Tick(1)
	s.stabilize()
	s.propose(1, put(101, 0))
	s.stabilize()

	s.step("node 5 joins as a learner, proposed at follower 2 (forwarded EntryConfChange) while 5 is unreachable; logs compacted; 5 gets a MsgSnap")
	for _, id := range []uint64{1, 2, 3, 4} {
		s.cl.Compact(id, []byte(fmt.Sprintf("snapshot-B-%d", id)))
	}
	s.newNode(5, nil)
	s.cut[5] = true
	s.confChange(2, ConfChange{ID: 0x5005, Type: ConfChangeAddLearnerNode, NodeID: 5, Context: PeerContext(5)})
	for _, id := range []uint64{1, 2, 3, 4} {
		s.cl.Compact(id, []byte(fmt.Sprintf("snapshot-B-%d-learner", id)))
	}
	s.cut[5] = false
	s.cl.Tick(1)
	s.stabilize()
	s.cl.Tick(1)
	s.stabilize()
	if st := s.cl.Status(5); st.Applied != s.cl.Status(1).Applied {
		fatalf("B: learner 5 did not catch up: %+v vs %+v", st, s.cl.Status(1))
	}

	s.step("five members (4 voters, learner 5): proposals, heartbeats, ReadIndex at the learner, proposal at the learner")
	for i := 102; i <= 104; i++ {
		s.propose(1, put(i, 0))
	}
	s.stabilize()
	s.cl.Tick(1)
	s.stabilize()
	s.cl.ReadIndex(5, readCtx(0x2001))
	s.stabilize()
	s.propose(5, put(105, 0))
	s.stabilize()

	s.step("learner 5 promoted (AddNode 5); RemoveNode 4 proposed at once is refused while the first is pending: " +
		"raft replaces it by an entry {Type: EntryNormal} (raft.go stepLeader); RemoveNode 4 again")
	if err := s.cl.ProposeConfChange(1, ConfChange{ID: 0x5006, Type: ConfChangeAddNode, NodeID: 5}); err != nil {
		fatalf("B: %v", err)
	}
	if err := s.cl.ProposeConfChange(1, ConfChange{ID: 0x4007, Type: ConfChangeRemoveNode, NodeID: 4}); err != nil {
		fatalf("B: %v", err)
	}
	s.stabilize()
	s.confChange(1, ConfChange{ID: 0x4008, Type: ConfChangeRemoveNode, NodeID: 4})
	s.ids = []uint64{1, 2, 3, 5}
	s.cl.Tick(1)
	s.stabilize()

	s.step("joint consensus, left automatically: ConfChangeV2 {JointImplicit: AddLearnerNode 3} and raft's own leave-joint entry")
	s.confChangeV2(1, ConfChangeV2{Transition: ConfChangeTransitionJointImplicit, Changes: []ConfChangeSingle{{Type: ConfChangeAddLearnerNode, NodeID: 3}}})
	s.cl.Tick(1)
	s.stabilize()

	s.step("joint consensus left explicitly: {JointExplicit: AddNode 3}; node 5 cut off, logs compacted, MsgSnap with a joint ConfState; then the empty ConfChangeV2")
	s.confChangeV2(1, ConfChangeV2{Transition: ConfChangeTransitionJointExplicit, Changes: []ConfChangeSingle{{Type: ConfChangeAddNode, NodeID: 3}},
		Context: []byte("explicit")})
	s.cut[5] = true
	s.propose(1, put(106, 0))
	s.stabilize()
	for _, id := range []uint64{1, 2, 3} {
		s.cl.Compact(id, []byte(fmt.Sprintf("snapshot-B-joint-%d", id)))
	}
	s.cut[5] = false
	s.cl.Tick(1)
	s.stabilize()
	s.cl.Tick(1)
	s.stabilize()
	s.confChangeV2(1, ConfChangeV2{})
	s.cl.Tick(1)
	s.stabilize()

	s.step("leader transfer to the promoted learner 5")
	s.cl.TransferLeader(1, 5)
	s.stabilize()
	s.expectLeader(5)
	s.propose(5, put(107, 0))
	s.stabilize()
	s.cl.ReadIndex(5, readCtx(0x2002))
	s.stabilize()
}

// describeDiff says which top-level fields (and entry fields) Go wrote that
// the wire-style rule does not, and the reverse.
func describeDiff(goBytes, rule []byte) string {
	gf, rf := fieldNums(goBytes), fieldNums(rule)
	var out []string
	if d := minus(gf, rf); len(d) > 0 {
		out = append(out, "Go writes field(s) "+nums(d)+" that the rule omits")
	}
	if d := minus(rf, gf); len(d) > 0 {
		out = append(out, "the rule writes field(s) "+nums(d)+" that Go omits")
	}
	ge, re := entryFields(goBytes), entryFields(rule)
	for i := 0; i < len(ge) && i < len(re); i++ {
		if d := minus(ge[i], re[i]); len(d) > 0 {
			out = append(out, fmt.Sprintf("Go writes field(s) %s of entry %d that the rule omits", nums(d), i))
		}
		if d := minus(re[i], ge[i]); len(d) > 0 {
			out = append(out, fmt.Sprintf("the rule writes field(s) %s of entry %d that Go omits", nums(d), i))
		}
	}
	if len(out) == 0 {
		out = append(out, "same fields, different bytes")
	}
	return strings.Join(out, "; ")
}

// fieldNums lists the field numbers of the top-level fields of b, in order,
// once each.
func fieldNums(b []byte) []int {
	var out []int
	seen := map[int]bool{}
	walkFields(b, func(f int, _ []byte) {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	})
	return out
}

// entryFields lists the field numbers of each entry (field 7) of message b.
func entryFields(b []byte) [][]int {
	var out [][]int
	walkFields(b, func(f int, v []byte) {
		if f == 7 {
			out = append(out, fieldNums(v))
		}
	})
	return out
}

// walkFields calls f for every top-level field of b with its number and, for
// a length-delimited field, its payload.
func walkFields(b []byte, f func(num int, payload []byte)) {
	for len(b) > 0 {
		tag, n := uvarint(b)
		if n <= 0 {
			return
		}
		b = b[n:]
		num := int(tag >> 3)
		switch tag & 7 {
		case 0:
			_, n = uvarint(b)
			if n <= 0 {
				return
			}
			f(num, nil)
			b = b[n:]
		case 1:
			if len(b) < 8 {
				return
			}
			f(num, nil)
			b = b[8:]
		case 2:
			l, n := uvarint(b)
			if n <= 0 || uint64(len(b)-n) < l {
				return
			}
			f(num, b[n:n+int(l)])
			b = b[n+int(l):]
		case 5:
			if len(b) < 4 {
				return
			}
			f(num, nil)
			b = b[4:]
		default:
			return
		}
	}
}

func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 10; i++ {
		v |= uint64(b[i]&0x7f) << (7 * uint(i))
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}

func minus(a, b []int) []int {
	var out []int
	for _, x := range a {
		found := false
		for _, y := range b {
			found = found || x == y
		}
		if !found {
			out = append(out, x)
		}
	}
	return out
}

func nums(l []int) string {
	s := make([]string, len(l))
	for i, v := range l {
		s[i] = fmt.Sprint(v)
	}
	return strings.Join(s, ",")
}

// scenarioMixed: a leader of this version receiving what an older member
// sends during a rolling upgrade (etcd 3.4/3.5 and 3.6 encode every Entry
// field, zero or not). raft keeps the decoded entries as they are, so with
// proto2 presence (3.7) the zero fields travel on in the leader's MsgApp and
// MsgReadIndexResp.
func scenarioMixed(s *sim) {
	for _, id := range []uint64{1, 2, 3} {
		s.newNode(id, []uint64{1, 2, 3})
	}
	s.stabilize()
	s.cl.Campaign(1)
	s.stabilize()
	s.expectLeader(1)

	inject := func(to uint64, b []byte) {
		if err := s.cl.Step(to, b); err != nil {
			fatalf("%s: inject: %v", s.name, err)
		}
		s.stabilize()
	}
	s.step("mixed versions: follower 2 forwards a MsgProp encoded as etcd 3.4/3.5 encode it (entry type, term, index written as 0); the leader replicates the entry")
	p := Message{Type: MsgProp, To: 1, From: 2, Entries: []Entry{{Data: []byte(put(200, 0))}}}
	inject(1, Hand34(&p))
	s.step("mixed versions: the same from a follower encoding as etcd 3.6 (raft v3.6.0) does")
	p.Entries[0].Data = []byte(put(201, 0))
	inject(1, Hand36(&p, 0))
	s.step("mixed versions: follower 3 forwards a MsgReadIndex encoded as etcd 3.4/3.5 encode it; the MsgReadIndexResp echoes its entry")
	ri := Message{Type: MsgReadIndex, To: 1, From: 3, Entries: []Entry{{Data: readCtx(0x3001)}}}
	inject(1, Hand34(&ri))
	s.step("mixed versions: the same MsgReadIndex encoded as this version's wire style does")
	ri.Entries[0].Data = readCtx(0x3002)
	inject(1, codec.MarshalMessage(&ri))
}
