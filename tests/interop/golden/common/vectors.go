package golden

// The vector cases of gen/main.go (the etcd 3.4.23 generator), unchanged in
// content and order so that the same seeds give the same values: a version
// whose Marshal is 3.4's writes the very same lines.

import (
	"bytes"
	"encoding/hex"
	"fmt"
)

// ---------------------------------------------------------------------------
// Message constructors.

func allMax(t MessageType) Message {
	return Message{
		Type: t, To: maxU64, From: maxU64, Term: maxU64, LogTerm: maxU64, Index: maxU64,
		Commit: maxU64, Reject: true, RejectHint: maxU64,
		Entries: []Entry{{Type: EntryNormal, Term: maxU64, Index: maxU64, Data: []byte{0xff}}},
		Snapshot: Snapshot{Metadata: SnapshotMetadata{Index: maxU64, Term: maxU64,
			ConfState: ConfState{Voters: []uint64{maxU64}, Learners: []uint64{maxU64},
				VotersOutgoing: []uint64{maxU64}, LearnersNext: []uint64{maxU64}, AutoLeave: true}}},
	}
}

func small(t MessageType) Message {
	m := Message{Type: t, To: 2, From: 1, Term: 5, LogTerm: 4, Index: 10, Commit: 9}
	switch t {
	case MsgApp, MsgProp:
		m.Entries = []Entry{{Term: 5, Index: 11, Data: []byte("hello")}}
	case MsgAppResp, MsgVoteResp, MsgPreVoteResp:
		m.RejectHint = 7
	case MsgSnap:
		m.Snapshot = Snapshot{Data: []byte("snap"), Metadata: SnapshotMetadata{
			Index: 10, Term: 4, ConfState: ConfState{Voters: []uint64{1, 2, 3}}}}
	case MsgHeartbeat, MsgHeartbeatResp, MsgReadIndex, MsgReadIndexResp:
		m.Context = []byte("ctx")
	}
	return m
}

var u64Setters = []struct {
	name string
	set  func(*Message, uint64)
}{
	{"to", func(m *Message, v uint64) { m.To = v }},
	{"from", func(m *Message, v uint64) { m.From = v }},
	{"term", func(m *Message, v uint64) { m.Term = v }},
	{"logterm", func(m *Message, v uint64) { m.LogTerm = v }},
	{"index", func(m *Message, v uint64) { m.Index = v }},
	{"commit", func(m *Message, v uint64) { m.Commit = v }},
	{"rejecthint", func(m *Message, v uint64) { m.RejectHint = v }},
	{"snapindex", func(m *Message, v uint64) { m.Snapshot.Metadata.Index = v }},
	{"snapterm", func(m *Message, v uint64) { m.Snapshot.Metadata.Term = v }},
	{"eterm", func(m *Message, v uint64) { m.Entries = []Entry{{Term: v}} }},
	{"eindex", func(m *Message, v uint64) { m.Entries = []Entry{{Index: v}} }},
	{"voter", func(m *Message, v uint64) { m.Snapshot.Metadata.ConfState.Voters = []uint64{v} }},
	{"learner", func(m *Message, v uint64) { m.Snapshot.Metadata.ConfState.Learners = []uint64{v} }},
	{"voter_out", func(m *Message, v uint64) { m.Snapshot.Metadata.ConfState.VotersOutgoing = []uint64{v} }},
	{"learner_next", func(m *Message, v uint64) { m.Snapshot.Metadata.ConfState.LearnersNext = []uint64{v} }},
}

func randConfState(r *rng) ConfState {
	cs := ConfState{Voters: r.list(5), Learners: r.list(3)}
	if r.chance(30) {
		cs.VotersOutgoing = r.list(5)
		cs.LearnersNext = r.list(3)
		cs.AutoLeave = r.chance(50)
	}
	return cs
}

func randEntry(r *rng) Entry {
	e := Entry{Term: r.val(), Index: r.val(), Data: r.data(48)}
	switch x := r.intn(20); {
	case x < 14:
		e.Type = EntryNormal
	case x < 16:
		e.Type = EntryConfChange
	case x < 19:
		e.Type = EntryConfChangeV2
	default:
		e.Type = EntryType(3 + r.intn(200))
	}
	return e
}

func randMessage(r *rng) Message {
	m := Message{
		Type: MessageType(r.intn(19)),
		To:   r.id(), From: r.id(), Term: r.val(), LogTerm: r.val(), Index: r.val(),
		Commit: r.val(), Reject: r.chance(30), RejectHint: r.val(),
	}
	if r.chance(5) {
		if r.chance(20) {
			m.Type = MessageType(2147483647 - r.intn(2))
		} else {
			m.Type = MessageType(19 + r.intn(300))
		}
	}
	if r.chance(40) {
		m.Context = r.data(40)
	}
	if r.chance(50) {
		n := 1 + r.intn(4)
		if r.chance(15) {
			n = 5 + r.intn(40)
		}
		for i := 0; i < n; i++ {
			m.Entries = append(m.Entries, randEntry(r))
		}
	}
	if r.chance(30) {
		m.Snapshot = Snapshot{Data: r.data(64), Metadata: SnapshotMetadata{
			Index: r.val(), Term: r.val(), ConfState: randConfState(r)}}
	}
	return m
}

// ---------------------------------------------------------------------------
// The Marshal-produced kinds.

