//go:build etcd37

package main

// Adapter for etcd 3.7 (go.etcd.io/etcd/server/v3 from the module proxy, with
// go.etcd.io/raft/v3 v3.7). Its raftpb is google.golang.org/protobuf proto2
// with field presence: every scalar is a pointer and is encoded only when set,
// so the wire bytes depend on which fields the sender sets (toPB37).

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"go.etcd.io/etcd/api/v3/version"
	"go.etcd.io/etcd/client/pkg/v3/transport"
	"go.etcd.io/etcd/client/pkg/v3/types"
	"go.etcd.io/etcd/pkg/v3/pbutil"
	"go.etcd.io/etcd/server/v3/etcdserver/api/rafthttp"
	"go.etcd.io/etcd/server/v3/etcdserver/api/snap"
	stats "go.etcd.io/etcd/server/v3/etcdserver/api/v2stats"
	"go.etcd.io/raft/v3"
	"go.etcd.io/raft/v3/raftpb"
	"go.uber.org/zap"
	"google.golang.org/protobuf/proto"
)

var etcdVersion = version.Version

// etcd 3.7's TLSInfo has AllowedCNs and AllowedHostnames lists.
const allowListsSupported = true

var (
	raftStreamPrefix   = rafthttp.RaftStreamPrefix
	raftSnapshotPrefix = rafthttp.RaftSnapshotPrefix
)

func messageTypeByName(name string) (msgType, bool) {
	v, ok := raftpb.MessageType_value[name]
	return msgType(v), ok
}

func messageTypeName(t msgType) string { return raftpb.MessageType(t).String() }

func newURLs(s []string) ([]url.URL, error) {
	us, err := types.NewURLs(s)
	return []url.URL(us), err
}

// optional returns v as a set field when always is true or v is not zero.
func optional(v uint64, always bool) *uint64 {
	if always || v != 0 {
		return proto.Uint64(v)
	}
	return nil
}

// toPB37 builds m with its fields set the way raft v3.7.0 sets them when it
// sends a message of that type (raft.go: send, maybeSendAppend, sendHeartbeat,
// campaign, Step's vote answers, handleAppendEntries, handleHeartbeat,
// handleSnapshot, responseToReadIndexReq, sendTimeoutNow, the follower's
// forwarding of MsgProp/MsgReadIndex/MsgTransferLeader; etcd's
// createMergedSnapshotMessage for the snapshot):
//   - type, to and from always (send() sets From when it is unset);
//   - term always, except MsgProp and MsgReadIndex, which send() leaves
//     without one (set there only when non-zero, which raft never sends);
//   - index always for MsgApp, MsgAppResp, MsgVote, MsgPreVote,
//     MsgReadIndexResp; logTerm always for MsgApp, MsgVote, MsgPreVote and a
//     rejected MsgAppResp; commit always for MsgApp and MsgHeartbeat;
//     rejectHint always for a rejected MsgAppResp; reject only when true;
//     any other of these only when non-zero;
//   - context and entry data when present (nil and empty differ);
//   - entries: type, term, index only when non-zero (a proposal's entry has
//     no type; raft gives log entries their term and index);
//   - the snapshot for MsgSnap: data when present, metadata with conf_state,
//     index and term always, conf_state.auto_leave always (raft's
//     ConfState() sets it), the id lists as they are.
func toPB37(m *message) *raftpb.Message {
	t := m.Type
	rejectedAppResp := t == msgAppResp && m.Reject
	out := &raftpb.Message{
		Type:       raftpb.MessageType(t).Enum(),
		To:         proto.Uint64(m.To),
		From:       proto.Uint64(m.From),
		Term:       optional(m.Term, t != msgProp && t != msgReadIndex),
		Index:      optional(m.Index, t == msgApp || t == msgAppResp || t == msgVote || t == msgPreVote || t == msgReadIndexResp),
		LogTerm:    optional(m.LogTerm, t == msgApp || t == msgVote || t == msgPreVote || rejectedAppResp),
		Commit:     optional(m.Commit, t == msgApp || t == msgHeartbeat),
		RejectHint: optional(m.RejectHint, rejectedAppResp),
		Context:    m.Context,
	}
	if m.Reject {
		out.Reject = proto.Bool(true)
	}
	if len(m.Entries) > 0 {
		out.Entries = make([]*raftpb.Entry, len(m.Entries))
		for i := range m.Entries {
			e := &m.Entries[i]
			pe := &raftpb.Entry{Term: optional(e.Term, false), Index: optional(e.Index, false), Data: e.Data}
			if e.Type != 0 {
				pe.Type = raftpb.EntryType(e.Type).Enum()
			}
			out.Entries[i] = pe
		}
	}
	if t == msgSnap {
		s := m.snapshotOrZero()
		out.Snapshot = &raftpb.Snapshot{
			Data: s.Data,
			Metadata: &raftpb.SnapshotMetadata{
				ConfState: &raftpb.ConfState{
					Voters:         s.ConfState.Voters,
					Learners:       s.ConfState.Learners,
					VotersOutgoing: s.ConfState.VotersOutgoing,
					LearnersNext:   s.ConfState.LearnersNext,
					AutoLeave:      proto.Bool(s.ConfState.AutoLeave),
				},
				Index: proto.Uint64(s.Index),
				Term:  proto.Uint64(s.Term),
			},
		}
	}
	return out
}

