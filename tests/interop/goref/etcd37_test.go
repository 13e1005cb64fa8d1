//go:build etcd37

package main

// Checks toPB37 (the 3.7 presence rule) against raft v3.7.0 itself: a
// three-node cluster of real raft RawNodes exchanges every message type the
// peers send (elections with pre-vote, appends and their rejection, heartbeats
// with and without a ReadIndex context, forwarded proposals, ReadIndex and
// leader transfer, MsgTimeoutNow, rejected votes, a snapshot), and each message
// raft sent must come out of fromPB37 + toPB37 with the same encoding, i.e.
// with the same fields set. Run by `GOREF_TEST=1 build.sh 3.7 OUTDIR`.

import (
	"bytes"
	"io"
	"log"
	"sort"
	"testing"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
)

type raftNode struct {
	rn        *raft.RawNode
	st        *raft.MemoryStorage
	confState *raftpb.ConfState
}

type raftCluster struct {
	t       *testing.T
	ids     []uint64
	nodes   map[uint64]*raftNode
	cut     map[uint64]bool // messages to these nodes are dropped
	sent    []*raftpb.Message
	pending []*raftpb.Message
}

func newRaftCluster(t *testing.T, ids ...uint64) *raftCluster {
	c := &raftCluster{t: t, ids: ids, nodes: map[uint64]*raftNode{}, cut: map[uint64]bool{}}
	for _, id := range ids {
		st := raft.NewMemoryStorage()
		if err := st.ApplySnapshot(&raftpb.Snapshot{Metadata: &raftpb.SnapshotMetadata{
			ConfState: &raftpb.ConfState{Voters: ids}, Index: proto.Uint64(1), Term: proto.Uint64(1),
		}}); err != nil {
			t.Fatal(err)
		}
		rn, err := raft.NewRawNode(&raft.Config{
			ID: id, ElectionTick: 10, HeartbeatTick: 1, Storage: st,
			MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 256, PreVote: true,
			Logger: &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)},
		})
		if err != nil {
			t.Fatal(err)
		}
		c.nodes[id] = &raftNode{rn: rn, st: st}
	}
	return c
}

// settle processes every Ready and delivers every message until nothing moves.
func (c *raftCluster) settle() {
	for round := 0; round < 1000; round++ {
		moved := false
		for _, id := range c.ids {
			n := c.nodes[id]
			for n.rn.HasReady() {
				moved = true
				rd := n.rn.Ready()
				if rd.HardState != nil && !raft.IsEmptyHardState(rd.HardState) {
					n.st.SetHardState(rd.HardState)
				}
				if !raft.IsEmptySnap(rd.Snapshot) {
					n.st.ApplySnapshot(rd.Snapshot)
				}
				n.st.Append(rd.Entries)
				for _, e := range rd.CommittedEntries {
					if e.GetType() == raftpb.EntryConfChange {
						var cc raftpb.ConfChange
						if err := proto.Unmarshal(e.GetData(), &cc); err != nil {
							c.t.Fatal(err)
						}
						n.confState = n.rn.ApplyConfChange(&cc)
					}
				}
				for _, m := range rd.Messages {
					c.sent = append(c.sent, proto.Clone(m).(*raftpb.Message))
					c.pending = append(c.pending, m)
				}
				n.rn.Advance(rd)
			}
		}
		queue := c.pending
		c.pending = nil
		for _, m := range queue {
			moved = true
			if n := c.nodes[m.GetTo()]; n != nil && !c.cut[m.GetTo()] {
				n.rn.Step(m)
			}
		}
		if !moved {
			return
		}
	}
	c.t.Fatal("the cluster did not settle")
}

func (c *raftCluster) leader() uint64 {
	for _, id := range c.ids {
		if c.nodes[id].rn.Status().RaftState == raft.StateLeader {
			return id
		}
	}
	c.t.Fatal("no leader")
	return 0
}

func (c *raftCluster) term(id uint64) uint64 { return c.nodes[id].rn.Status().GetTerm() }