func staticVectors(c *collector, r *rng) {
	// ---- message lines ----
	c.comment("==== message: per MessageType 0..18: all zero, small values, every uint64 field = 2^64-1")
	for t := int32(0); t <= 18; t++ {
		mt := MessageType(t)
		emitMessage(c, Message{Type: mt})
		emitMessage(c, small(mt))
		emitMessage(c, allMax(mt))
	}
	c.comment("==== message: unknown MessageType values")
	for _, t := range []int32{19, 20, 99, 127, 128, 255, 16383, 16384, 1 << 21, 2147483647} {
		emitMessage(c, Message{Type: MessageType(t)})
		m := small(MsgApp)
		m.Type = MessageType(t)
		emitMessage(c, m)
		m = allMax(MessageType(t))
		emitMessage(c, m)
	}
	c.comment("==== message: each uint64 field individually at every varint-length boundary (base: all zero, type MsgApp)")
	for _, s := range u64Setters {
		for _, v := range boundaries {
			m := Message{Type: MsgApp}
			s.set(&m, v)
			emitMessage(c, m)
		}
	}
	c.comment("==== message: each uint64 field individually = 2^64-1 for several types (base: small values)")
	for _, t := range []MessageType{MsgHup, MsgProp, MsgApp, MsgAppResp,
		MsgVote, MsgSnap, MsgHeartbeat, MsgReadIndexResp, MsgPreVoteResp} {
		for _, s := range u64Setters {
			m := small(t)
			s.set(&m, maxU64)
			emitMessage(c, m)
		}
	}
	c.comment("==== message: ids >= 2^63 (10-byte varints)")
	for _, id := range []uint64{1 << 63, 1<<63 + 1, 0x8e2ab3d3b1a1c2f0, 0xfffffffffffffffe, maxU64} {
		for _, t := range []MessageType{MsgApp, MsgHeartbeat, MsgVote, MsgSnap} {
			m := small(t)
			m.To = id
			emitMessage(c, m)
			m.From = id - 1
			emitMessage(c, m)
		}
	}
	c.comment("==== message: reject true/false for every type")
	for t := int32(0); t <= 18; t++ {
		for _, rej := range []bool{false, true} {
			m := small(MessageType(t))
			m.Reject = rej
			m.RejectHint = 42
			emitMessage(c, m)
			emitMessage(c, Message{Type: MessageType(t), Reject: rej})
		}
	}
	c.comment("==== message: context nil / empty / small / 127 / 128 bytes for every type")
	for t := int32(0); t <= 18; t++ {
		for _, ctx := range [][]byte{nil, {}, {0}, []byte("ctx"), r.fill(127), r.fill(128)} {
			m := Message{Type: MessageType(t), To: 3, From: 1, Term: 2, Context: ctx}
			emitMessage(c, m)
		}
	}
	c.comment("==== message: context of 64 KiB")
	{
		m := small(MsgReadIndex)
		m.Context = r.fill(64 * 1024)
		emitMessage(c, m)
	}
	c.comment("==== message: snapshot data nil / empty / small / 256 KiB")
	for _, d := range [][]byte{nil, {}, {0}, []byte("snapshot-data"), r.fill(200), r.fill(256 * 1024)} {
		m := small(MsgSnap)
		m.Snapshot.Data = d
		emitMessage(c, m)
		if len(d) <= 1000 { // only one copy of the 256 KiB one
			emitMessage(c, Message{Type: MsgSnap, Snapshot: Snapshot{Data: d}})
		}
	}
	c.comment("==== message: ConfState variants inside MsgSnap")
	bigIDs := func(n int, base uint64) []uint64 {
		l := make([]uint64, n)
		for i := range l {
			l[i] = base + uint64(i)
		}
		return l
	}
	confStates := []ConfState{
		{},
		{Voters: []uint64{1}},
		{Voters: []uint64{1, 2, 3}},
		{Voters: []uint64{1, 2, 3}, Learners: []uint64{4}},
		{Learners: []uint64{4, 5}},
		{Voters: []uint64{1, 2, 4}, VotersOutgoing: []uint64{1, 2, 3}},
		{Voters: []uint64{1, 2, 4}, VotersOutgoing: []uint64{1, 2, 3}, AutoLeave: true},
		{Voters: []uint64{1, 2}, Learners: []uint64{5}, VotersOutgoing: []uint64{1, 2, 3}, LearnersNext: []uint64{3}, AutoLeave: true},
		{LearnersNext: []uint64{7}},
		{AutoLeave: true},
		{Voters: bigIDs(100, 1)},
		{Voters: bigIDs(100, 1<<63), Learners: bigIDs(10, 1000)},
		{Voters: bigIDs(100, 100), Learners: bigIDs(50, 1000), VotersOutgoing: bigIDs(100, 101), LearnersNext: bigIDs(20, 5000), AutoLeave: true},
		{Voters: []uint64{0, 0, 0}},
		{Voters: []uint64{3, 1, 2, 2}},
		{Voters: []uint64{127, 128, 16383, 16384, maxU64}},
	}
	for _, cs := range confStates {
		m := small(MsgSnap)
		m.Snapshot.Metadata.ConfState = cs
		emitMessage(c, m)
		emitMessage(c, Message{Type: MsgSnap, Snapshot: Snapshot{Metadata: SnapshotMetadata{ConfState: cs}}})
	}
	c.comment("==== message: entries: each EntryType (and unknown ones) with data nil / empty / 1 byte / small / 128 bytes")
	for _, et := range []int32{0, 1, 2, 3, 7, 99, 128, 2147483647} {
		for _, d := range [][]byte{nil, {}, {0x5a}, []byte("put k v"), r.fill(128)} {
			m := small(MsgApp)
			m.Entries = []Entry{{Type: EntryType(et), Term: 5, Index: 11, Data: d}}
			emitMessage(c, m)
		}
		emitMessage(c, Message{Type: MsgProp, Entries: []Entry{{Type: EntryType(et)}}})
	}
	c.comment("==== message: entries: none / one / a few / mixed types")
	{
		m := small(MsgApp)
		m.Entries = nil
		emitMessage(c, m)
		m.Entries = []Entry{}
		emitMessage(c, m) // empty non-nil slice encodes like nil
		m.Entries = []Entry{{}}
		emitMessage(c, m)
		m.Entries = []Entry{{}, {}, {}}
		emitMessage(c, m)
		m.Entries = []Entry{{Term: 5, Index: 11}, {Type: EntryConfChange, Term: 5, Index: 12, Data: []byte{8, 1}},
			{Type: EntryConfChangeV2, Term: 5, Index: 13, Data: []byte{}}, {Term: 5, Index: 14, Data: []byte("x")}}
		emitMessage(c, m)
		e := make([]Entry, 16)
		for i := range e {
			e[i] = Entry{Term: maxU64, Index: maxU64 - uint64(i), Data: r.fill(i)}
		}
		m.Entries = e
		emitMessage(c, m)
	}
	c.comment("==== message: 1000 small entries in one MsgApp")
	{
		m := Message{Type: MsgApp, To: 2, From: 1, Term: 7, LogTerm: 7, Index: 100000, Commit: 99990}
		for i := 0; i < 1000; i++ {
			m.Entries = append(m.Entries, Entry{Term: 7, Index: 100001 + uint64(i), Data: r.fill(1 + r.intn(6))})
		}
		emitMessage(c, m)
	}
	c.comment("==== message: one entry with 1 MiB of data")
	{
		m := Message{Type: MsgApp, To: 2, From: 1, Term: 7, LogTerm: 7, Index: 5, Commit: 5,
			Entries: []Entry{{Term: 7, Index: 6, Data: r.fill(1 << 20)}}}
		emitMessage(c, m)
	}
	c.comment("==== message: everything set at once")
	{
		m := allMax(MsgSnap)
		m.Context = []byte("all")
		m.Snapshot.Data = []byte("data")
		m.Entries = append(m.Entries, Entry{Type: EntryConfChangeV2, Term: 1, Index: 2, Data: []byte{}})
		emitMessage(c, m)
	}
	c.comment("==== message: 1000 pseudo-random messages (splitmix64, seed 1)")
	for i := 0; i < 1000; i++ {
		emitMessage(c, randMessage(r))
	}

	// ---- entry lines ----
	c.comment("==== entry")
	for _, et := range []int32{0, 1, 2, 3, 7, 2147483647} {
		for _, d := range [][]byte{nil, {}, {0}, []byte("hello")} {
			emitEntry(c, Entry{Type: EntryType(et), Term: 1, Index: 2, Data: d})
		}
	}
	for _, v := range boundaries {
		emitEntry(c, Entry{Term: v})
		emitEntry(c, Entry{Index: v, Data: []byte{1}})
	}
	for _, n := range []int{127, 128, 300, 16383, 16384} {
		emitEntry(c, Entry{Term: 3, Index: 4, Data: r.fill(n)})
	}
	for i := 0; i < 40; i++ {
		emitEntry(c, randEntry(r))
	}

	// ---- confstate lines ----
	c.comment("==== confstate")
	for _, cs := range confStates {
		emitConfState(c, cs)
	}
	for i := 0; i < 40; i++ {
		emitConfState(c, randConfState(r))
	}

	// ---- snapshot lines ----
	c.comment("==== snapshot")
	for _, d := range [][]byte{nil, {}, {0}, []byte("snapshot"), r.fill(128)} {
		emitSnapshot(c, Snapshot{Data: d})
		emitSnapshot(c, Snapshot{Data: d, Metadata: SnapshotMetadata{Index: 10, Term: 2,
			ConfState: ConfState{Voters: []uint64{1, 2, 3}}}})
	}
	for _, cs := range confStates {
		emitSnapshot(c, Snapshot{Data: []byte("s"), Metadata: SnapshotMetadata{Index: 1000, Term: 9, ConfState: cs}})
	}
	emitSnapshot(c, Snapshot{Metadata: SnapshotMetadata{Index: maxU64, Term: maxU64}})
	for i := 0; i < 30; i++ {
		emitSnapshot(c, Snapshot{Data: r.data(64), Metadata: SnapshotMetadata{
			Index: r.val(), Term: r.val(), ConfState: randConfState(r)}})
	}

	// ---- hardstate lines ----
	c.comment("==== hardstate")
	emitHardState(c, HardState{})
	emitHardState(c, HardState{Term: 1, Vote: 2, Commit: 3})
	emitHardState(c, HardState{Term: maxU64, Vote: maxU64, Commit: maxU64})
	for _, v := range boundaries {
		emitHardState(c, HardState{Term: v, Vote: 1 << 63, Commit: v - 1})
	}
	for i := 0; i < 30; i++ {
		emitHardState(c, HardState{Term: r.val(), Vote: r.id(), Commit: r.val()})
	}

	// ---- confchange lines ----
	c.comment("==== confchange")
	for _, t := range []int32{0, 1, 2, 3, 4, 7, 2147483647} {
		for _, ctx := range [][]byte{nil, {}, []byte("peer-urls")} {
			emitConfChange(c, ConfChange{ID: 1, Type: ConfChangeType(t), NodeID: 2, Context: ctx})
		}
	}
	emitConfChange(c, ConfChange{})
	emitConfChange(c, ConfChange{ID: maxU64, Type: ConfChangeAddLearnerNode, NodeID: maxU64, Context: r.fill(200)})
	for i := 0; i < 30; i++ {
		emitConfChange(c, ConfChange{ID: r.val(), Type: ConfChangeType(r.intn(4)), NodeID: r.id(), Context: r.data(40)})
	}

	// ---- confchangev2 lines ----
	c.comment("==== confchangev2")
	for _, tr := range []int32{0, 1, 2, 3, 100} {
		emitConfChangeV2(c, ConfChangeV2{Transition: ConfChangeTransition(tr)})
		emitConfChangeV2(c, ConfChangeV2{Transition: ConfChangeTransition(tr), Context: []byte{}})
		emitConfChangeV2(c, ConfChangeV2{Transition: ConfChangeTransition(tr),
			Changes: []ConfChangeSingle{{Type: ConfChangeAddNode, NodeID: 4}}, Context: []byte("ctx")})
	}
	emitConfChangeV2(c, ConfChangeV2{Changes: []ConfChangeSingle{{}, {}}})
	emitConfChangeV2(c, ConfChangeV2{Transition: ConfChangeTransitionJointExplicit, Changes: []ConfChangeSingle{
		{Type: ConfChangeAddNode, NodeID: 4}, {Type: ConfChangeRemoveNode, NodeID: 1},
		{Type: ConfChangeUpdateNode, NodeID: 2}, {Type: ConfChangeAddLearnerNode, NodeID: 5},
		{Type: ConfChangeType(9), NodeID: maxU64}}})
	for i := 0; i < 30; i++ {
		cc := ConfChangeV2{Transition: ConfChangeTransition(r.intn(3)), Context: r.data(32)}
		for n := r.intn(6); n > 0; n-- {
			cc.Changes = append(cc.Changes, ConfChangeSingle{Type: ConfChangeType(r.intn(4)), NodeID: r.id()})
		}
		emitConfChangeV2(c, cc)
	}

}