func fromPB37(m *raftpb.Message) message {
	out := message{
		Type:       msgType(m.GetType()),
		To:         m.GetTo(),
		From:       m.GetFrom(),
		Term:       m.GetTerm(),
		LogTerm:    m.GetLogTerm(),
		Index:      m.GetIndex(),
		Commit:     m.GetCommit(),
		Reject:     m.GetReject(),
		RejectHint: m.GetRejectHint(),
		Context:    m.GetContext(),
	}
	if es := m.GetEntries(); len(es) > 0 {
		out.Entries = make([]entry, len(es))
		for i, e := range es {
			out.Entries[i] = entry{Term: e.GetTerm(), Index: e.GetIndex(), Type: int32(e.GetType()), Data: e.GetData()}
		}
	}
	if s := m.GetSnapshot(); s != nil {
		md := s.GetMetadata()
		cs := md.GetConfState()
		out.Snapshot = &snapshot{
			Data: s.GetData(),
			ConfState: confState{
				Voters:         cs.GetVoters(),
				Learners:       cs.GetLearners(),
				VotersOutgoing: cs.GetVotersOutgoing(),
				LearnersNext:   cs.GetLearnersNext(),
				AutoLeave:      cs.GetAutoLeave(),
			},
			Index: md.GetIndex(),
			Term:  md.GetTerm(),
		}
	}
	return out
}

// encodeBoth: the wire bytes are what rafthttp writes
// (pbutil.MustMarshalMessage, i.e. proto.Marshal).
func encodeBoth(m *message) (digest, wire []byte) {
	return encodeDigest(m), pbutil.MustMarshalMessage(toPB37(m))
}

// wireSize: the size of what pbutil.MustMarshalMessage writes.
func wireSize(m *message, _ []byte) int { return proto.Size(toPB37(m)) }

func tlsInfo(t *tlsFlags, lg *zap.Logger) transport.TLSInfo {
	return transport.TLSInfo{
		CertFile:         t.certFile,
		KeyFile:          t.keyFile,
		TrustedCAFile:    t.trustedCAFile,
		ClientCertAuth:   t.clientCertAuth,
		CRLFile:          t.crlFile,
		AllowedCNs:       t.allowedCNs,
		AllowedHostnames: t.allowedHostnames,
		Logger:           lg,
	}
}

func newListener(u url.URL, t *tlsFlags, lg *zap.Logger) (net.Listener, error) {
	info := tlsInfo(t, lg)
	return rafthttp.NewListener(u, &info)
}

// raftPolicy is the rafthttp.Raft handed to the transport.
type raftPolicy struct{ rec *recorder }

func (p raftPolicy) Process(ctx context.Context, m *raftpb.Message) error {
	n := fromPB37(m)
	return p.rec.process(&n, encodeDigest(&n), proto.Size(m))
}

func (p raftPolicy) IsIDRemoved(id uint64) bool  { return p.rec.isIDRemoved(id) }
func (p raftPolicy) ReportUnreachable(id uint64) { p.rec.reportUnreachable(id) }
func (p raftPolicy) ReportSnapshot(id uint64, status raft.SnapshotStatus) {
	p.rec.reportSnapshot(id, status == raft.SnapshotFinish)
}

type transport37 struct{ tr *rafthttp.Transport }

func startTransport(c *transportConfig) (etcdTransport, error) {
	tr := &rafthttp.Transport{
		Logger:      c.logger,
		DialTimeout: dialTimeout,
		TLSInfo:     tlsInfo(c.tls, c.logger),
		ID:          types.ID(c.id),
		URLs:        types.URLs{c.listen},
		ClusterID:   types.ID(c.clusterID),
		Raft:        raftPolicy{c.rec},
		Snapshotter: snap.New(c.logger, c.snapDir),
		ServerStats: stats.NewServerStats("", c.id.String()),
		LeaderStats: stats.NewLeaderStats(c.logger, c.id.String()),
		ErrorC:      c.errorC,
	}
	if err := tr.Start(); err != nil {
		return nil, err
	}
	return transport37{tr}, nil
}

func (t transport37) Send(m *message) { t.tr.Send([]*raftpb.Message{toPB37(m)}) }

func (t transport37) SendSnapshot(m *message, body io.ReadCloser, size int64) (<-chan bool, int64) {
	merged := snap.NewMessage(toPB37(m), body, size)
	t.tr.SendSnapshot(merged)
	return merged.CloseNotify(), merged.TotalSize
}

func (t transport37) ActiveSince(id memberID) time.Time  { return t.tr.ActiveSince(types.ID(id)) }
func (t transport37) AddPeer(id memberID, urls []string) { t.tr.AddPeer(types.ID(id), urls) }
func (t transport37) AddRemote(id memberID, urls []string) {
	t.tr.AddRemote(types.ID(id), urls)
}
func (t transport37) Handler() http.Handler { return t.tr.Handler() }
func (t transport37) Stop()                 { t.tr.Stop() }
