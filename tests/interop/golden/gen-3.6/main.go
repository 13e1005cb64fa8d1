// Command gen-3.6 writes tests/golden/raftpb-3.6.txt: raftpb vectors from
// go.etcd.io/raft/v3 v3.6.0 (gogoproto), the raft that go.etcd.io/etcd/server/v3
// v3.6.17 requires.
//
// The shared cases come from ../common (the cases of gen/main.go, same seeds,
// encoded the 3.6 way), then the cross-version decode inputs, the 3.6-only
// vectors below (field 13 vote, nil/empty snapshot, responses), and the
// traffic of v3.6.0's RawNode.
//
// Build and run it through tests/interop/golden/regen.sh --version 3.6.
// Usage: gen-3.6 OUTDIR
package main

import (
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"

	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"

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

// messageToPB builds the Message as raft v3.6.0 does: Snapshot (nullable
// since v3.6.0) only for MsgSnap or a non-empty snapshot, Vote 0.
func messageToPB(m *golden.Message) raftpb.Message {
	p := raftpb.Message{Type: raftpb.MessageType(m.Type), To: m.To, From: m.From, Term: m.Term,
		LogTerm: m.LogTerm, Index: m.Index, Commit: m.Commit,
		Reject: m.Reject, RejectHint: m.RejectHint, Context: m.Context}
	if m.Type == golden.MsgSnap || !golden.IsEmptySnapshot(&m.Snapshot) {
		s := snapshotToPB(&m.Snapshot)
		p.Snapshot = &s
	}
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
		LogTerm: p.LogTerm, Index: p.Index, Commit: p.Commit,
		Reject: p.Reject, RejectHint: p.RejectHint, Context: p.Context}
	if p.Snapshot != nil {
		m.Snapshot = snapshotFromPB(p.Snapshot)
	}
	for i := range p.Entries {
		m.Entries = append(m.Entries, entryFromPB(&p.Entries[i]))
	}
	return m
}

