// Command gen-3.5 writes tests/golden/raftpb-3.5.txt: raftpb vectors from etcd
// 3.5.36's in-tree raft (go.etcd.io/etcd/raft/v3 v3.5.36, the version
// go.etcd.io/etcd/server/v3 v3.5.36 requires), gogoproto-generated like 3.4's.
//
// The shared cases come from ../common (the cases of gen/main.go, same seeds):
// regen.sh --version 3.5 checks that every message/entry/.../decode/reject
// line they give is identical to raftpb.txt, which proves that 3.5.36 encodes
// and decodes exactly like 3.4.23. After them come the cross-version decode
// inputs and the traffic of 3.5.36's RawNode.
//
// Build and run it through tests/interop/golden/regen.sh --version 3.5.
// Usage: gen-3.5 OUTDIR
package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"go.etcd.io/etcd/raft/v3"
	"go.etcd.io/etcd/raft/v3/raftpb"

	golden "rafthttpgolden/common"
)

// ---------------------------------------------------------------------------
// Model <-> raftpb (value types, the same shape as the model).

func entryToPB(e *golden.Entry) raftpb.Entry {
	return raftpb.Entry{Term: e.Term, Index: e.Index, Type: raftpb.EntryType(e.Type), Data: e.Data}
}

func entryFromPB(e *raftpb.Entry) golden.Entry {
	return golden.Entry{Term: e.Term, Index: e.Index, Type: golden.EntryType(e.Type), Data: e.Data}
}

func confStateToPB(cs *golden.ConfState) raftpb.ConfState {
	return raftpb.ConfState{Voters: cs.Voters, Learners: cs.Learners, VotersOutgoing: cs.VotersOutgoing,
		LearnersNext: cs.LearnersNext, AutoLeave: cs.AutoLeave}
}

func confStateFromPB(cs *raftpb.ConfState) golden.ConfState {
	return golden.ConfState{Voters: cs.Voters, Learners: cs.Learners, VotersOutgoing: cs.VotersOutgoing,
		LearnersNext: cs.LearnersNext, AutoLeave: cs.AutoLeave}
}

func snapshotToPB(s *golden.Snapshot) raftpb.Snapshot {
	return raftpb.Snapshot{Data: s.Data, Metadata: raftpb.SnapshotMetadata{
		ConfState: confStateToPB(&s.Metadata.ConfState), Index: s.Metadata.Index, Term: s.Metadata.Term}}
}

func snapshotFromPB(s *raftpb.Snapshot) golden.Snapshot {
	return golden.Snapshot{Data: s.Data, Metadata: golden.SnapshotMetadata{
		ConfState: confStateFromPB(&s.Metadata.ConfState), Index: s.Metadata.Index, Term: s.Metadata.Term}}
}

func messageToPB(m *golden.Message) raftpb.Message {
	p := raftpb.Message{Type: raftpb.MessageType(m.Type), To: m.To, From: m.From, Term: m.Term,
		LogTerm: m.LogTerm, Index: m.Index, Commit: m.Commit, Snapshot: snapshotToPB(&m.Snapshot),
		Reject: m.Reject, RejectHint: m.RejectHint, Context: m.Context}
	if m.Entries != nil {
		p.Entries = make([]raftpb.Entry, len(m.Entries))
		for i := range m.Entries {
			p.Entries[i] = entryToPB(&m.Entries[i])
		}
	}
	return p
}

func messageFromPB(p *raftpb.Message) golden.Message {
	m := golden.Message{Type: golden.MessageType(p.Type), To: p.To, From: p.From, Term: p.Term,
		LogTerm: p.LogTerm, Index: p.Index, Commit: p.Commit, Snapshot: snapshotFromPB(&p.Snapshot),
		Reject: p.Reject, RejectHint: p.RejectHint, Context: p.Context}
	for i := range p.Entries {
		m.Entries = append(m.Entries, entryFromPB(&p.Entries[i]))
	}
	return m
}

func confChangeToPB(c *golden.ConfChange) raftpb.ConfChange {
	return raftpb.ConfChange{ID: c.ID, Type: raftpb.ConfChangeType(c.Type), NodeID: c.NodeID, Context: c.Context}
}

