// Package golden is the version-neutral half of the raftpb golden vector
// generators for etcd 3.5, 3.6 and 3.7 (tests/interop/golden/gen-3.*).
//
// It holds a plain value model of raftpb (shaped like etcd 3.4's gogoproto
// types, which is also the shape of a vector line), the vector cases, the line
// format, and the raft-traffic scenarios. Each gen-3.* program supplies a Codec
// (that version's Marshal/Unmarshal) and a Cluster (that version's RawNode);
// nothing here encodes or decodes protobuf itself except the hand-built inputs
// of "decode"/"reject" vectors.
package golden

// MessageType, EntryType, ConfChangeType and ConfChangeTransition mirror the
// raftpb enums (int32 in every etcd version).
type (
	MessageType          int32
	EntryType            int32
	ConfChangeType       int32
	ConfChangeTransition int32
)

const (
	MsgHup            MessageType = 0
	MsgBeat           MessageType = 1
	MsgProp           MessageType = 2
	MsgApp            MessageType = 3
	MsgAppResp        MessageType = 4
	MsgVote           MessageType = 5
	MsgVoteResp       MessageType = 6
	MsgSnap           MessageType = 7
	MsgHeartbeat      MessageType = 8
	MsgHeartbeatResp  MessageType = 9
	MsgUnreachable    MessageType = 10
	MsgSnapStatus     MessageType = 11
	MsgCheckQuorum    MessageType = 12
	MsgTransferLeader MessageType = 13
	MsgTimeoutNow     MessageType = 14
	MsgReadIndex      MessageType = 15
	MsgReadIndexResp  MessageType = 16
	MsgPreVote        MessageType = 17
	MsgPreVoteResp    MessageType = 18
)

var messageTypeNames = []string{"MsgHup", "MsgBeat", "MsgProp", "MsgApp", "MsgAppResp", "MsgVote",
	"MsgVoteResp", "MsgSnap", "MsgHeartbeat", "MsgHeartbeatResp", "MsgUnreachable", "MsgSnapStatus",
	"MsgCheckQuorum", "MsgTransferLeader", "MsgTimeoutNow", "MsgReadIndex", "MsgReadIndexResp",
	"MsgPreVote", "MsgPreVoteResp", "MsgStorageAppend", "MsgStorageAppendResp", "MsgStorageApply",
	"MsgStorageApplyResp", "MsgForgetLeader"}

func (t MessageType) String() string {
	if t >= 0 && int(t) < len(messageTypeNames) {
		return messageTypeNames[t]
	}
	return "MessageType(" + enumTok(int32(t)) + ")"
}

const (
	EntryNormal       EntryType = 0
	EntryConfChange   EntryType = 1
	EntryConfChangeV2 EntryType = 2
)

const (
	ConfChangeAddNode        ConfChangeType = 0
	ConfChangeRemoveNode     ConfChangeType = 1
	ConfChangeUpdateNode     ConfChangeType = 2
	ConfChangeAddLearnerNode ConfChangeType = 3
)

const (
	ConfChangeTransitionAuto          ConfChangeTransition = 0
	ConfChangeTransitionJointImplicit ConfChangeTransition = 1
	ConfChangeTransitionJointExplicit ConfChangeTransition = 2
)

// Entry and the types below hold exactly what a vector line holds. A nil
// []byte is an absent bytes field, a non-nil empty one a present empty field.
type Entry struct {
	Term  uint64
	Index uint64
	Type  EntryType
	Data  []byte
}

type ConfState struct {
	Voters         []uint64
	Learners       []uint64
	VotersOutgoing []uint64
	LearnersNext   []uint64
	AutoLeave      bool
}

type SnapshotMetadata struct {
	ConfState ConfState
	Index     uint64
	Term      uint64
}

type Snapshot struct {
	Data     []byte
	Metadata SnapshotMetadata
}

type Message struct {
	Type       MessageType
	To         uint64
	From       uint64
	Term       uint64
	LogTerm    uint64
	Index      uint64
	Entries    []Entry
	Commit     uint64
	Snapshot   Snapshot
	Reject     bool
	RejectHint uint64
	Context    []byte
}

type HardState struct {
	Term   uint64
	Vote   uint64
	Commit uint64
}

type ConfChange struct {
	ID      uint64
	Type    ConfChangeType
	NodeID  uint64
	Context []byte
}

type ConfChangeSingle struct {
	Type   ConfChangeType
	NodeID uint64
}

type ConfChangeV2 struct {
	Transition ConfChangeTransition
	Changes    []ConfChangeSingle
	Context    []byte
}

// IsEmptySnapshot reports whether s is the zero Snapshot (nil data).
func IsEmptySnapshot(s *Snapshot) bool {
	cs := &s.Metadata.ConfState
	return s.Data == nil && s.Metadata.Index == 0 && s.Metadata.Term == 0 &&
		len(cs.Voters)+len(cs.Learners)+len(cs.VotersOutgoing)+len(cs.LearnersNext) == 0 && !cs.AutoLeave
}

// Codec is one etcd version's raftpb Marshal/Unmarshal, seen through the model.
//
// The Marshal* methods build that version's Go value from the model the way
// that version's raft/etcd builds it (its "wire style": for 3.6 the snapshot
// pointer is set for MsgSnap or a non-empty snapshot; for 3.7 the presence
// rule documented in gen-3.7) and return what its Marshal returned. The
// Unmarshal* methods return what its Unmarshal yields; note describes anything
// decoded that the model cannot hold (unknown fields kept, field 13 vote,
// field 14 responses, ...), "" when there is none. Unmarshal may panic; the
// callers recover.
type Codec interface {
	// Version is the etcd version named in comments ("3.6.17 (raft v3.6.0)").
	Version() string
	// Style is "3.4" (gogoproto, everything written), "3.6" or "3.7".
	Style() string

	MarshalMessage(m *Message) []byte
	UnmarshalMessage(b []byte) (m Message, note string, err error)
	MarshalEntry(e *Entry) []byte
	UnmarshalEntry(b []byte) (Entry, error)
	MarshalConfState(cs *ConfState) []byte
	UnmarshalConfState(b []byte) (ConfState, error)
	MarshalSnapshot(s *Snapshot) []byte
	UnmarshalSnapshot(b []byte) (Snapshot, error)
	MarshalHardState(h *HardState) []byte
	UnmarshalHardState(b []byte) (HardState, error)
	MarshalConfChange(cc *ConfChange) []byte
	UnmarshalConfChange(b []byte) (ConfChange, error)
	MarshalConfChangeV2(cc *ConfChangeV2) []byte
	UnmarshalConfChangeV2(b []byte) (ConfChangeV2, error)
}
