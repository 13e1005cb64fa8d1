package golden

// Round-trip checked emitters, through the version's Codec.

import (
	"bytes"
	"fmt"
	"strings"
)

// codec is the version being generated (set by Generate).
var codec Codec

func emitMessage(c *collector, m Message) {
	b := codec.MarshalMessage(&m)
	back, note, err := unmarshalMessageNote(b)
	if err != nil {
		fatalf("Unmarshal of own encoding failed: %v (%x)", err, b)
	}
	want := messageTok(&m)
	if got := messageTok(&back); got != want || note != "" {
		fatalf("message round trip mismatch:\n want %s\n got  %s (%s)", want, got, note)
	}
	if b2 := codec.MarshalMessage(&back); !bytes.Equal(b, b2) {
		fatalf("message re-marshal mismatch: %x vs %x", b, b2)
	}
	c.line("message", b, want)
}

// roundTrip checks that dec(enc(v)) formats as v and re-encodes identically.
func roundTrip[T any](c *collector, kind string, v T, enc func(*T) []byte, dec func([]byte) (T, error), tok func(*T) string) {
	b := enc(&v)
	back, err := safe(func() (T, error) { return dec(b) })
	if err != nil {
		fatalf("%s Unmarshal: %v (%x)", kind, err, b)
	}
	want := tok(&v)
	if got := tok(&back); got != want {
		fatalf("%s round trip mismatch: %s vs %s", kind, want, got)
	}
	if b2 := enc(&back); !bytes.Equal(b, b2) {
		fatalf("%s re-marshal mismatch", kind)
	}
	c.line(kind, b, want)
}

func emitEntry(c *collector, e Entry) {
	roundTrip(c, "entry", e, codec.MarshalEntry, codec.UnmarshalEntry, entryTok)
}

func emitConfState(c *collector, cs ConfState) {
	roundTrip(c, "confstate", cs, codec.MarshalConfState, codec.UnmarshalConfState, confStateTok)
}

func emitSnapshot(c *collector, s Snapshot) {
	roundTrip(c, "snapshot", s, codec.MarshalSnapshot, codec.UnmarshalSnapshot, snapshotTok)
}

func emitHardState(c *collector, h HardState) {
	roundTrip(c, "hardstate", h, codec.MarshalHardState, codec.UnmarshalHardState, hardStateTok)
}

func emitConfChange(c *collector, cc ConfChange) {
	roundTrip(c, "confchange", cc, codec.MarshalConfChange, codec.UnmarshalConfChange, confChangeTok)
}

func emitConfChangeV2(c *collector, cc ConfChangeV2) {
	roundTrip(c, "confchangev2", cc, codec.MarshalConfChangeV2, codec.UnmarshalConfChangeV2, confChangeV2Tok)
}

// safe runs f and turns a panic into an error whose text starts with "panic: ".
func safe[T any](f func() (T, error)) (v T, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return f()
}

type decoded struct {
	m    Message
	note string
}

// unmarshalMessageNote runs the version's Message Unmarshal on b.
func unmarshalMessageNote(b []byte) (Message, string, error) {
	d, err := safe(func() (decoded, error) {
		m, note, err := codec.UnmarshalMessage(b)
		return decoded{m, note}, err
	})
	return d.m, d.note, err
}

func unmarshalMessage(b []byte) (Message, error) {
	m, _, err := unmarshalMessageNote(b)
	return m, err
}

// emitDecode records what the version decodes from b. The inputs come from
// gen/main.go, where Go 3.4.23 accepts them and decodes want (nil: not
// stated); a version that decodes them differently or rejects them says so in
// the comment. A version of style 3.4 must behave exactly as 3.4.23.
func emitDecode(c *collector, desc string, b []byte, want *Message) {
	emitClassified(c, desc, b, want, true)
}

// emitReject records an input Go 3.4.23 rejects; a version that accepts it
// gets a decode line whose comment says so.
func emitReject(c *collector, desc string, b []byte) {
	emitClassified(c, desc, b, nil, false)
}