func confChangeV2ToPB(c *golden.ConfChangeV2) raftpb.ConfChangeV2 {
	p := raftpb.ConfChangeV2{Transition: raftpb.ConfChangeTransition(c.Transition), Context: c.Context}
	for _, x := range c.Changes {
		p.Changes = append(p.Changes, raftpb.ConfChangeSingle{Type: raftpb.ConfChangeType(x.Type), NodeID: x.NodeID})
	}
	return p
}

type marshaler interface{ Marshal() ([]byte, error) }

func mustMarshal(v marshaler) []byte {
	b, err := v.Marshal()
	if err != nil {
		golden.Fatalf("Marshal: %v", err)
	}
	return b
}

// ---------------------------------------------------------------------------
// Codec: 3.5.36's Marshal/Unmarshal.

type codec35 struct{}

func (codec35) Version() string { return "3.5.36" }
func (codec35) Style() string   { return "3.4" }

func (codec35) MarshalMessage(m *golden.Message) []byte {
	p := messageToPB(m)
	b := mustMarshal(&p)
	if len(b) != p.Size() {
		golden.Fatalf("Size %d != len %d", p.Size(), len(b))
	}
	return b
}

func (codec35) UnmarshalMessage(b []byte) (golden.Message, string, error) {
	var p raftpb.Message
	err := p.Unmarshal(b)
	return messageFromPB(&p), "", err
}

func (codec35) MarshalEntry(e *golden.Entry) []byte {
	p := entryToPB(e)
	return mustMarshal(&p)
}

func (codec35) UnmarshalEntry(b []byte) (golden.Entry, error) {
	var p raftpb.Entry
	err := p.Unmarshal(b)
	return entryFromPB(&p), err
}

func (codec35) MarshalConfState(cs *golden.ConfState) []byte {
	p := confStateToPB(cs)
	return mustMarshal(&p)
}

func (codec35) UnmarshalConfState(b []byte) (golden.ConfState, error) {
	var p raftpb.ConfState
	err := p.Unmarshal(b)
	return confStateFromPB(&p), err
}

func (codec35) MarshalSnapshot(s *golden.Snapshot) []byte {
	p := snapshotToPB(s)
	return mustMarshal(&p)
}

func (codec35) UnmarshalSnapshot(b []byte) (golden.Snapshot, error) {
	var p raftpb.Snapshot
	err := p.Unmarshal(b)
	return snapshotFromPB(&p), err
}

func (codec35) MarshalHardState(h *golden.HardState) []byte {
	p := raftpb.HardState{Term: h.Term, Vote: h.Vote, Commit: h.Commit}
	return mustMarshal(&p)
}

func (codec35) UnmarshalHardState(b []byte) (golden.HardState, error) {
	var p raftpb.HardState
	err := p.Unmarshal(b)
	return golden.HardState{Term: p.Term, Vote: p.Vote, Commit: p.Commit}, err
}

func (codec35) MarshalConfChange(c *golden.ConfChange) []byte {
	p := confChangeToPB(c)
	return mustMarshal(&p)
}

func (codec35) UnmarshalConfChange(b []byte) (golden.ConfChange, error) {
	var p raftpb.ConfChange
	err := p.Unmarshal(b)
	return golden.ConfChange{ID: p.ID, Type: golden.ConfChangeType(p.Type), NodeID: p.NodeID, Context: p.Context}, err
}

func (codec35) MarshalConfChangeV2(c *golden.ConfChangeV2) []byte {
	p := confChangeV2ToPB(c)
	return mustMarshal(&p)
}

func (codec35) UnmarshalConfChangeV2(b []byte) (golden.ConfChangeV2, error) {
	var p raftpb.ConfChangeV2
	err := p.Unmarshal(b)
	c := golden.ConfChangeV2{Transition: golden.ConfChangeTransition(p.Transition), Context: p.Context}
	for _, x := range p.Changes {
		c.Changes = append(c.Changes, golden.ConfChangeSingle{Type: golden.ConfChangeType(x.Type), NodeID: x.NodeID})
	}
	return c, err
}

// ---------------------------------------------------------------------------
// Cluster: 3.5.36's RawNode over MemoryStorage.

type node struct {
	rn      *raft.RawNode
	ms      *raft.MemoryStorage
	cfg     raft.Config
	applied uint64
	cs      raftpb.ConfState
}

type cluster struct{ nodes map[uint64]*node }

