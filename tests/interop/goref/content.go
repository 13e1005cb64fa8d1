package main

// Deterministic content and message construction (PEER_CLI.md, "Deterministic
// content"). Both peers must produce byte-identical messages from the same flags.

import (
	"encoding/binary"
	"io"

	"go.etcd.io/etcd/raft/raftpb"
)

const (
	streamKeyMul   = 0xD6E8FEB86659FD93
	splitmixGamma  = 0x9E3779B97F4A7C15
	splitmixMul1   = 0xBF58476D1CE4E5B9
	splitmixMul2   = 0x94D049BB133111EB
	dbStreamKey    = ^uint64(0)     // 2^64-1
	snapDataKey    = ^uint64(0) - 1 // 2^64-2
	uint64ByteSize = 8
)

// byteStream is stream(seed, key): a splitmix64 sequence emitted as
// little-endian 8-byte words.
type byteStream struct {
	state   uint64
	pending [uint64ByteSize]byte
	avail   int // unread bytes at the end of pending
}

func newByteStream(seed, key uint64) *byteStream {
	return &byteStream{state: seed ^ (key * streamKeyMul)}
}

func (s *byteStream) nextWord() uint64 {
	s.state += splitmixGamma
	z := s.state
	z = (z ^ z>>30) * splitmixMul1
	z = (z ^ z>>27) * splitmixMul2
	return z ^ z>>31
}

// Read fills p completely; the stream is endless.
func (s *byteStream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && s.avail > 0 {
		p[n] = s.pending[uint64ByteSize-s.avail]
		s.avail--
		n++
	}
	for len(p)-n >= uint64ByteSize {
		binary.LittleEndian.PutUint64(p[n:], s.nextWord())
		n += uint64ByteSize
	}
	if n < len(p) {
		binary.LittleEndian.PutUint64(s.pending[:], s.nextWord())
		s.avail = uint64ByteSize
		for n < len(p) {
			p[n] = s.pending[uint64ByteSize-s.avail]
			s.avail--
			n++
		}
	}
	return n, nil
}

// streamBytes returns the first n bytes of stream(seed, key), or nil when n
// is 0 (a zero-size payload is encoded as an absent protobuf field).
func streamBytes(seed, key uint64, n int) []byte {
	if n == 0 {
		return nil
	}
	b := make([]byte, n)
	newByteStream(seed, key).Read(b)
	return b
}

// exactStream yields exactly size bytes of stream(seed, key) then io.EOF.
type exactStream struct {
	src    *byteStream
	remain uint64
}

func newExactStream(seed, key, size uint64) *exactStream {
	return &exactStream{src: newByteStream(seed, key), remain: size}
}

func (e *exactStream) Read(p []byte) (int, error) {
	if e.remain == 0 {
		return 0, io.EOF
	}
	if uint64(len(p)) > e.remain {
		p = p[:e.remain]
	}
	n, _ := e.src.Read(p)
	e.remain -= uint64(n)
	return n, nil
}

func (e *exactStream) Close() error { return nil }

func bigEndian64(v uint64) []byte {
	b := make([]byte, uint64ByteSize)
	binary.BigEndian.PutUint64(b, v)
	return b
}

// contentParams holds the flags that shape the generated messages.
type contentParams struct {
	from, to    uint64
	msgType     raftpb.MessageType
	seed        uint64
	entries     uint64 // K
	entrySize   int
	startIndex  uint64 // S
	term        uint64 // T
	termEvery   uint64 // E
	rejectEvery uint64 // R
	ackContext  bool   // --await-acks: heartbeats carry a context
}

func (c *contentParams) termOf(i uint64) uint64 {
	if c.termEvery == 0 {
		return c.term
	}
	return c.term + i/c.termEvery
}

func (c *contentParams) termOfIndex(x uint64) uint64 {
	switch {
	case x == 0:
		return 0
	case x < c.startIndex || c.entries == 0:
		return c.term
	default:
		return c.termOf((x - c.startIndex) / c.entries)
	}
}

func (c *contentParams) rejected(i uint64) bool {
	return c.rejectEvery > 0 && (i+1)%c.rejectEvery == 0
}

func (c *contentParams) entryData(x uint64) []byte {
	return streamBytes(c.seed, x, c.entrySize)
}

