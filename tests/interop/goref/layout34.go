package main

// Conversions between the neutral message and the raftpb generated code of
// etcd 3.4 and 3.5 (the same layout: gogoproto, value fields, every scalar
// always encoded, the snapshot field always present). The adapter names the
// package through the pb34* type aliases:
//   - etcd 3.4 and 3.5: that release's own raftpb;
//   - etcd 3.6 and 3.7: a copy of etcd 3.5's generated raftpb code (package
//     raftpb35, assembled by build.sh), used only to compute the 3.4 encoding.
//
// encodeDigest is the encoding the digests, `bytes` and `message_bytes` are
// defined over: etcd 3.4's Marshal (3.5's is byte-identical) of the fields 3.4
// knows. Fields a newer member adds (3.6's vote) and unknown fields a 3.4
// decoder keeps (XXX_unrecognized) are not part of it.

import "fmt"

func toPB34(m *message) *pb34Message {
	out := &pb34Message{
		Type:       pb34MessageType(m.Type),
		To:         m.To,
		From:       m.From,
		Term:       m.Term,
		LogTerm:    m.LogTerm,
		Index:      m.Index,
		Commit:     m.Commit,
		Reject:     m.Reject,
		RejectHint: m.RejectHint,
		Context:    m.Context,
	}
	if len(m.Entries) > 0 {
		out.Entries = make([]pb34Entry, len(m.Entries))
		for i := range m.Entries {
			e := &m.Entries[i]
			out.Entries[i] = pb34Entry{Term: e.Term, Index: e.Index, Type: pb34EntryType(e.Type), Data: e.Data}
		}
	}
	if s := m.Snapshot; s != nil {
		out.Snapshot.Data = s.Data
		md := &out.Snapshot.Metadata
		md.Index, md.Term = s.Index, s.Term
		md.ConfState.Voters = s.ConfState.Voters
		md.ConfState.Learners = s.ConfState.Learners
		md.ConfState.VotersOutgoing = s.ConfState.VotersOutgoing
		md.ConfState.LearnersNext = s.ConfState.LearnersNext
		md.ConfState.AutoLeave = s.ConfState.AutoLeave
	}
	return out
}

// fromPB34 converts a decoded message. The snapshot field is always present in
// this layout; it is kept for MsgSnap and when it is not empty.
func fromPB34(m *pb34Message) message {
	out := message{
		Type:       msgType(m.Type),
		To:         m.To,
		From:       m.From,
		Term:       m.Term,
		LogTerm:    m.LogTerm,
		Index:      m.Index,
		Commit:     m.Commit,
		Reject:     m.Reject,
		RejectHint: m.RejectHint,
		Context:    m.Context,
	}
	if len(m.Entries) > 0 {
		out.Entries = make([]entry, len(m.Entries))
		for i := range m.Entries {
			e := &m.Entries[i]
			out.Entries[i] = entry{Term: e.Term, Index: e.Index, Type: int32(e.Type), Data: e.Data}
		}
	}
	md := &m.Snapshot.Metadata
	s := &snapshot{
		Data: m.Snapshot.Data,
		ConfState: confState{
			Voters:         md.ConfState.Voters,
			Learners:       md.ConfState.Learners,
			VotersOutgoing: md.ConfState.VotersOutgoing,
			LearnersNext:   md.ConfState.LearnersNext,
			AutoLeave:      md.ConfState.AutoLeave,
		},
		Index: md.Index,
		Term:  md.Term,
	}
	if out.Type == msgSnap || !s.isZero() {
		out.Snapshot = s
	}
	return out
}

// encodeDigest returns the etcd 3.4 encoding of m.
func encodeDigest(m *message) []byte {
	b, err := toPB34(m).Marshal()
	if err != nil { // gogoproto's Marshal of these types cannot fail
		panic(fmt.Sprintf("raftpb Marshal: %v", err))
	}
	return b
}