// messageNote says what p carries beyond the model: field 13, field 14, and
// field 9 where the wire style would not put it.
func messageNote(p *raftpb.Message) string {
	var n []string
	if p.Vote != 0 {
		n = append(n, fmt.Sprintf("vote=%d (field 13)", p.Vote))
	}
	if len(p.Responses) > 0 {
		n = append(n, fmt.Sprintf("%d response(s) (field 14)", len(p.Responses)))
	}
	if p.Type != raftpb.MsgSnap && p.Snapshot != nil {
		s := snapshotFromPB(p.Snapshot)
		if golden.IsEmptySnapshot(&s) {
			n = append(n, "an empty snapshot (field 9) in a non-MsgSnap message: Snapshot non-nil")
		}
	}
	if p.Type == raftpb.MsgSnap && p.Snapshot == nil {
		n = append(n, "MsgSnap without field 9: Snapshot nil")
	}
	return strings.Join(n, "; ")
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

type codec36 struct{}

func (codec36) Version() string { return "3.6.17" }
func (codec36) Style() string   { return "3.6" }

func (codec36) MarshalMessage(m *golden.Message) []byte {
	p := messageToPB(m)
	b := mustMarshal(&p)
	if len(b) != p.Size() {
		golden.Fatalf("Size %d != len %d", p.Size(), len(b))
	}
	return b
}

func (codec36) UnmarshalMessage(b []byte) (golden.Message, string, error) {
	var p raftpb.Message
	err := p.Unmarshal(b)
	return messageFromPB(&p), messageNote(&p), err
}

func (codec36) MarshalEntry(e *golden.Entry) []byte {
	p := entryToPB(e)
	return mustMarshal(&p)
}

func (codec36) UnmarshalEntry(b []byte) (golden.Entry, error) {
	var p raftpb.Entry
	err := p.Unmarshal(b)
	return entryFromPB(&p), err
}

func (codec36) MarshalConfState(cs *golden.ConfState) []byte {
	p := confStateToPB(cs)
	return mustMarshal(&p)
}

func (codec36) UnmarshalConfState(b []byte) (golden.ConfState, error) {
	var p raftpb.ConfState
	err := p.Unmarshal(b)
	return confStateFromPB(&p), err
}

func (codec36) MarshalSnapshot(s *golden.Snapshot) []byte {
	p := snapshotToPB(s)
	return mustMarshal(&p)
}

func (codec36) UnmarshalSnapshot(b []byte) (golden.Snapshot, error) {
	var p raftpb.Snapshot
	err := p.Unmarshal(b)
	return snapshotFromPB(&p), err
}

func (codec36) MarshalHardState(h *golden.HardState) []byte {
	p := raftpb.HardState{Term: h.Term, Vote: h.Vote, Commit: h.Commit}
	return mustMarshal(&p)
}

func (codec36) UnmarshalHardState(b []byte) (golden.HardState, error) {
	var p raftpb.HardState
	err := p.Unmarshal(b)
	return golden.HardState{Term: p.Term, Vote: p.Vote, Commit: p.Commit}, err
}

func (codec36) MarshalConfChange(c *golden.ConfChange) []byte {
	p := confChangeToPB(c)
	return mustMarshal(&p)
}

func (codec36) UnmarshalConfChange(b []byte) (golden.ConfChange, error) {
	var p raftpb.ConfChange
	err := p.Unmarshal(b)
	return golden.ConfChange{ID: p.ID, Type: golden.ConfChangeType(p.Type), NodeID: p.NodeID, Context: p.Context}, err
}

func (codec36) MarshalConfChangeV2(c *golden.ConfChangeV2) []byte {
	p := confChangeV2ToPB(c)
	return mustMarshal(&p)
}

func (codec36) UnmarshalConfChangeV2(b []byte) (golden.ConfChangeV2, error) {
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

// MergedSnapshot follows etcd 3.6.17 server/etcdserver/snapshot_merge.go
// createMergedSnapshotMessage: snapshot := raftpb.Snapshot{Metadata:
// {Index: snapi, Term: snapt, ConfState: confState}, Data: d}; m.Snapshot = &snapshot.
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
	snapshot := raftpb.Snapshot{Metadata: raftpb.SnapshotMetadata{Index: n.applied, Term: term, ConfState: n.cs}, Data: data}
	m.Snapshot = &snapshot
	return mustMarshal(&m)
}

// extra: the 3.6-only vectors. Every value goes through v3.6.0's Marshal.
func extra(g *golden.Gen) {
	r := g.R
	marshal := func(p raftpb.Message) []byte { return mustMarshal(&p) }
	g.Comment("==== decode: what v3.6.0's Marshal writes outside the wire style (field 9 nil in MsgSnap, an empty field 9 elsewhere, field 13 vote, field 14 responses)")
	snapNil := raftpb.Message{Type: raftpb.MsgSnap, To: 2, From: 1, Term: 5}
	g.Decode("MsgSnap with Snapshot nil: no field 9", marshal(snapNil))
	for _, t := range []raftpb.MessageType{raftpb.MsgApp, raftpb.MsgHeartbeat, raftpb.MsgAppResp} {
		m := raftpb.Message{Type: t, To: 2, From: 1, Term: 5, Commit: 3, Snapshot: &raftpb.Snapshot{}}
		g.Decode(fmt.Sprintf("%s with a non-nil empty Snapshot: field 9 written (4a 0a ...)", t), marshal(m))
	}
	for _, v := range []uint64{1, 2, 127, 128, 1 << 63, golden.MaxU64} {
		for _, t := range []raftpb.MessageType{raftpb.MsgApp, raftpb.MsgHeartbeat, raftpb.MsgVote, raftpb.MsgSnap} {
			m := raftpb.Message{Type: t, To: 2, From: 1, Term: 5, LogTerm: 4, Index: 10, Commit: 9, Vote: v}
			if t == raftpb.MsgApp {
				m.Entries = []raftpb.Entry{{Term: 5, Index: 11, Data: []byte("hello")}}
			}
			if t == raftpb.MsgSnap {
				m.Snapshot = &raftpb.Snapshot{Data: []byte("snap"), Metadata: raftpb.SnapshotMetadata{Index: 10, Term: 4,
					ConfState: raftpb.ConfState{Voters: []uint64{1, 2, 3}}}}
			}
			g.Decode(fmt.Sprintf("%s with vote=%d (field 13)", t, v), marshal(m))
		}
	}
	{
		resp := raftpb.Message{Type: raftpb.MsgAppResp, To: 2, From: 1, Term: 5, Index: 13}
		apply := raftpb.Message{Type: raftpb.MsgStorageApplyResp, To: 1, From: 1, Term: 5,
			Entries: []raftpb.Entry{{Term: 5, Index: 13}}}
		m := raftpb.Message{Type: raftpb.MsgStorageAppend, To: 1, From: 1, Term: 5, Vote: 2, Commit: 12,
			Entries:   []raftpb.Entry{{Term: 5, Index: 13, Data: []byte("z")}},
			Responses: []raftpb.Message{resp, apply}}
		g.Decode("MsgStorageAppend as raft v3.6.0 builds it with AsyncStorageWrites: term, vote, commit, entries, two responses", marshal(m))
		m.Snapshot = &raftpb.Snapshot{Metadata: raftpb.SnapshotMetadata{Index: 9, Term: 4, ConfState: raftpb.ConfState{Voters: []uint64{1}}}}
		g.Decode("MsgStorageAppend with a snapshot", marshal(m))
	}
	g.Comment("==== decode: 200 pseudo-random messages through v3.6.0's Marshal, with random vote and random field 9 presence")
	for i := 0; i < 200; i++ {
		gm := r.RandMessage()
		p := messageToPB(&gm)
		if r.Chance(30) {
			p.Vote = r.Val()
		}
		if r.Chance(20) {
			if p.Snapshot == nil {
				p.Snapshot = &raftpb.Snapshot{}
			} else if gm.Type != golden.MsgSnap && r.Chance(50) {
				p.Snapshot = nil
			}
		}
		if gm.Type == golden.MsgSnap && r.Chance(20) {
			p.Snapshot = nil
		}
		g.Decode(fmt.Sprintf("random v3.6.0 message #%d", i), marshal(p))
	}
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen-3.6 OUTDIR")
		os.Exit(2)
	}
	out := golden.Generate(golden.Options{
		Codec:      codec36{},
		NewCluster: func() golden.Cluster { return &cluster{nodes: map[uint64]*node{}} },
		Source: "go.etcd.io/raft/v3 v3.6.0 raftpb, gogoproto-generated Marshal/Unmarshal, from the Go module proxy; " +
			"the raft go.etcd.io/etcd/server/v3 v3.6.17 requires",
		File: "raftpb-3.6.txt", Generator: "gen-3.6/main.go", Flag: "3.6",
		Raft:  "go.etcd.io/raft/v3 v3.6.0 (etcd 3.6.17)",
		Extra: extra,
		Style: []string{
			"gogoproto (raft v3.6.0 raftpb/raft.pb.go): as etcd 3.4/3.5 - every scalar field written even when",
			"zero, bytes fields only when non-nil, unpacked lists, ascending field numbers - except:",
			"  * Message.snapshot (field 9) is nullable: written only when Snapshot != nil. raft sets it only",
			"    in MsgSnap, so the generator sets it for MsgSnap or a non-empty snapshot (data present, or a",
			"    non-zero index/term/conf state); a non-MsgSnap message with an all-zero snapshot has no field 9.",
			"  * field 13 vote is always written after field 12, as 68 00 (raft sets it only in the local",
			"    MsgStorageAppend); field 14 responses (local only) never on the wire.",
			"  Everything inside Entry/Snapshot/ConfState/HardState/ConfChange* is written as by 3.4.",
			"The message-line fields cannot hold vote or responses: decode lines note them in the comment.",
			"Decoding: unknown fields are dropped (goproto_unrecognized_all=false).",
		},
	})
	if err := os.WriteFile(filepath.Join(os.Args[1], "raftpb-3.6.txt"), out, 0o644); err != nil {
		golden.Fatalf("%v", err)
	}
}
