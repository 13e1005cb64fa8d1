package main

// Deterministic content and message construction (doc/peer-cli.md 6). Both
// peers must produce byte-identical messages from the same flags.

import (
	"encoding/binary"
	"io"
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
	msgType     msgType
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

// message builds message i of the run (the table of doc/peer-cli.md 6.3).
func (c *contentParams) message(i uint64) message {
	m := message{Type: c.msgType, From: c.from, To: c.to}
	S, K, T := c.startIndex, c.entries, c.term
	first := S + i*K
	switch c.msgType {
	case msgApp:
		m.Term = c.termOf(i)
		m.Index = first - 1
		m.LogTerm = c.termOfIndex(m.Index)
		m.Commit = m.Index
		for j := uint64(0); j < K; j++ {
			m.Entries = append(m.Entries, entry{
				Term: m.Term, Index: first + j, Type: entryNormal, Data: c.entryData(first + j),
			})
		}
	case msgProp:
		for j := uint64(0); j < K; j++ {
			m.Entries = append(m.Entries, entry{Data: c.entryData(first + j)})
		}
	case msgHeartbeat:
		m.Term = c.termOf(i)
		m.Commit = S + i
		if c.ackContext {
			m.Context = bigEndian64(i + 1)
		}
	case msgHeartbeatResp:
		m.Term = c.termOf(i)
	case msgVote, msgPreVote:
		m.Term = T + i
		m.Index = S + i
		m.LogTerm = T
	case msgVoteResp, msgPreVoteResp:
		m.Term = T + i
		m.Reject = c.rejected(i)
	case msgAppResp:
		m.Term = c.termOf(i)
		m.Index = S + i
		if c.rejected(i) {
			m.Reject = true
			m.RejectHint = m.Index - 1
		}
	case msgReadIndex:
		m.Entries = []entry{{Data: bigEndian64(i + 1)}}
	case msgReadIndexResp:
		m.Term = c.termOf(i)
		m.Index = S + i
		m.Entries = []entry{{Data: bigEndian64(i + 1)}}
	case msgSnap:
		// Sent through Send: no content, but a MsgSnap always carries a
		// snapshot (3.6 and 3.7 encode the field only when it is set).
		m.Term = c.termOf(i)
		m.Snapshot = &snapshot{}
	default:
		m.Term = c.termOf(i)
	}
	return m
}

// echoReply is the answer of an echo peer (doc/peer-cli.md 5.2); ok is false
// for message types the echo does not answer.
func echoReply(self uint64, m *message) (message, bool) {
	r := message{From: self, To: m.From, Term: m.Term}
	switch m.Type {
	case msgApp:
		r.Type = msgAppResp
		r.Index = m.Index
		if n := len(m.Entries); n > 0 {
			r.Index = m.Entries[n-1].Index
		}
	case msgHeartbeat:
		r.Type = msgHeartbeatResp
		r.Context = m.Context
	case msgVote:
		r.Type = msgVoteResp
	case msgPreVote:
		r.Type = msgPreVoteResp
	case msgReadIndex:
		r.Type = msgReadIndexResp
		r.Entries = m.Entries
	default:
		return r, false
	}
	return r, true
}

// ackResponseType is the echo's answer type for a request type.
func ackResponseType(t msgType) (msgType, bool) {
	switch t {
	case msgApp:
		return msgAppResp, true
	case msgHeartbeat:
		return msgHeartbeatResp, true
	case msgVote:
		return msgVoteResp, true
	case msgPreVote:
		return msgPreVoteResp, true
	case msgReadIndex:
		return msgReadIndexResp, true
	}
	return 0, false
}

// ackKey identifies a request or its echo answer so the two can be matched:
// MsgApp/MsgAppResp by the last entry index (the message Index without
// entries), heartbeats by their context, votes by term, ReadIndex by the
// entry data. Equal keys are matched first-in first-out.
func ackKey(m *message) uint64 {
	switch m.Type {
	case msgApp:
		if n := len(m.Entries); n > 0 {
			return m.Entries[n-1].Index
		}
		return m.Index
	case msgAppResp:
		return m.Index
	case msgHeartbeat, msgHeartbeatResp:
		return beUint64(m.Context)
	case msgVote, msgVoteResp, msgPreVote, msgPreVoteResp:
		return m.Term
	case msgReadIndex, msgReadIndexResp:
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