// decode vectors

func genDecodes(c *collector, r *rng) {
	c.comment("==== decode: inputs from other encoders that Go 3.4.23 accepts (as Go %s takes them)", codec.Version())

	emitDecode(c, "empty input: all-zero message", nil, &Message{})

	// etcd main / minimal form: only non-zero fields.
	hb := Message{Type: MsgHeartbeat}
	emitDecode(c, "minimal form: link heartbeat (only type=8)", []byte{0x08, 0x08}, &hb)
	minimal := []Message{
		{Type: MsgApp, To: 2, From: 1, Term: 5, LogTerm: 5, Index: 10, Commit: 10,
			Entries: []Entry{{Term: 5, Index: 11, Data: []byte("hello")}}},
		{Type: MsgApp, To: 2, From: 1, Term: 5, LogTerm: 5, Index: 11, Commit: 11,
			Entries: []Entry{{Term: 5, Index: 12, Data: []byte("a")}, {Term: 5, Index: 13, Data: []byte("b")},
				{Type: EntryConfChange, Term: 5, Index: 14}}},
		{Type: MsgHeartbeat, To: 2, From: 1, Term: 5, Commit: 9},
		{Type: MsgHeartbeatResp, To: 1, From: 2, Term: 5, Context: []byte("rctx")},
		{Type: MsgAppResp, To: 1, From: 2, Term: 5, Index: 3, Reject: true, RejectHint: 2},
		{Type: MsgVote, To: 3, From: 1, Term: 6, LogTerm: 5, Index: 20},
		{Type: MsgSnap, To: 2, From: 1, Term: 5, Snapshot: Snapshot{Data: []byte("snap"),
			Metadata: SnapshotMetadata{Index: 100, Term: 4, ConfState: ConfState{Voters: []uint64{1, 2, 3}, Learners: []uint64{4}}}}},
		{Type: MsgSnap, To: 2, From: 1, Term: 5, Snapshot: Snapshot{
			Metadata: SnapshotMetadata{Index: 100, ConfState: ConfState{AutoLeave: true}}}},
		{To: maxU64, From: 1 << 63, Term: maxU64},
	}
	for i := range minimal {
		m := minimal[i]
		emitDecode(c, fmt.Sprintf("minimal form (only non-zero fields, no snapshot field 9) #%d", i),
			joinChunks(handMessageChunks(&m, formMain, 0, nil)), &m)
	}

	// etcd 3.6 form.
	resp1 := Message{Type: MsgAppResp, To: 1, From: 2, Term: 5, Index: 13}
	resp2 := Message{Type: MessageType(20), To: 2, From: 2, Term: 5, Index: 13,
		Entries: []Entry{{Term: 5, Index: 13}}}
	resp1b := joinChunks(handMessageChunks(&resp1, form36, 0, nil))
	resp2b := joinChunks(handMessageChunks(&resp2, form36, 7, nil))
	for i := range minimal {
		m := minimal[i]
		emitDecode(c, fmt.Sprintf("etcd 3.6 form (field 9 only when non-empty, field 13 vote=0) #%d", i),
			joinChunks(handMessageChunks(&m, form36, 0, nil)), &m)
	}
	{
		m := minimal[0]
		emitDecode(c, "etcd 3.6 form with vote=5 (field 13, unknown to 3.4)",
			joinChunks(handMessageChunks(&m, form36, 5, nil)), &m)
		emitDecode(c, "etcd 3.6 form with vote=2^64-1",
			joinChunks(handMessageChunks(&m, form36, maxU64, nil)), &m)
		st := Message{Type: MessageType(19), To: 1, From: 1, Term: 5, Commit: 12,
			Entries: []Entry{{Term: 5, Index: 13, Data: []byte("z")}}}
		emitDecode(c, "etcd 3.6 MsgStorageAppend (type 19) with vote and one response (field 14)",
			joinChunks(handMessageChunks(&st, form36, 1, [][]byte{resp1b})), &st)
		emitDecode(c, "etcd 3.6 form with two responses (field 14, nested messages)",
			joinChunks(handMessageChunks(&st, form36, 1, [][]byte{resp1b, resp2b})), &st)
		emitDecode(c, "etcd 3.6 form with an empty response (field 14, length 0)",
			joinChunks(handMessageChunks(&st, form36, 0, [][]byte{nil})), &st)
	}

	// Shuffled field order.
	full := Message{Type: MsgApp, To: 2, From: 1, Term: 5, LogTerm: 4, Index: 10, Commit: 9,
		Reject: true, RejectHint: 3, Context: []byte("c"),
		Entries: []Entry{{Term: 4, Index: 11, Data: []byte("e1")}, {Type: EntryConfChangeV2, Term: 5, Index: 12}},
		Snapshot: Snapshot{Data: []byte("s"), Metadata: SnapshotMetadata{Index: 8, Term: 3,
			ConfState: ConfState{Voters: []uint64{1, 2}, Learners: []uint64{3}, VotersOutgoing: []uint64{1}, LearnersNext: []uint64{3}, AutoLeave: true}}}}
	{
		ch := handMessageChunks(&full, form34, 0, nil)
		if codec.Style() == "3.4" && !bytes.Equal(joinChunks(ch), codec.MarshalMessage(&full)) {
			fatalf("hand 3.4 encoder disagrees with Go's Marshal")
		}
		rev := make([]fieldChunk, len(ch))
		for i := range ch {
			rev[len(ch)-1-i] = ch[i]
		}
		// Reversing also reverses the two entries: Go appends in wire order.
		want := full
		want.Entries = []Entry{full.Entries[1], full.Entries[0]}
		emitDecode(c, "all fields in reverse field-number order", joinChunks(rev), &want)
		for k := 0; k < 6; k++ {
			sh := append([]fieldChunk(nil), ch...)
			for i := len(sh) - 1; i > 0; i-- {
				j := r.intn(i + 1)
				sh[i], sh[j] = sh[j], sh[i]
			}
			w := full
			w.Entries = nil
			for _, x := range sh {
				if x.num == 7 {
					if bytes.Equal(x.bytes, ch[6].bytes) {
						w.Entries = append(w.Entries, full.Entries[0])
					} else {
						w.Entries = append(w.Entries, full.Entries[1])
					}
				}
			}
			emitDecode(c, fmt.Sprintf("fields in shuffled order #%d", k), joinChunks(sh), &w)
		}
		// Entry fields reversed.
		e := newPW().lf(4, []byte("dd")).vf(3, 11).vf(2, 4).vf(1, 1).bytes()
		emitDecode(c, "entry fields in reverse order (data, index, term, type)", newPW().vf(1, 3).lf(7, e).bytes(),
			&Message{Type: MsgApp, Entries: []Entry{{Type: 1, Term: 4, Index: 11, Data: []byte("dd")}}})
		// Snapshot: metadata before data, metadata fields reversed.
		cs := newPW().vf(5, 1).vf(4, 9).vf(3, 8).vf(2, 7).vf(1, 6).bytes()
		md := newPW().vf(3, 2).vf(2, 1).lf(1, cs).bytes()
		sn := newPW().lf(2, md).lf(1, []byte("D")).bytes()
		emitDecode(c, "snapshot/metadata/confstate fields in reverse order", newPW().lf(9, sn).vf(1, 7).bytes(),
			&Message{Type: MsgSnap, Snapshot: Snapshot{Data: []byte("D"), Metadata: SnapshotMetadata{
				Index: 1, Term: 2, ConfState: ConfState{Voters: []uint64{6}, Learners: []uint64{7}, VotersOutgoing: []uint64{8}, LearnersNext: []uint64{9}, AutoLeave: true}}}})
		// Entries interleaved with other fields.
		b := newPW().lf(7, handEntry(&Entry{Term: 1, Index: 1}, form34)).vf(1, 3).
			lf(7, handEntry(&Entry{Term: 1, Index: 2}, form34)).vf(4, 1).
			lf(7, handEntry(&Entry{Term: 1, Index: 3}, form34)).bytes()
		emitDecode(c, "entries interleaved with scalar fields", b, &Message{Type: MsgApp, Term: 1,
			Entries: []Entry{{Term: 1, Index: 1}, {Term: 1, Index: 2}, {Term: 1, Index: 3}}})
	}

	// Packed repeated ConfState lists.
	{
		m := full
		m.Entries = nil
		m.Snapshot.Metadata.ConfState = ConfState{Voters: []uint64{1, 2, 3, 1 << 63, maxU64}, Learners: []uint64{300},
			VotersOutgoing: []uint64{1, 2}, LearnersNext: []uint64{16384, 5}, AutoLeave: true}
		ch := handMessageChunks(&m, form34, 0, nil)
		for i := range ch {
			if ch[i].num == 9 {
				ch[i].bytes = newPW().lf(9, handSnapshot(&m.Snapshot, form34, true)).bytes()
			}
		}
		emitDecode(c, "ConfState lists packed (wire type 2)", joinChunks(ch), &m)
		cs := newPW().lf(1, newPW().varint(1).varint(2).bytes()).vf(1, 3).lf(1, newPW().varint(4).bytes()).
			vf(2, 10).lf(2, newPW().varint(11).varint(12).bytes()).lf(3, nil).lf(4, nil).vf(5, 0).bytes()
		emitDecode(c, "ConfState mixing packed and unpacked voters/learners, empty packed lists", msgWithConfState(cs),
			&Message{Type: MsgSnap, Snapshot: Snapshot{Metadata: SnapshotMetadata{
				ConfState: ConfState{Voters: []uint64{1, 2, 3, 4}, Learners: []uint64{10, 11, 12}}}}})
		emitDecode(c, "packed voters whose last varint runs past the end of the packed field (Go reads on)",
			msgWithConfState([]byte{0x0a, 0x01, 0x80, 0x01, 0x10, 0x02}),
			&Message{Type: MsgSnap, Snapshot: Snapshot{Metadata: SnapshotMetadata{
				ConfState: ConfState{Voters: []uint64{128}, Learners: []uint64{2}}}}})
		big := newPW()
		for i := 0; i < 100; i++ {
			big.varint(uint64(i + 1))
		}
		emitDecode(c, "ConfState with 100 packed voters", msgWithConfState(newPW().lf(1, big.b).bytes()),
			&Message{Type: MsgSnap, Snapshot: Snapshot{Metadata: SnapshotMetadata{
				ConfState: ConfState{Voters: seq(1, 100)}}}})
	}

	// Repeated non-repeated fields.
	{
		b := newPW().vf(1, 3).vf(4, 5).vf(4, 6).vf(1, 8).vf(2, 1).vf(2, 2).bytes()
		emitDecode(c, "scalar fields repeated: last one wins", b, &Message{Type: MsgHeartbeat, Term: 6, To: 2})
		b = newPW().vf(10, 1).vf(10, 0).bytes()
		emitDecode(c, "reject repeated: 1 then 0 -> false", b, &Message{})
		b = newPW().lf(12, []byte("first")).lf(12, []byte("second")).bytes()
		emitDecode(c, "context repeated: last one wins", b, &Message{Context: []byte("second")})
		b = newPW().lf(12, []byte("first")).lf(12, nil).bytes()
		emitDecode(c, "context repeated, last is empty: present-but-empty", b, &Message{Context: []byte{}})
		s1 := newPW().lf(1, []byte("A")).lf(2, newPW().lf(1, newPW().vf(1, 1).vf(2, 5).vf(5, 1).bytes()).vf(2, 10).vf(3, 2).bytes()).bytes()
		s2 := newPW().lf(2, newPW().lf(1, newPW().vf(1, 2).vf(3, 7).bytes()).vf(3, 3).bytes()).bytes()
		b = newPW().vf(1, 7).lf(9, s1).lf(9, s2).bytes()
		emitDecode(c, "snapshot field repeated: embedded messages merge (data kept, lists appended, scalars last-wins)", b,
			&Message{Type: MsgSnap, Snapshot: Snapshot{Data: []byte("A"), Metadata: SnapshotMetadata{
				Index: 10, Term: 3, ConfState: ConfState{Voters: []uint64{1, 2}, Learners: []uint64{5}, VotersOutgoing: []uint64{7}, AutoLeave: true}}}})
		s3 := newPW().lf(1, []byte("B")).bytes()
		s4 := newPW().lf(1, nil).bytes()
		emitDecode(c, "snapshot data replaced by a later snapshot field", newPW().lf(9, s1).lf(9, s3).bytes(),
			&Message{Snapshot: Snapshot{Data: []byte("B"), Metadata: SnapshotMetadata{
				Index: 10, Term: 2, ConfState: ConfState{Voters: []uint64{1}, Learners: []uint64{5}, AutoLeave: true}}}})
		emitDecode(c, "snapshot data replaced by a later empty data", newPW().lf(9, s3).lf(9, s4).bytes(),
			&Message{Snapshot: Snapshot{Data: []byte{}}})
		md := newPW().lf(1, newPW().vf(1, 1).vf(5, 1).bytes()).lf(1, newPW().vf(1, 2).vf(5, 0).bytes()).vf(2, 4).vf(2, 5).bytes()
		emitDecode(c, "metadata.conf_state repeated: voters appended, auto_leave last-wins",
			newPW().lf(9, newPW().lf(2, md).bytes()).bytes(),
			&Message{Snapshot: Snapshot{Metadata: SnapshotMetadata{Index: 5, ConfState: ConfState{Voters: []uint64{1, 2}}}}})
		e := newPW().lf(4, []byte("one")).vf(2, 1).lf(4, []byte("two")).vf(2, 2).vf(1, 1).vf(1, 0).bytes()
		emitDecode(c, "entry with repeated data/term/type fields: last wins", newPW().lf(7, e).bytes(),
			&Message{Entries: []Entry{{Term: 2, Data: []byte("two")}}})
		// Concatenation of two complete 3.4 encodings == merge.
		m1 := small(MsgApp)
		m2 := Message{Type: MsgApp, Term: 6, Entries: []Entry{{Term: 6, Index: 12}}, Context: []byte("k")}
		cat := append(mustMarshal(&m1), mustMarshal(&m2)...)
		want := m2
		want.Entries = append(append([]Entry(nil), m1.Entries...), m2.Entries...)
		emitDecode(c, "concatenation of two 3.4 encodings (scalars from the second, entries appended)", cat, &want)
	}

	// Unknown fields.
	{
		base := mustMarshal(&minimal[2])
		m := minimal[2]
		unk := []struct {
			desc string
			b    []byte
		}{
			{"varint field 15", newPW().vf(15, 1).bytes()},
			{"varint field 16 (2-byte tag)", newPW().vf(16, maxU64).bytes()},
			{"varint field 1000", newPW().vf(1000, 300).bytes()},
			{"varint field 536870911 (max proto field number)", newPW().vf(536870911, 0).bytes()},
			{"fixed64 field 20", newPW().f64(20, 0x0102030405060708).bytes()},
			{"fixed32 field 21", newPW().f32(21, 0xdeadbeef).bytes()},
			{"length-delimited field 22 (empty)", newPW().lf(22, nil).bytes()},
			{"length-delimited field 23", newPW().lf(23, []byte("unknown payload")).bytes()},
			{"length-delimited field 100000, 200 bytes", newPW().lf(100000, r.fill(200)).bytes()},
			{"group field 24 (start+end, empty)", newPW().tag(24, 3).tag(24, 4).bytes()},
			{"group field 25 with varint/fixed/bytes/nested group inside", newPW().tag(25, 3).vf(1, 5).f64(2, 1).f32(3, 2).lf(4, []byte("g")).tag(6, 3).vf(1, 1).tag(6, 4).tag(25, 4).bytes()},
			{"group field 26 closed by an end-group of a DIFFERENT field number (skipRaft does not check)", newPW().tag(26, 3).vf(1, 1).tag(27, 4).bytes()},
			{"group field 28 containing known field numbers (they are skipped, not decoded)", newPW().tag(28, 3).vf(2, 99).vf(4, 99).tag(28, 4).bytes()},
			{"varint field 13 and 14 as in etcd 3.6", newPW().vf(13, 3).lf(14, newPW().vf(1, 4).bytes()).bytes()},
			{"field number 2^30 (beyond the proto maximum; Go still skips it)", newPW().vf(1<<30, 7).bytes()},
			{"field number 2^31-1 (largest that survives int32(wire>>3))", newPW().vf(1<<31-1, 7).bytes()},
		}
		for _, x := range unk {
			emitDecode(c, "unknown "+x.desc+" appended after a heartbeat", append(append([]byte(nil), base...), x.b...), &m)
			emitDecode(c, "unknown "+x.desc+" before all other fields", append(append([]byte(nil), x.b...), base...), &m)
		}
		all := newPW()
		for _, x := range unk {
			all.rawb(x.b)
		}
		emitDecode(c, "all unknown kinds together, and nothing else", all.bytes(), &Message{})
		// Unknown fields inside nested messages.
		e := newPW().vf(1, 0).vf(2, 5).vf(3, 11).f32(5, 1).lf(4, []byte("hi")).vf(99, 1).bytes()
		cs := newPW().vf(1, 1).f64(6, 3).vf(5, 1).bytes()
		md := newPW().lf(1, cs).vf(2, 3).lf(4, []byte("md")).vf(3, 4).bytes()
		sn := newPW().lf(1, []byte("S")).tag(3, 3).tag(3, 4).lf(2, md).bytes()
		b := newPW().vf(1, 3).lf(7, e).lf(9, sn).bytes()
		emitDecode(c, "unknown fields inside entry, snapshot, metadata and confstate", b,
			&Message{Type: MsgApp, Entries: []Entry{{Term: 5, Index: 11, Data: []byte("hi")}},
				Snapshot: Snapshot{Data: []byte("S"), Metadata: SnapshotMetadata{Index: 3, Term: 4,
					ConfState: ConfState{Voters: []uint64{1}, AutoLeave: true}}}})
		full34 := mustMarshal(&full)
		emitDecode(c, "complete 3.4 encoding followed by unknown fixed64 field 1000", append(full34, newPW().f64(1000, maxU64).bytes()...), &full)
	}

	// Non-minimal and overflowing varints.
	{
		emitDecode(c, "non-minimal varint for type (3 as 83 00)", []byte{0x08, 0x83, 0x00}, &Message{Type: MsgApp})
		emitDecode(c, "non-minimal 10-byte varint for to (zero)", newPW().tag(2, 0).varintN(0, 10).bytes(), &Message{})
		emitDecode(c, "non-minimal 10-byte varint for term (5)", newPW().tag(4, 0).varintN(5, 10).bytes(), &Message{Term: 5})
		emitDecode(c, "non-minimal 2-byte tag for field 1 (88 00)", []byte{0x88, 0x00, 0x08}, &Message{Type: MsgHeartbeat})
		emitDecode(c, "non-minimal length for context (62 80 00 = empty)", []byte{0x62, 0x80, 0x00}, &Message{Context: []byte{}})
		emitDecode(c, "non-minimal length for entry (3a 82 00)", []byte{0x3a, 0x82, 0x00, 0x10, 0x07},
			&Message{Entries: []Entry{{Term: 7}}})
		emitDecode(c, "10-byte varint whose last byte is 0x02: bit 64 silently dropped -> to=0",
			append([]byte{0x10}, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02), &Message{})
		emitDecode(c, "10-byte varint with last byte 0x7f: excess bits dropped -> from=2^64-1",
			append([]byte{0x18}, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), &Message{From: maxU64})
		emitDecode(c, "10-byte varint 0x80..0x80 0x03 for index -> 2^63 (bit 64 dropped)",
			append([]byte{0x30}, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x03), &Message{Index: 1 << 63})
		emitDecode(c, "type varint 2^32+3: MessageType is int32, high bits dropped -> 3",
			newPW().vf(1, 1<<32+3).bytes(), &Message{Type: MsgApp})
		emitDecode(c, "type varint 2^32-1: int32 -> -1", newPW().vf(1, 1<<32-1).bytes(), &Message{Type: -1})
		emitDecode(c, "type varint 2^31: int32 -> -2147483648", newPW().vf(1, 1<<31).bytes(), &Message{Type: -2147483648})
		emitDecode(c, "type varint 2^64-1 (what Go itself writes for type -1): -> -1", newPW().vf(1, maxU64).bytes(), &Message{Type: -1})
		emitDecode(c, "entry type varint 2^32+2 -> 2", newPW().lf(7, newPW().vf(1, 1<<32+2).bytes()).bytes(),
			&Message{Entries: []Entry{{Type: EntryConfChangeV2}}})
		emitDecode(c, "entry type varint 2^63 -> 0", newPW().lf(7, newPW().vf(1, 1<<63).bytes()).bytes(),
			&Message{Entries: []Entry{{}}})
		emitDecode(c, "reject varint 2 -> true", newPW().vf(10, 2).bytes(), &Message{Reject: true})
		emitDecode(c, "reject varint 256 (low 7 bits zero) -> true", newPW().vf(10, 256).bytes(), &Message{Reject: true})
		emitDecode(c, "reject varint 2^63 -> true", newPW().vf(10, 1<<63).bytes(), &Message{Reject: true})
		emitDecode(c, "reject varint 2^64 truncated to 0 in 10 bytes -> false",
			append([]byte{0x50}, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x02), &Message{})
		emitDecode(c, "auto_leave varint 2 -> true", msgWithConfState(newPW().vf(5, 2).bytes()),
			&Message{Type: MsgSnap, Snapshot: Snapshot{Metadata: SnapshotMetadata{ConfState: ConfState{AutoLeave: true}}}})
		emitDecode(c, "tag varint with field number 2^32+4: int32(wire>>3) truncates to field 4 (term)",
			newPW().vf(1<<32+4, 9).bytes(), &Message{Term: 9})
		emitDecode(c, "tag varint with field number 2^32+12 (truncates to context, wire type 2)",
			newPW().lf(1<<32+12, []byte("q")).bytes(), &Message{Context: []byte("q")})
		emitDecode(c, "tag as non-minimal 10-byte varint (field 2)", newPW().varintN(2<<3, 10).varint(77).bytes(), &Message{To: 77})
	}

	// Accepted prefixes of real encodings (cut at a field boundary).
	c.comment("==== decode: prefixes of 3.4 encodings that end on a top-level field boundary are valid messages")
	for _, m := range truncationSources() {
		b := mustMarshal(&m)
		for k := 1; k < len(b); k++ {
			if _, err := unmarshalMessage(b[:k]); err == nil {
				emitDecode(c, fmt.Sprintf("prefix of %d of %d bytes", k, len(b)), b[:k], nil)
			}
		}
	}
}