var discard = &raft.DefaultLogger{Logger: log.New(io.Discard, "", 0)}

func config(id uint64, ms *raft.MemoryStorage, applied uint64) raft.Config {
	return raft.Config{ID: id, ElectionTick: 10, HeartbeatTick: 1, Storage: ms, Applied: applied,
		MaxSizePerMsg: 1 << 20, MaxInflightMsgs: 512, CheckQuorum: true, PreVote: true, Logger: discard}
}

func (c *cluster) n(id uint64) *node {
	n := c.nodes[id]
	if n == nil {
		golden.Fatalf("no node %d", id)
	}
	return n
}

func (c *cluster) NewNode(id uint64, voters []uint64) {
	ms := raft.NewMemoryStorage()
	n := &node{ms: ms, cfg: config(id, ms, 0)}
	rn, err := raft.NewRawNode(&n.cfg)
	if err != nil {
		golden.Fatalf("NewRawNode: %v", err)
	}
	if voters != nil {
		var peers []raft.Peer
		for _, v := range voters {
			peers = append(peers, raft.Peer{ID: v, Context: golden.PeerContext(v)})
		}
		if err := rn.Bootstrap(peers); err != nil {
			golden.Fatalf("Bootstrap: %v", err)
		}
	}
	n.rn = rn
	c.nodes[id] = n
}

func (c *cluster) Restart(id uint64) {
	n := c.n(id)
	n.cfg = config(id, n.ms, n.applied)
	rn, err := raft.NewRawNode(&n.cfg)
	if err != nil {
		golden.Fatalf("NewRawNode (restart): %v", err)
	}
	n.rn = rn
}

func (c *cluster) Campaign(id uint64) {
	if err := c.n(id).rn.Campaign(); err != nil {
		golden.Fatalf("Campaign: %v", err)
	}
}

func (c *cluster) Propose(id uint64, data []byte) error { return c.n(id).rn.Propose(data) }

func (c *cluster) ProposeConfChange(id uint64, cc golden.ConfChange) error {
	return c.n(id).rn.ProposeConfChange(confChangeToPB(&cc))
}

func (c *cluster) ProposeConfChangeV2(id uint64, cc golden.ConfChangeV2) error {
	return c.n(id).rn.ProposeConfChange(confChangeV2ToPB(&cc))
}

func (c *cluster) ReadIndex(id uint64, rctx []byte)     { c.n(id).rn.ReadIndex(rctx) }
func (c *cluster) TransferLeader(id, transferee uint64) { c.n(id).rn.TransferLeader(transferee) }
func (c *cluster) Tick(id uint64)                       { c.n(id).rn.Tick() }

func (c *cluster) ReportSnapshot(id, to uint64, failed bool) {
	st := raft.SnapshotFinish
	if failed {
		st = raft.SnapshotFailure
	}
	c.n(id).rn.ReportSnapshot(to, st)
}

func (c *cluster) Ready(id uint64) [][]byte {
	n := c.n(id)
	var out [][]byte
	for n.rn.HasReady() {
		rd := n.rn.Ready()
		if !raft.IsEmptySnap(rd.Snapshot) {
			if err := n.ms.ApplySnapshot(rd.Snapshot); err != nil {
				golden.Fatalf("ApplySnapshot: %v", err)
			}
			n.applied = rd.Snapshot.Metadata.Index
			n.cs = rd.Snapshot.Metadata.ConfState
		}
		if err := n.ms.Append(rd.Entries); err != nil {
			golden.Fatalf("Append: %v", err)
		}
		if !raft.IsEmptyHardState(rd.HardState) {
			if err := n.ms.SetHardState(rd.HardState); err != nil {
				golden.Fatalf("SetHardState: %v", err)
			}
		}
		for i := range rd.Messages {
			out = append(out, mustMarshal(&rd.Messages[i]))
		}
		for _, e := range rd.CommittedEntries {
			switch e.Type {
			case raftpb.EntryConfChange:
				var cc raftpb.ConfChange
				if err := cc.Unmarshal(e.Data); err != nil {
					golden.Fatalf("ConfChange: %v", err)
				}
				n.cs = *n.rn.ApplyConfChange(cc)
			case raftpb.EntryConfChangeV2:
				var cc raftpb.ConfChangeV2
				if err := cc.Unmarshal(e.Data); err != nil {
					golden.Fatalf("ConfChangeV2: %v", err)
				}
				n.cs = *n.rn.ApplyConfChange(cc)
			}
			n.applied = e.Index
		}
		n.rn.Advance(rd)
	}
	return out
}

