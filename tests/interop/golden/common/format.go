package golden

// Deterministic PRNG, line tokens, the output collector and a small protobuf
// writer for hand-built inputs: taken from gen/main.go (the 3.4 generator) so
// that the same seeds give the same cases.

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
)

const maxU64 = ^uint64(0)

func fatalf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "gen: FATAL: "+format+"\n", args...)
	os.Exit(2)
}

// ---------------------------------------------------------------------------
// Deterministic PRNG (splitmix64).

type rng struct{ s uint64 }

func newRng(seed uint64) *rng { return &rng{s: seed} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) intn(n int) int {
	if n <= 0 {
		fatalf("intn(%d)", n)
	}
	return int(r.next() % uint64(n))
}

func (r *rng) chance(percent int) bool { return r.intn(100) < percent }

func (r *rng) fill(n int) []byte {
	b := make([]byte, n)
	for i := 0; i < n; i += 8 {
		v := r.next()
		for j := 0; j < 8 && i+j < n; j++ {
			b[i+j] = byte(v >> (8 * uint(j)))
		}
	}
	return b
}

// boundaries are the values around every varint length change.
var boundaries = func() []uint64 {
	var v []uint64
	for k := uint(1); k <= 9; k++ {
		v = append(v, (uint64(1)<<(7*k))-1, uint64(1)<<(7*k))
	}
	v = append(v, maxU64)
	return v
}()

// val returns a uint64 drawn from a distribution that favours edge cases.
func (r *rng) val() uint64 {
	switch r.intn(10) {
	case 0:
		return 0
	case 1:
		return uint64(r.intn(128))
	case 2:
		return uint64(r.intn(1 << 14))
	case 3:
		return boundaries[r.intn(len(boundaries))]
	case 4:
		return r.next()
	case 5:
		return r.next() >> uint(r.intn(64))
	case 6:
		return maxU64 - uint64(r.intn(3))
	default:
		return uint64(r.intn(1000000))
	}
}

// id returns a plausible member id (small, random 64-bit or >= 2^63).
func (r *rng) id() uint64 {
	switch r.intn(4) {
	case 0:
		return uint64(1 + r.intn(9))
	case 1:
		return r.next() | (1 << 63)
	default:
		return r.next()
	}
}

// data returns nil, empty, or random bytes up to maxLen.
func (r *rng) data(maxLen int) []byte {
	switch r.intn(10) {
	case 0, 1:
		return nil
	case 2:
		return []byte{}
	default:
		return r.fill(1 + r.intn(maxLen))
	}
}

func (r *rng) list(maxLen int) []uint64 {
	n := r.intn(maxLen + 1)
	if n == 0 {
		return nil
	}
	l := make([]uint64, n)
	for i := range l {
		if r.chance(70) {
			l[i] = uint64(1 + r.intn(20))
		} else {
			l[i] = r.val()
		}
	}
	return l
}

// ---------------------------------------------------------------------------
// Token formatting (see the header comments for the format).

func hexTok(b []byte) string {
	if len(b) == 0 {
		return "."
	}
	return hex.EncodeToString(b)
}

func bytesTok(b []byte) string {
	if b == nil {
		return "-"
	}
	return "x" + hex.EncodeToString(b)
}

func listTok(l []uint64) string {
	if len(l) == 0 {
		return "."
	}
	s := make([]string, len(l))
	for i, v := range l {
		s[i] = strconv.FormatUint(v, 10)
	}
	return strings.Join(s, ",")
}