func seq(from, to uint64) []uint64 {
	var l []uint64
	for v := from; v <= to; v++ {
		l = append(l, v)
	}
	return l
}

func msgWithConfState(cs []byte) []byte {
	md := newPW().lf(1, cs).bytes()
	sn := newPW().lf(2, md).bytes()
	return newPW().vf(1, 7).lf(9, sn).bytes()
}

// mustMarshal is etcd 3.4's encoding of m (hand-built, form34), so that the
// decode/reject inputs are the same bytes for every version. For a codec of
// style 3.4 it must equal that codec's Marshal.
func mustMarshal(m *Message) []byte {
	b := joinChunks(handMessageChunks(m, form34, 0, nil))
	if codec.Style() == "3.4" && !bytes.Equal(b, codec.MarshalMessage(m)) {
		fatalf("hand 3.4 encoder disagrees with Go's Marshal for %s", messageTok(m))
	}
	return b
}

func truncationSources() []Message {
	return []Message{
		{Type: MsgHeartbeat, To: 2, From: 1, Term: 5, Commit: 300, Context: []byte("ab")},
		{Type: MsgApp, To: 2, From: 1, Term: 5, LogTerm: 5, Index: 10, Commit: 10,
			Entries: []Entry{{Term: 5, Index: 11, Data: []byte("hello")}, {Type: EntryConfChange, Term: 5, Index: 12}}},
		{Type: MsgSnap, To: 1 << 63, From: 1, Term: 5, Snapshot: Snapshot{Data: []byte("sn"),
			Metadata: SnapshotMetadata{Index: 200, Term: 4, ConfState: ConfState{Voters: []uint64{1, 2, 3}, Learners: []uint64{4}, AutoLeave: true}}}},
	}
}