func (c *cluster) Step(id uint64, b []byte) error {
	var m raftpb.Message
	if err := m.Unmarshal(b); err != nil {
		return err
	}
	// etcd drops what raft refuses from a peer it no longer (or not yet) knows.
	if err := c.n(id).rn.Step(m); err != nil && err != raft.ErrStepPeerNotFound {
		return err
	}
	return nil
}

func (c *cluster) Compact(id uint64, data []byte) {
	n := c.n(id)
	if _, err := n.ms.CreateSnapshot(n.applied, &n.cs, data); err != nil {
		golden.Fatalf("CreateSnapshot: %v", err)
	}
	if err := n.ms.Compact(n.applied); err != nil {
		golden.Fatalf("Compact: %v", err)
	}
}

func (c *cluster) Status(id uint64) golden.NodeStatus {
	n := c.n(id)
	bs := n.rn.BasicStatus()
	li, _ := n.ms.LastIndex()
	return golden.NodeStatus{Lead: bs.Lead, Term: bs.Term, Commit: bs.Commit, Applied: n.applied,
		LastIndex: li, State: bs.RaftState.String()}
}

// MergedSnapshot follows etcd 3.5.36 server/etcdserver/snapshot_merge.go
// createMergedSnapshotMessage: m.Snapshot = raftpb.Snapshot{Metadata:
// {Index: snapi, Term: snapt, ConfState: confState}, Data: d}.
func (c *cluster) MergedSnapshot(id uint64, b []byte, data []byte) []byte {
	n := c.n(id)
	var m raftpb.Message
	if err := m.Unmarshal(b); err != nil {
		golden.Fatalf("MergedSnapshot: %v", err)
	}
	term, err := n.ms.Term(n.applied)
	if err != nil {
		golden.Fatalf("MergedSnapshot term: %v", err)
	}
	m.Snapshot = raftpb.Snapshot{Metadata: raftpb.SnapshotMetadata{Index: n.applied, Term: term, ConfState: n.cs}, Data: data}
	return mustMarshal(&m)
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen-3.5 OUTDIR")
		os.Exit(2)
	}
	out := golden.Generate(golden.Options{
		Codec:      codec35{},
		NewCluster: func() golden.Cluster { return &cluster{nodes: map[uint64]*node{}} },
		Source: "go.etcd.io/etcd/raft/v3 v3.5.36 raftpb, gogoproto-generated Marshal/Unmarshal, from the Go module proxy; " +
			"the raft module go.etcd.io/etcd/server/v3 v3.5.36 requires",
		File: "raftpb-3.5.txt", Generator: "gen-3.5/main.go", Flag: "3.5",
		Raft: "etcd 3.5.36's raft (go.etcd.io/etcd/raft/v3 v3.5.36)",
		Style: []string{
			"gogoproto, exactly as etcd 3.4.23: every scalar field of Message, Entry, SnapshotMetadata,",
			"HardState, ConfChange, ConfChangeSingle and ConfChangeV2 and ConfState.auto_leave is written even",
			"when zero; Message.snapshot (field 9) always, in every message type (an empty snapshot is",
			"4a 0a 12 08 0a 02 28 00 10 00 18 00); SnapshotMetadata.conf_state always; bytes fields (context,",
			"data) only when non-nil (present-but-empty = tag + 00); repeated fields unpacked; ascending field",
			"numbers. The shared sections (everything before \"==== decode: link heartbeats\") are line for line",
			"those of raftpb.txt (regen.sh --version 3.5 checks it), except the error text of 3 reject lines.",
			"Decoding differs from 3.4.23 in two ways only: unknown fields are dropped",
			"(goproto_unrecognized_all=false), not kept in XXX_unrecognized; and a length whose index+length",
			"overflows int is an error (\"proto: negative length found during unmarshaling\"), not a panic.",
		},
	})
	if err := os.WriteFile(filepath.Join(os.Args[1], "raftpb-3.5.txt"), out, 0o644); err != nil {
		golden.Fatalf("%v", err)
	}
}