func boolTok(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func u(v uint64) string { return strconv.FormatUint(v, 10) }

func enumTok(v int32) string { return strconv.FormatInt(int64(v), 10) }

func confStateTok(cs *ConfState) string {
	return strings.Join([]string{listTok(cs.Voters), listTok(cs.Learners),
		listTok(cs.VotersOutgoing), listTok(cs.LearnersNext), boolTok(cs.AutoLeave)}, " ")
}

func entryTok(e *Entry) string {
	return enumTok(int32(e.Type)) + " " + u(e.Term) + " " + u(e.Index) + " " + bytesTok(e.Data)
}

func snapshotTok(s *Snapshot) string {
	return bytesTok(s.Data) + " " + u(s.Metadata.Index) + " " + u(s.Metadata.Term) + " " +
		confStateTok(&s.Metadata.ConfState)
}

func messageTok(m *Message) string {
	var sb strings.Builder
	sb.WriteString(strings.Join([]string{enumTok(int32(m.Type)), u(m.To), u(m.From), u(m.Term),
		u(m.LogTerm), u(m.Index), u(m.Commit), boolTok(m.Reject), u(m.RejectHint),
		bytesTok(m.Context), snapshotTok(&m.Snapshot), strconv.Itoa(len(m.Entries))}, " "))
	for i := range m.Entries {
		sb.WriteByte(' ')
		sb.WriteString(entryTok(&m.Entries[i]))
	}
	return sb.String()
}

func hardStateTok(h *HardState) string {
	return u(h.Term) + " " + u(h.Vote) + " " + u(h.Commit)
}

func confChangeTok(c *ConfChange) string {
	return u(c.ID) + " " + enumTok(int32(c.Type)) + " " + u(c.NodeID) + " " + bytesTok(c.Context)
}

func confChangeV2Tok(c *ConfChangeV2) string {
	ch := "."
	if len(c.Changes) > 0 {
		s := make([]string, len(c.Changes))
		for i, x := range c.Changes {
			s[i] = enumTok(int32(x.Type)) + ":" + u(x.NodeID)
		}
		ch = strings.Join(s, ",")
	}
	return enumTok(int32(c.Transition)) + " " + ch + " " + bytesTok(c.Context)
}

// ---------------------------------------------------------------------------
// Output collector.

type collector struct {
	body   bytes.Buffer
	kinds  []string
	counts []int
	seen   map[string]bool
}

func newCollector(kinds ...string) *collector {
	return &collector{kinds: kinds, counts: make([]int, len(kinds)), seen: map[string]bool{}}
}

func (c *collector) count(kind string) {
	for i, k := range c.kinds {
		if k == kind {
			c.counts[i]++
			return
		}
	}
	fatalf("unknown kind %q", kind)
}

func (c *collector) comment(format string, args ...interface{}) {
	c.body.WriteString("# ")
	fmt.Fprintf(&c.body, format, args...)
	c.body.WriteByte('\n')
}

// line writes "kind hex rest" unless the exact same line was already written.
func (c *collector) line(kind string, b []byte, rest string) bool {
	return c.lineWithComment(kind, b, rest, "")
}

// lineWithComment is line preceded by "# comment" (if comment is not empty);
// neither is written when the line is a duplicate.
func (c *collector) lineWithComment(kind string, b []byte, rest, comment string) bool {
	l := kind + " " + hexTok(b)
	if rest != "" {
		l += " " + rest
	}
	if c.seen[l] {
		return false
	}
	c.seen[l] = true
	c.count(kind)
	if comment != "" {
		c.comment("%s", comment)
	}
	c.body.WriteString(l)
	c.body.WriteByte('\n')
	return true
}

func (c *collector) summary() string {
	s := make([]string, len(c.kinds))
	for i, k := range c.kinds {
		s[i] = fmt.Sprintf("%s=%d", k, c.counts[i])
	}
	return strings.Join(s, " ")
}

// ---------------------------------------------------------------------------
// A tiny protobuf writer of our own for hand-built inputs.

type pw struct{ b []byte }

func newPW() *pw { return &pw{} }

func (p *pw) raw(bs ...byte) *pw   { p.b = append(p.b, bs...); return p }
func (p *pw) rawb(bs []byte) *pw   { p.b = append(p.b, bs...); return p }
func (p *pw) bytes() []byte        { return append([]byte(nil), p.b...) }
func (p *pw) tag(f, wt uint64) *pw { return p.varint(f<<3 | wt) }
func (p *pw) vf(f, v uint64) *pw   { return p.tag(f, 0).varint(v) }
func (p *pw) lf(f uint64, d []byte) *pw {
	return p.tag(f, 2).varint(uint64(len(d))).rawb(d)
}

func (p *pw) varint(v uint64) *pw {
	for v >= 0x80 {
		p.b = append(p.b, byte(v)|0x80)
		v >>= 7
	}
	p.b = append(p.b, byte(v))
	return p
}

// varintN writes v using exactly n bytes (non-minimal when n is larger than
// needed); the caller guarantees v fits.
func (p *pw) varintN(v uint64, n int) *pw {
	for i := 0; i < n-1; i++ {
		p.b = append(p.b, byte(v&0x7f)|0x80)
		v >>= 7
	}
	p.b = append(p.b, byte(v&0x7f))
	return p
}

func (p *pw) f64(f, v uint64) *pw {
	p.tag(f, 1)
	var x [8]byte
	binary.LittleEndian.PutUint64(x[:], v)
	return p.rawb(x[:])
}

func (p *pw) f32(f uint64, v uint32) *pw {
	p.tag(f, 5)
	var x [4]byte
	binary.LittleEndian.PutUint32(x[:], v)
	return p.rawb(x[:])
}

// Hand encoders for other wire forms.  form selects the style:
//
//	form36:   etcd 3.6 (go.etcd.io/raft/v3): every non-nullable field, in
//	          field-number order, snapshot (field 9) only when non-nil, vote
//	          (field 13) always, responses (field 14) repeated.
//	formMain: only non-zero / present fields (proto3-like minimal form).
type form int

const (
	form34 form = iota
	form36
	formMain
)

type fieldChunk struct {
	num   int
	bytes []byte
}

func handConfState(cs *ConfState, f form, packed bool) []byte {
	p := newPW()
	lists := [][]uint64{cs.Voters, cs.Learners, cs.VotersOutgoing, cs.LearnersNext}
	for i, l := range lists {
		if len(l) == 0 {
			continue
		}
		if packed {
			q := newPW()
			for _, v := range l {
				q.varint(v)
			}
			p.lf(uint64(i+1), q.b)
		} else {
			for _, v := range l {
				p.vf(uint64(i+1), v)
			}
		}
	}
	if f != formMain || cs.AutoLeave {
		p.vf(5, b2u(cs.AutoLeave))
	}
	return p.bytes()
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

func handSnapshot(s *Snapshot, f form, packed bool) []byte {
	md := newPW()
	cs := handConfState(&s.Metadata.ConfState, f, packed)
	if f != formMain || len(cs) > 0 {
		md.lf(1, cs)
	}
	if f != formMain || s.Metadata.Index != 0 {
		md.vf(2, s.Metadata.Index)
	}
	if f != formMain || s.Metadata.Term != 0 {
		md.vf(3, s.Metadata.Term)
	}
	p := newPW()
	if s.Data != nil && (f != formMain || len(s.Data) > 0) {
		p.lf(1, s.Data)
	}
	if f != formMain || len(md.b) > 0 {
		p.lf(2, md.b)
	}
	return p.bytes()
}

func handEntry(e *Entry, f form) []byte {
	p := newPW()
	if f != formMain || e.Type != 0 {
		p.vf(1, uint64(e.Type))
	}
	if f != formMain || e.Term != 0 {
		p.vf(2, e.Term)
	}
	if f != formMain || e.Index != 0 {
		p.vf(3, e.Index)
	}
	if e.Data != nil && (f != formMain || len(e.Data) > 0) {
		p.lf(4, e.Data)
	}
	return p.bytes()
}

func isZeroSnapshot(s *Snapshot) bool {
	cs := &s.Metadata.ConfState
	return len(s.Data) == 0 && s.Metadata.Index == 0 && s.Metadata.Term == 0 &&
		len(cs.Voters)+len(cs.Learners)+len(cs.VotersOutgoing)+len(cs.LearnersNext) == 0 && !cs.AutoLeave
}

// handMessageChunks returns the encoded fields of m (in field-number order).
func handMessageChunks(m *Message, f form, vote uint64, responses [][]byte) []fieldChunk {
	var out []fieldChunk
	add := func(num int, b []byte) { out = append(out, fieldChunk{num, b}) }
	scalar := func(num int, v uint64) {
		if f != formMain || v != 0 {
			add(num, newPW().vf(uint64(num), v).bytes())
		}
	}
	scalar(1, uint64(m.Type))
	scalar(2, m.To)
	scalar(3, m.From)
	scalar(4, m.Term)
	scalar(5, m.LogTerm)
	scalar(6, m.Index)
	for i := range m.Entries {
		add(7, newPW().lf(7, handEntry(&m.Entries[i], f)).bytes())
	}
	scalar(8, m.Commit)
	if f == form34 || !isZeroSnapshot(&m.Snapshot) {
		add(9, newPW().lf(9, handSnapshot(&m.Snapshot, f, false)).bytes())
	}
	scalar(10, b2u(m.Reject))
	scalar(11, m.RejectHint)
	if m.Context != nil && (f != formMain || len(m.Context) > 0) {
		add(12, newPW().lf(12, m.Context).bytes())
	}
	if f == form36 || vote != 0 {
		add(13, newPW().vf(13, vote).bytes())
	}
	for _, r := range responses {
		add(14, newPW().lf(14, r).bytes())
	}
	return out
}

func joinChunks(ch []fieldChunk) []byte {
	var b []byte
	for _, c := range ch {
		b = append(b, c.bytes...)
	}
	return b
}