func emitClassified(c *collector, desc string, b []byte, want *Message, accepted34 bool) {
	m, note, err := unmarshalMessageNote(b)
	if err != nil {
		if accepted34 {
			if codec.Style() == "3.4" {
				fatalf("decode vector %q rejected by Go: %v (%x)", desc, err, b)
			}
			desc = strings.TrimSpace(desc + " [Go 3.4.23 accepts this]")
		}
		c.lineWithComment("reject", b, "# "+errorText(err), desc)
		return
	}
	got := messageTok(&m)
	if !accepted34 {
		if codec.Style() == "3.4" {
			fatalf("reject vector %q accepted by Go (%x)", desc, b)
		}
		desc = strings.TrimSpace(desc + " [Go 3.4.23 rejects this]")
	} else if want != nil && messageTok(want) != got {
		if codec.Style() == "3.4" {
			fatalf("decode vector %q:\n want %s\n got  %s", desc, messageTok(want), got)
		}
		desc += " [Go 3.4.23 decodes this differently]"
	}
	if note != "" {
		desc += " [" + note + "]"
	}
	c.lineWithComment("decode", b, got, desc)
}

// ---------------------------------------------------------------------------
// The API the version programs use for their own vectors.

// Gen writes vector lines for one version.
type Gen struct {
	c *collector
	R *Rng
}

// Rng is the deterministic generator of the vectors (splitmix64).
type Rng = rng

// NewRng returns a generator seeded with seed.
func NewRng(seed uint64) *Rng { return newRng(seed) }

// Fill, Intn, Chance, Val, ID and Data expose the generator's draws.
func (r *rng) Fill(n int) []byte       { return r.fill(n) }
func (r *rng) Intn(n int) int          { return r.intn(n) }
func (r *rng) Chance(percent int) bool { return r.chance(percent) }
func (r *rng) Val() uint64             { return r.val() }
func (r *rng) ID() uint64              { return r.id() }
func (r *rng) Data(maxLen int) []byte  { return r.data(maxLen) }
func (r *rng) List(maxLen int) []uint64 {
	return r.list(maxLen)
}

// RandMessage, RandEntry and RandConfState are the 3.4 generator's random values.
func (r *rng) RandMessage() Message     { return randMessage(r) }
func (r *rng) RandEntry() Entry         { return randEntry(r) }
func (r *rng) RandConfState() ConfState { return randConfState(r) }

// Comment writes "# text".
func (g *Gen) Comment(format string, args ...any) { g.c.comment(format, args...) }

// Message writes a message line for m (the version's canonical encoding of m).
func (g *Gen) Message(m Message) { emitMessage(g.c, m) }

// MessageBytes writes a message line for bytes the version's Go code produced
// (not through Codec.MarshalMessage), after checking that they are what
// Codec.MarshalMessage makes of the decoded value.
func (g *Gen) MessageBytes(desc string, b []byte) {
	m, note, err := unmarshalMessageNote(b)
	if err != nil || note != "" {
		fatalf("%s: %v %s (%x)", desc, err, note, b)
	}
	if canon := codec.MarshalMessage(&m); !bytes.Equal(canon, b) {
		fatalf("%s: the wire style does not reproduce Go's bytes:\n go   %x\n rule %x", desc, b, canon)
	}
	g.c.lineWithComment("message", b, messageTok(&m), desc)
}

// Decode writes what the version decodes from b as a decode line (or a reject
// line with the error when it refuses b).
func (g *Gen) Decode(desc string, b []byte) {
	m, note, err := unmarshalMessageNote(b)
	if err != nil {
		g.c.lineWithComment("reject", b, "# "+errorText(err), desc)
		return
	}
	if note != "" {
		desc += " [" + note + "]"
	}
	g.c.lineWithComment("decode", b, messageTok(&m), desc)
}

// Tok formats m as the fields of a message line.
func Tok(m *Message) string { return messageTok(m) }

// Hand34 / Hand36 / HandMinimal are etcd 3.4's, etcd 3.6's and the "only
// non-zero fields" encodings of m, built by hand (vote is field 13).
func Hand34(m *Message) []byte { return joinChunks(handMessageChunks(m, form34, 0, nil)) }
func Hand36(m *Message, vote uint64) []byte {
	return joinChunks(handMessageChunks(m, form36, vote, nil))
}
func HandMinimal(m *Message) []byte { return joinChunks(handMessageChunks(m, formMain, 0, nil)) }

// Fatalf stops the generator.
func Fatalf(format string, args ...any) { fatalf(format, args...) }

// MaxU64 is 2^64-1.
const MaxU64 = maxU64

// errorText is an error's text on one line, the same from every build:
// google.golang.org/protobuf puts a non-breaking space in place of a space at
// random (chosen per binary) so that nobody relies on its texts.
func errorText(err error) string {
	return strings.NewReplacer("\n", " ", "\u00a0", " ").Replace(err.Error())
}