// message builds message i of the run (PEER_CLI.md table).
func (c *contentParams) message(i uint64) raftpb.Message {
	m := raftpb.Message{Type: c.msgType, From: c.from, To: c.to}
	S, K, T := c.startIndex, c.entries, c.term
	first := S + i*K
	switch c.msgType {
	case raftpb.MsgApp:
		m.Term = c.termOf(i)
		m.Index = first - 1
		m.LogTerm = c.termOfIndex(m.Index)
		m.Commit = m.Index
		for j := uint64(0); j < K; j++ {
			m.Entries = append(m.Entries, raftpb.Entry{
				Term: m.Term, Index: first + j, Type: raftpb.EntryNormal, Data: c.entryData(first + j),
			})
		}
	case raftpb.MsgProp:
		for j := uint64(0); j < K; j++ {
			m.Entries = append(m.Entries, raftpb.Entry{Data: c.entryData(first + j)})
		}
	case raftpb.MsgHeartbeat:
		m.Term = c.termOf(i)
		m.Commit = S + i
		if c.ackContext {
			m.Context = bigEndian64(i + 1)
		}
	case raftpb.MsgHeartbeatResp:
		m.Term = c.termOf(i)
	case raftpb.MsgVote, raftpb.MsgPreVote:
		m.Term = T + i
		m.Index = S + i
		m.LogTerm = T
	case raftpb.MsgVoteResp, raftpb.MsgPreVoteResp:
		m.Term = T + i
		m.Reject = c.rejected(i)
	case raftpb.MsgAppResp:
		m.Term = c.termOf(i)
		m.Index = S + i
		if c.rejected(i) {
			m.Reject = true
			m.RejectHint = m.Index - 1
		}
	case raftpb.MsgReadIndex:
		m.Entries = []raftpb.Entry{{Data: bigEndian64(i + 1)}}
	case raftpb.MsgReadIndexResp:
		m.Term = c.termOf(i)
		m.Index = S + i
		m.Entries = []raftpb.Entry{{Data: bigEndian64(i + 1)}}
	default:
		m.Term = c.termOf(i)
	}
	return m
}

// echoReply is the answer of an echo peer (PEER_CLI.md echo table); ok is false
// for message types the echo does not answer.
func echoReply(self uint64, m *raftpb.Message) (raftpb.Message, bool) {
	r := raftpb.Message{From: self, To: m.From, Term: m.Term}
	switch m.Type {
	case raftpb.MsgApp:
		r.Type = raftpb.MsgAppResp
		r.Index = m.Index
		if n := len(m.Entries); n > 0 {
			r.Index = m.Entries[n-1].Index
		}
	case raftpb.MsgHeartbeat:
		r.Type = raftpb.MsgHeartbeatResp
		r.Context = m.Context
	case raftpb.MsgVote:
		r.Type = raftpb.MsgVoteResp
	case raftpb.MsgPreVote:
		r.Type = raftpb.MsgPreVoteResp
	case raftpb.MsgReadIndex:
		r.Type = raftpb.MsgReadIndexResp
		r.Entries = m.Entries
	default:
		return r, false
	}
	return r, true
}

// ackResponseType is the echo's answer type for a request type.
func ackResponseType(t raftpb.MessageType) (raftpb.MessageType, bool) {
	switch t {
	case raftpb.MsgApp:
		return raftpb.MsgAppResp, true
	case raftpb.MsgHeartbeat:
		return raftpb.MsgHeartbeatResp, true
	case raftpb.MsgVote:
		return raftpb.MsgVoteResp, true
	case raftpb.MsgPreVote:
		return raftpb.MsgPreVoteResp, true
	case raftpb.MsgReadIndex:
		return raftpb.MsgReadIndexResp, true
	}
	return 0, false
}

// ackKey identifies a request or its echo answer so the two can be matched:
// MsgApp/MsgAppResp by the last entry index (the message Index without
// entries), heartbeats by their context, votes by term, ReadIndex by the
// entry data. Equal keys are matched first-in first-out.
func ackKey(m *raftpb.Message) uint64 {
	switch m.Type {
	case raftpb.MsgApp:
		if n := len(m.Entries); n > 0 {
			return m.Entries[n-1].Index
		}
		return m.Index
	case raftpb.MsgAppResp:
		return m.Index
	case raftpb.MsgHeartbeat, raftpb.MsgHeartbeatResp:
		return beUint64(m.Context)
	case raftpb.MsgVote, raftpb.MsgVoteResp, raftpb.MsgPreVote, raftpb.MsgPreVoteResp:
		return m.Term
	case raftpb.MsgReadIndex, raftpb.MsgReadIndexResp:
		if len(m.Entries) > 0 {
			return beUint64(m.Entries[0].Data)
		}
	}
	return 0
}

func beUint64(b []byte) uint64 {
	if len(b) != uint64ByteSize {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
