package golden

import (
	"bytes"
	"fmt"
	"strings"
)

// Options describe one version's generator.
type Options struct {
	Codec Codec
	// NewCluster returns a fresh cluster of the version's RawNodes.
	NewCluster func() Cluster
	// Source names the Go code, for the header ("go.etcd.io/raft/v3 v3.7.0 raftpb, ...").
	Source string
	// File is the output file name ("raftpb-3.7.txt"), Generator the program ("gen-3.7/main.go").
	File, Generator, Flag string
	// Style describes, for the header, which fields the version's Marshal
	// writes (lines without the leading "# ").
	Style []string
	// Extra writes the version's own vectors (after the shared ones, before the traffic).
	Extra func(g *Gen)
	// Traffic names the version's raft for the traffic comment ("raft v3.7.0").
	Raft string
}

// Generate returns the whole vector file for one version.
func Generate(o Options) []byte {
	codec = o.Codec
	c := newCollector("message", "traffic", "entry", "confstate", "snapshot", "hardstate",
		"confchange", "confchangev2", "decode", "reject")
	r := newRng(1)
	g := &Gen{c: c, R: newRng(1000)}

	// The cases of gen/main.go, in its order and with its seeds.
	staticVectors(c, r)
	genDecodes(c, r)
	genRejects(c)

	crossVersion(g)
	if o.Extra != nil {
		o.Extra(g)
	}
	c.comment("==== traffic: every message %s handed to the application to send (clusters A, B, M)", o.Raft)
	mismatches, counts := traffic(g, o.NewCluster)

	var out bytes.Buffer
	out.WriteString(header(o, c.summary(), mismatches, counts))
	out.Write(c.body.Bytes())
	return out.Bytes()
}

// crossVersion: what every etcd version sends that matters to a receiver:
// link heartbeats and message types unknown to older versions.
func crossVersion(g *Gen) {
	g.Comment("==== decode: link heartbeats as each etcd version sends them (rafthttp's Message{Type: MsgHeartbeat})")
	hb := Message{Type: MsgHeartbeat}
	g.Decode("link heartbeat from etcd 3.4/3.5 (30 bytes, empty snapshot always written)", Hand34(&hb))
	g.Decode("link heartbeat from etcd 3.6 (20 bytes: no field 9, field 13 vote=0)", Hand36(&hb, 0))
	g.Decode("link heartbeat from etcd 3.7 (2 bytes: only type)", HandMinimal(&hb))

	g.Comment("==== decode: MessageType values 19..23 (raft v3.6+: MsgStorageAppend, MsgStorageAppendResp, MsgStorageApply, MsgStorageApplyResp, MsgForgetLeader) and 99, in each version's form")
	for _, t := range []MessageType{19, 20, 21, 22, 23, 99} {
		m := Message{Type: t, To: 2, From: 1, Term: 5}
		g.Decode(fmt.Sprintf("type %d (%s), etcd 3.4/3.5 form", t, t), Hand34(&m))
		g.Decode(fmt.Sprintf("type %d (%s), etcd 3.6 form", t, t), Hand36(&m, 0))
		g.Decode(fmt.Sprintf("type %d (%s), etcd 3.7 form", t, t), HandMinimal(&m))
		z := Message{Type: t}
		g.Decode(fmt.Sprintf("type %d (%s) alone", t, t), HandMinimal(&z))
	}
	{
		// What raft v3.6+ builds for MsgStorageAppend (local only, but a
		// receiver may still see one): vote set, entries, a response.
		m := Message{Type: 19, To: 1, From: 1, Term: 5, Commit: 12, Entries: []Entry{{Term: 5, Index: 13, Data: []byte("z")}}}
		resp := Message{Type: MsgAppResp, To: 2, From: 1, Term: 5, Index: 13}
		b := append(Hand36(&m, 1), newPW().lf(14, Hand36(&resp, 0)).bytes()...)
		g.Decode("MsgStorageAppend as etcd 3.6 writes it: vote=1 (field 13), one response (field 14)", b)
	}
}