func TestPresenceRuleMatchesRaft(t *testing.T) {
	c := newRaftCluster(t, 1, 2, 3)

	// Pre-vote and vote, the leader's empty entry, heartbeats.
	c.nodes[1].rn.Campaign()
	c.settle()
	if c.leader() != 1 {
		t.Fatal("node 1 is not the leader")
	}
	c.nodes[1].rn.Tick()
	c.settle()

	// Proposals forwarded by a follower (with data, empty data, no data) and
	// a conf change (an entry with a type), ReadIndex from a follower and
	// from the leader (heartbeats with a context).
	c.nodes[2].rn.Propose([]byte("data"))
	c.nodes[2].rn.Propose([]byte{})
	c.settle()
	c.nodes[1].rn.ProposeConfChange(&raftpb.ConfChange{Type: raftpb.ConfChangeType_ConfChangeAddNode.Enum(), NodeId: proto.Uint64(3)})
	c.settle()
	c.nodes[3].rn.ReadIndex([]byte("rctx"))
	c.settle()
	c.nodes[1].rn.ReadIndex([]byte("own"))
	c.settle()

	// A MsgApp the follower cannot append: a rejected MsgAppResp. A pre-vote
	// from a candidate with a stale log: a rejected MsgPreVoteResp.
	term := c.term(1)
	c.nodes[3].rn.Step(&raftpb.Message{Type: raftpb.MessageType_MsgApp.Enum(), From: proto.Uint64(1), To: proto.Uint64(3),
		Term: proto.Uint64(term), Index: proto.Uint64(1000), LogTerm: proto.Uint64(term), Commit: proto.Uint64(0)})
	c.nodes[2].rn.Step(&raftpb.Message{Type: raftpb.MessageType_MsgPreVote.Enum(), From: proto.Uint64(3), To: proto.Uint64(2),
		Term: proto.Uint64(term + 1), Index: proto.Uint64(0), LogTerm: proto.Uint64(0)})
	c.settle()

	// Leader transfer asked at a follower: MsgTransferLeader, MsgTimeoutNow,
	// a vote with the transfer context.
	c.nodes[3].rn.TransferLeader(2)
	c.settle()
	if c.leader() != 2 {
		t.Fatal("the leadership did not move to node 2")
	}

	// A snapshot: node 3 misses entries, the leader compacts its log, then
	// node 3 comes back and can only be caught up with MsgSnap.
	c.cut[3] = true
	c.nodes[2].rn.Propose([]byte("while 3 is away"))
	c.settle()
	l := c.nodes[2]
	idx := l.rn.Status().GetCommit()
	cs := l.confState
	if cs == nil {
		t.Fatal("no conf state applied on node 2")
	}
	if _, err := l.st.CreateSnapshot(idx, cs, []byte("snapshot data")); err != nil {
		t.Fatal(err)
	}
	if err := l.st.Compact(idx); err != nil {
		t.Fatal(err)
	}
	c.cut[3] = false
	c.nodes[2].rn.Tick()
	c.settle()

	// A vote a node rejects (stale log, higher term): a rejected MsgVoteResp;
	// the node is now ahead of the leader and answers its heartbeat with an
	// index-less MsgAppResp.
	term = c.term(2)
	c.nodes[1].rn.Step(&raftpb.Message{Type: raftpb.MessageType_MsgVote.Enum(), From: proto.Uint64(3), To: proto.Uint64(1),
		Term: proto.Uint64(term + 1), Index: proto.Uint64(0), LogTerm: proto.Uint64(0)})
	c.settle()
	c.nodes[2].rn.Tick()
	c.settle()

	seen := map[string]int{}
	mismatches := 0
	for _, m := range c.sent {
		kind := m.GetType().String()
		if m.GetReject() {
			kind += "(reject)"
		}
		if m.GetType() == raftpb.MessageType_MsgHeartbeat && m.Context != nil {
			kind += "(ctx)"
		}
		want, err := proto.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		n := fromPB37(m)
		built := toPB37(&n)
		got, err := proto.Marshal(built)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			if m.GetType() == raftpb.MessageType_MsgAppResp && m.Index == nil && !m.GetReject() {
				// raft's answer to a message of a lower term (Step): no index,
				// unlike every other MsgAppResp. The peers never send it.
				kind += "(no index: known exception)"
				seen[kind]++
				continue
			}
			mismatches++
			t.Errorf("%s: raft sent\n  %s\nthe rule builds\n  %s", kind, prototext.Format(m), prototext.Format(built))
			continue
		}
		seen[kind]++
	}
	var kinds []string
	for k := range seen {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		t.Logf("%-40s %d", k, seen[k])
	}
	for _, k := range []string{"MsgApp", "MsgAppResp", "MsgAppResp(reject)", "MsgVote", "MsgVoteResp",
		"MsgVoteResp(reject)", "MsgPreVote", "MsgPreVoteResp", "MsgPreVoteResp(reject)", "MsgHeartbeat",
		"MsgHeartbeat(ctx)", "MsgHeartbeatResp", "MsgProp", "MsgReadIndex", "MsgReadIndexResp",
		"MsgTimeoutNow", "MsgTransferLeader", "MsgSnap"} {
		if seen[k] == 0 && mismatches == 0 {
			t.Errorf("the scenario produced no %s", k)
		}
	}
}
