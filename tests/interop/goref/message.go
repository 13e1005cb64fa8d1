package main

// The neutral raft message the shared code works on, and the contract of the
// per-version adapters. Exactly one adapter file is compiled into a binary,
// selected by a build tag (etcd34.go, etcd35.go, etcd36.go, etcd37.go); it
// imports that etcd release's rafthttp and raftpb and provides:
//
//	etcdVersion          the release linked in (etcd's own version.Version)
//	allowListsSupported  --allowed-cn / --allowed-hostname may be repeated
//	raftStreamPrefix, raftSnapshotPrefix   rafthttp's paths
//	messageTypeByName(name) (msgType, bool), messageTypeName(msgType) string
//	newURLs([]string) ([]url.URL, error)   etcd's URL-list rules (types.NewURLs)
//	newListener(url.URL, *tlsFlags, *zap.Logger) (net.Listener, error)
//	startTransport(*transportConfig) (etcdTransport, error)
//	encodeDigest(*message) []byte          the etcd 3.4 encoding (digests, sizes)
//	encodeBoth(*message) (digest, wire []byte)  the 3.4 encoding and the bytes
//	                                       this release's own Marshal produces
//	wireSize(*message, digest []byte) int  the size of those bytes, without
//	                                       making them (digest: the 3.4 encoding)
//
// The adapter converts messages both ways: what rafthttp hands to Process
// becomes a *message for the recorder, and a *message given to Send is built
// as that release's raft would build it.

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"go.uber.org/zap"
)

// memberID is a member or cluster id; printed and parsed as etcd's types.ID
// (lower-case hex without leading zeros; strconv base 16).
type memberID uint64

func (id memberID) String() string { return strconv.FormatUint(uint64(id), 16) }

func parseMemberID(s string) (memberID, error) {
	v, err := strconv.ParseUint(s, 16, 64)
	return memberID(v), err
}

// msgType is raftpb.MessageType. The numbers are part of the wire protocol and
// the same in every release; checkMessageTypes verifies them against the
// adapter's enum at start-up.
type msgType int32

const (
	msgProp          msgType = 2
	msgApp           msgType = 3
	msgAppResp       msgType = 4
	msgVote          msgType = 5
	msgVoteResp      msgType = 6
	msgSnap          msgType = 7
	msgHeartbeat     msgType = 8
	msgHeartbeatResp msgType = 9
	msgReadIndex     msgType = 15
	msgReadIndexResp msgType = 16
	msgPreVote       msgType = 17
	msgPreVoteResp   msgType = 18
)

// String is etcd's name of the type (the linked release's enum).
func (t msgType) String() string { return messageTypeName(t) }

func checkMessageTypes() error {
	for _, k := range []struct {
		t    msgType
		name string
	}{{msgProp, "MsgProp"}, {msgApp, "MsgApp"}, {msgAppResp, "MsgAppResp"}, {msgVote, "MsgVote"},
		{msgVoteResp, "MsgVoteResp"}, {msgSnap, "MsgSnap"}, {msgHeartbeat, "MsgHeartbeat"},
		{msgHeartbeatResp, "MsgHeartbeatResp"}, {msgReadIndex, "MsgReadIndex"},
		{msgReadIndexResp, "MsgReadIndexResp"}, {msgPreVote, "MsgPreVote"}, {msgPreVoteResp, "MsgPreVoteResp"}} {
		if v, ok := messageTypeByName(k.name); !ok || v != k.t {
			return fmt.Errorf("internal error: raftpb.%s is not %d in etcd %s", k.name, k.t, etcdVersion)
		}
	}
	return nil
}

const entryNormal int32 = 0 // raftpb.EntryNormal

// entry is raftpb.Entry. A nil Data is an absent field, a non-nil empty one is
// present (the encodings keep the difference).
type entry struct {
	Term  uint64
	Index uint64
	Type  int32
	Data  []byte
}

type confState struct {
	Voters         []uint64
	Learners       []uint64
	VotersOutgoing []uint64
	LearnersNext   []uint64
	AutoLeave      bool
}

type snapshot struct {
	Data      []byte // nil: absent
	ConfState confState
	Index     uint64
	Term      uint64
}

func (s *snapshot) isZero() bool {
	c := &s.ConfState
	return s.Data == nil && s.Index == 0 && s.Term == 0 && len(c.Voters) == 0 && len(c.Learners) == 0 &&
		len(c.VotersOutgoing) == 0 && len(c.LearnersNext) == 0 && !c.AutoLeave
}

// message is raftpb.Message with the fields etcd 3.4 knows (3.6's vote and
// responses are never part of a message between members). Snapshot is nil when
// the message carries none: 3.4 and 3.5 always encode one (empty), 3.6 and 3.7
// only when it is set.
type message struct {
	Type       msgType
	To         uint64
	From       uint64
	Term       uint64
	LogTerm    uint64
	Index      uint64
	Entries    []entry
	Commit     uint64
	Snapshot   *snapshot
	Reject     bool
	RejectHint uint64
	Context    []byte // nil: absent
}

// snapshotOrZero is the snapshot, or a zero one (how 3.4 and 3.5 see a
// message without).
func (m *message) snapshotOrZero() *snapshot {
	if m.Snapshot != nil {
		return m.Snapshot
	}
	return &snapshot{}
}

// tlsFlags are the TLS flags (named like etcd's --peer-* flags).
type tlsFlags struct {
	certFile         string
	keyFile          string
	trustedCAFile    string
	clientCertAuth   bool
	allowedCNs       []string
	allowedHostnames []string
	crlFile          string
}

// transportConfig is what startTransport needs to build a rafthttp.Transport.
type transportConfig struct {
	logger    *zap.Logger
	id        memberID
	clusterID memberID
	listen    url.URL
	tls       *tlsFlags
	rec       *recorder
	snapDir   string
	errorC    chan error
}

// etcdTransport is one rafthttp.Transport, seen through the adapter.
type etcdTransport interface {
	// Send hands one message to Transport.Send.
	Send(m *message)
	// SendSnapshot builds etcd's snap.Message (the message and a DB body of
	// size bytes) and hands it to Transport.SendSnapshot. done yields the
	// outcome (true: finish); totalSize is snap.Message.TotalSize, etcd's
	// count of the bytes sent (this release's encoding + the body).
	SendSnapshot(m *message, body io.ReadCloser, size int64) (done <-chan bool, totalSize int64)
	ActiveSince(id memberID) time.Time
	AddPeer(id memberID, urls []string)
	AddRemote(id memberID, urls []string)
	Handler() http.Handler
	Stop()
}