// ---------------------------------------------------------------------------
// reject vectors

func genRejects(c *collector) {
	c.comment("==== reject: inputs Go 3.4.23's Message.Unmarshal rejects (as Go %s takes them)", codec.Version())

	ff := func(n int) []byte { return bytes.Repeat([]byte{0xff}, n) }
	emitReject(c, "11 bytes of 0xff as a tag", ff(11))
	emitReject(c, "10 bytes of 0xff as a tag (overflow check fires before EOF)", ff(10))
	for _, f := range []uint64{1, 2, 3, 4, 5, 6, 8, 10, 11} {
		emitReject(c, fmt.Sprintf("11 bytes of 0xff as the value of varint field %d", f), append([]byte{byte(f << 3)}, ff(11)...))
	}
	for _, f := range []uint64{7, 9, 12} {
		emitReject(c, fmt.Sprintf("11 bytes of 0xff as the length of field %d", f), append([]byte{byte(f<<3 | 2)}, ff(11)...))
	}
	emitReject(c, "11-byte varint of an unknown varint field 15", append([]byte{0x78}, ff(11)...))
	emitReject(c, "11-byte varint inside an entry", newPW().tag(7, 2).varint(12).raw(0x10).rawb(ff(11)).bytes())
	emitReject(c, "11-byte varint inside confstate", msgWithConfState(append([]byte{0x08}, ff(11)...)))
	emitReject(c, "varint cut short (10 ff)", []byte{0x10, 0xff})
	emitReject(c, "tag cut short (single 0x80)", []byte{0x80})
	emitReject(c, "tag only, value missing (08)", []byte{0x08})

	// Lengths beyond the end.
	emitReject(c, "entry length beyond end", []byte{0x3a, 0x05, 0x08, 0x00})
	emitReject(c, "context length beyond end", []byte{0x62, 0x10, 0xaa})
	emitReject(c, "snapshot length beyond end", []byte{0x4a, 0x7f})
	emitReject(c, "entry data length beyond the entry", newPW().tag(7, 2).varint(4).raw(0x22, 0x05, 0x61, 0x62).bytes())
	emitReject(c, "unknown length-delimited field length beyond end", []byte{0xb2, 0x01, 0x03, 0x00})
	emitReject(c, "unknown fixed64 field truncated", []byte{0xa1, 0x01, 0x01, 0x02, 0x03})
	emitReject(c, "unknown fixed32 field truncated", []byte{0xad, 0x01, 0x01, 0x02, 0x03})
	emitReject(c, "unknown group never closed", newPW().tag(24, 3).vf(1, 1).bytes())
	emitReject(c, "length 2^63 (negative as int)", newPW().tag(12, 2).varint(1<<63).bytes())
	emitReject(c, "length 2^64-1 (-1 as int)", newPW().tag(7, 2).varint(maxU64).bytes())
	emitReject(c, "unknown field 22 with length 2^63-1 (skipRaft: negative after overflow)", newPW().tag(22, 2).varint(1<<63-1).bytes())
	emitReject(c, "context length 2^63-1: index+length overflows int (Go 3.4 PANICS here)", newPW().tag(12, 2).varint(1<<63-1).bytes())
	emitReject(c, "entry length 2^63-2 (Go 3.4 PANICS here)", newPW().tag(7, 2).varint(1<<63-2).bytes())
	emitReject(c, "snapshot length 2^63-1 (Go 3.4 PANICS here)", newPW().tag(9, 2).varint(1<<63-1).bytes())
	emitReject(c, "entry data length 2^62 (beyond end, no overflow)", newPW().tag(7, 2).varint(11).raw(0x22).varint(1<<62).bytes())

	// Wire-type mismatches on known Message fields.
	correct := map[uint64]uint64{1: 0, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0, 7: 2, 8: 0, 9: 2, 10: 0, 11: 0, 12: 2}
	for f := uint64(1); f <= 12; f++ {
		for wt := uint64(0); wt <= 7; wt++ {
			if wt == correct[f] {
				continue
			}
			emitReject(c, fmt.Sprintf("Message field %d with wire type %d", f, wt),
				newPW().tag(f, wt).raw(0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01).bytes())
		}
	}
	// ... in nested messages.
	for f := uint64(1); f <= 4; f++ {
		wt := uint64(2)
		if f == 4 {
			wt = 0
		}
		emitReject(c, fmt.Sprintf("Entry field %d with wire type %d", f, wt),
			newPW().lf(7, newPW().tag(f, wt).raw(0x01, 0x00).bytes()).bytes())
	}
	emitReject(c, "Snapshot field 1 (data) as varint", newPW().lf(9, newPW().vf(1, 1).bytes()).bytes())
	emitReject(c, "Snapshot field 2 (metadata) as fixed32", newPW().lf(9, newPW().f32(2, 1).bytes()).bytes())
	emitReject(c, "SnapshotMetadata field 1 (conf_state) as varint", newPW().lf(9, newPW().lf(2, newPW().vf(1, 1).bytes()).bytes()).bytes())
	emitReject(c, "SnapshotMetadata field 2 (index) as length-delimited", newPW().lf(9, newPW().lf(2, newPW().lf(2, nil).bytes()).bytes()).bytes())
	for f := uint64(1); f <= 4; f++ {
		emitReject(c, fmt.Sprintf("ConfState list field %d as fixed64", f), msgWithConfState(newPW().f64(f, 1).bytes()))
	}
	emitReject(c, "ConfState auto_leave (field 5) as length-delimited", msgWithConfState(newPW().lf(5, []byte{1}).bytes()))
	emitReject(c, "ConfState packed list truncated inside a varint", msgWithConfState(newPW().tag(1, 2).varint(2).raw(0x01, 0x80).bytes()))

	// Groups and tag 0.
	emitReject(c, "end-group tag at top level (field 1, wire type 4)", []byte{0x0c})
	emitReject(c, "end-group tag for an unknown field", newPW().tag(30, 4).bytes())
	emitReject(c, "end-group tag inside an entry", newPW().lf(7, []byte{0x0c}).bytes())
	emitReject(c, "tag 0x00 (field 0, wire type 0)", []byte{0x00})
	emitReject(c, "tag 0x00 0x00", []byte{0x00, 0x00})
	emitReject(c, "tag 0x02 (field 0, wire type 2)", []byte{0x02, 0x00})
	emitReject(c, "tag 0x05 (field 0, wire type 5)", []byte{0x05, 0, 0, 0, 0})
	emitReject(c, "tag 0x04 (field 0, wire type 4: end-group check comes first)", []byte{0x04})
	emitReject(c, "tag 0 as non-minimal varint (80 00)", []byte{0x80, 0x00})
	emitReject(c, "tag 0 after a valid heartbeat", append(mustMarshal(&Message{Type: MsgHeartbeat}), 0x00))
	emitReject(c, "tag 0 inside an entry", newPW().lf(7, []byte{0x00, 0x00}).bytes())
	emitReject(c, "field number 2^31 (negative after int32 conversion)", newPW().vf(1<<31, 1).bytes())
	emitReject(c, "field number 2^32 (int32 truncation gives 0)", newPW().vf(1<<32, 1).bytes())
	emitReject(c, "unknown field with wire type 6", newPW().tag(40, 6).raw(0x00).bytes())
	emitReject(c, "unknown field with wire type 7", newPW().tag(40, 7).raw(0x00).bytes())
	emitReject(c, "wire type 6 inside an unknown group", newPW().tag(24, 3).tag(1, 6).tag(24, 4).bytes())
	emitReject(c, "ASCII text \"malformed garbage\"", []byte("malformed garbage"))
	emitReject(c, "valid message followed by a lone 0xff", append(mustMarshal(&Message{Type: MsgApp}), 0xff))

	// Truncations at every position.
	c.comment("==== reject: prefixes of 3.4 encodings (every cut that Go rejects)")
	for _, m := range truncationSources() {
		b := mustMarshal(&m)
		c.comment("truncations of %s", hex.EncodeToString(b))
		for k := 1; k < len(b); k++ {
			if _, err := unmarshalMessage(b[:k]); err != nil {
				emitReject(c, "", b[:k])
			}
		}
	}
}