func header(o Options, summary string, mismatches []string, counts [24]int) string {
	var types []string
	for t, n := range counts {
		if n > 0 {
			types = append(types, fmt.Sprintf("%s=%d", MessageType(t), n))
		}
	}
	var sb strings.Builder
	w := func(s string) {
		if s == "" {
			sb.WriteString("#\n")
		} else {
			sb.WriteString("# " + s + "\n")
		}
	}
	w("rafthttp-cpp golden vectors: raftpb encodings from etcd " + o.Codec.Version() + "'s own Go code")
	w("(" + o.Source + ").")
	w("GENERATED FILE - do not edit.  Regenerate with:  tests/interop/golden/regen.sh --version " + o.Flag + " tests/golden")
	w("Check with:  tests/interop/golden/regen.sh --check --version " + o.Flag + " tests/golden   (generator: tests/interop/golden/" + o.Generator + ")")
	w("")
	w("Same line format as raftpb.txt (etcd 3.4.23), plus the line kind \"traffic\".")
	w("One vector per line, whitespace-separated tokens; lines starting with '#' are comments.")
	w("Token encodings:")
	w("  <hex>    lower-case hex of the bytes, \".\" for zero bytes")
	w("  integers decimal uint64; enum values (type, etype, confchange type, transition) are")
	w("           Go int32 values printed as signed decimal (negative only in some \"decode\" lines)")
	w("  bool     0 / 1")
	w("  bytes    \"-\" when nil/absent, else \"x\" followed by lower-case hex (\"x\" alone = present but empty)")
	w("  lists    \".\" when empty, else comma-separated decimal uint64")
	w("Line kinds (first token):")
	w("  message <hex> <type> <to> <from> <term> <logterm> <index> <commit> <reject> <rejecthint> <context>")
	w("          <snapdata> <snapindex> <snapterm> <voters> <learners> <voters_outgoing> <learners_next>")
	w("          <auto_leave> <nentries> [<etype> <eterm> <eindex> <edata>]*")
	w("  traffic <hex> <message fields as in a message line> [# rule-mismatch: <text>]")
	w("  entry <hex> <etype> <eterm> <eindex> <edata>")
	w("  confstate <hex> <voters> <learners> <voters_outgoing> <learners_next> <auto_leave>")
	w("  snapshot <hex> <snapdata> <snapindex> <snapterm> <voters> <learners> <voters_outgoing> <learners_next> <auto_leave>")
	w("  hardstate <hex> <term> <vote> <commit>")
	w("  confchange <hex> <id> <type> <node_id> <context>")
	w("  confchangev2 <hex> <transition> <changes> <context>    changes: \".\" or comma-separated <type>:<node_id>")
	w("  decode <hex> <message fields as in a message line>")
	w("  reject <hex> # <Go error text>")
	w("For message/entry/confstate/snapshot/hardstate/confchange/confchangev2 lines, <hex> is exactly what")
	w("this version's Go Marshal returned for the described value, built the way this version builds it")
	w("(see \"Wire style\" below); Unmarshal of <hex> gives that value back and the value re-marshals to the")
	w("same bytes - asserted by the generator. An encoder implementing the wire style below must")
	w("reproduce every one of these lines byte for byte.")
	w("\"traffic\" lines are messages raft itself built: every message of Ready.Messages (all addressed")
	w("to another node) of the RawNodes of " + o.Raft + " in in-memory clusters")
	w("(MemoryStorage, PreVote and CheckQuorum on, ElectionTick 10, HeartbeatTick 1, ReadOnlySafe):")
	w("  A: 3 voters - elections, proposals, forwarded MsgProp, ReadIndex at the leader and at followers,")
	w("     append rejections, compaction and MsgSnap, leader transfers incl. a forwarded")
	w("     MsgTransferLeader, a stale-term heartbeat, pre-vote and vote rejections, a divergent log;")
	w("  B: 3 voters, then a voter and a learner join (the learner through MsgSnap), the learner is")
	w("     promoted, a conf change is refused while another is pending, a voter is removed, joint")
	w("     consensus with ConfChangeV2 (left automatically and explicitly), a leader transfer;")
	w("  M: mixed versions - the leader receives a MsgProp and a MsgReadIndex encoded the way etcd")
	w("     3.4/3.5 and 3.6 encode them (as from a follower of an older version during an upgrade).")
	w("<hex> is the version's Marshal of the message exactly as raft built it, the fields are its")
	w("values. Identical lines are written once. When the wire style below does NOT reproduce raft's")
	w("bytes from the values, the line ends with \"# rule-mismatch: <which fields differ> (rule bytes")
	w("<hex>)\", and the comment line just before it reads \"# rule-mismatch: <type>: <which fields")
	w("differ>\" (the line after it repeats the step comment with \" (continued)\"). Every other traffic")
	w("line is reproduced by the rule.")
	w("A comment \"traffic <cluster>: <step>\" starts each scenario step. After each traffic MsgSnap comes a")
	w("\"message\" line: the MsgSnap as the etcd server of this version really sends it")
	w("(createMergedSnapshotMessage replaces raft's snapshot; see the comment before it).")
	w("\"decode\" lines are inputs this version's Marshal does not produce (other versions' forms, shuffled")
	w("order, packed lists, duplicated and unknown fields, non-minimal varints, ...) that its Unmarshal")
	w("accepts; the fields are what it yields (getters: an absent field reads as zero / nil). The comment")
	w("before the line describes the input; \"[...]\" at its end notes what Go decoded beyond the fields")
	w("(unknown fields it keeps, field 13 vote, field 14 responses) and whether Go 3.4.23 treats the")
	w("input differently (the inputs of the shared sections are those of raftpb.txt).")
	w("\"reject\" lines are inputs this version's Unmarshal rejects; the text after '#' is its error")
	w("(\"panic: ...\" = Go panicked instead of returning an error).")
	w("")
	w("Wire style of this version (which fields its Marshal writes):")
	for _, l := range o.Style {
		w("  " + l)
	}
	w("")
	w("Counts: " + summary)
	w("Traffic lines per message type: " + strings.Join(types, " "))
	if len(mismatches) == 0 {
		w("Rule mismatches in traffic: none (the wire style reproduces every message raft built)")
	} else {
		w(fmt.Sprintf("Rule mismatches in traffic: %d kind(s):", len(mismatches)))
		for _, m := range mismatches {
			w("  " + m)
		}
	}
	w("")
	return sb.String()
}
