//go:build etcd36

package main

// Adapter for etcd 3.6 (go.etcd.io/etcd/server/v3 from the module proxy, with
// go.etcd.io/raft/v3 v3.6). Its raftpb is still gogoproto with value fields,
// but Message has a snapshot pointer (encoded only when set: raft sets it for
// MsgSnap) and field 13 `vote`, which gogo always encodes.

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
)

var etcdVersion = version.Version

// etcd 3.6's TLSInfo has AllowedCNs and AllowedHostnames lists.
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

func toPB36(m *message) *raftpb.Message {
	out := &raftpb.Message{
		Type:       raftpb.MessageType(m.Type),
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
		out.Entries = make([]raftpb.Entry, len(m.Entries))
		for i := range m.Entries {
			e := &m.Entries[i]
			out.Entries[i] = raftpb.Entry{Term: e.Term, Index: e.Index, Type: raftpb.EntryType(e.Type), Data: e.Data}
		}
	}
	if s := m.Snapshot; s != nil {
		out.Snapshot = &raftpb.Snapshot{
			Data: s.Data,
			Metadata: raftpb.SnapshotMetadata{
				ConfState: raftpb.ConfState{
					Voters:         s.ConfState.Voters,
					Learners:       s.ConfState.Learners,
					VotersOutgoing: s.ConfState.VotersOutgoing,
					LearnersNext:   s.ConfState.LearnersNext,
					AutoLeave:      s.ConfState.AutoLeave,
				},
				Index: s.Index,
				Term:  s.Term,
			},
		}
	}
	return out
}

func fromPB36(m *raftpb.Message) message {
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
	if s := m.Snapshot; s != nil {
		md := &s.Metadata
		out.Snapshot = &snapshot{
			Data: s.Data,
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
	}
	return out
}

// encodeBoth: the wire bytes are what rafthttp writes (pbutil.MustMarshal,
// the message's gogo Marshal).
func encodeBoth(m *message) (digest, wire []byte) {
	return encodeDigest(m), pbutil.MustMarshal(toPB36(m))
}

// wireSize: the size of what pbutil.MustMarshal writes.
func wireSize(m *message, _ []byte) int { return toPB36(m).Size() }

func tlsInfo(t *tlsFlags, lg *zap.Logger) transport.TLSInfo {
	info := transport.TLSInfo{
		CertFile:       t.certFile,
		KeyFile:        t.keyFile,
		TrustedCAFile:  t.trustedCAFile,
		ClientCertAuth: t.clientCertAuth,
		CRLFile:        t.crlFile,
		Logger:         lg,
	}
	info.AllowedCNs = t.allowedCNs
	info.AllowedHostnames = t.allowedHostnames
	return info
}

func newListener(u url.URL, t *tlsFlags, lg *zap.Logger) (net.Listener, error) {
	info := tlsInfo(t, lg)
	return rafthttp.NewListener(u, &info)
}

// raftPolicy is the rafthttp.Raft handed to the transport.
type raftPolicy struct{ rec *recorder }

func (p raftPolicy) Process(ctx context.Context, m raftpb.Message) error {
	n := fromPB36(&m)
	return p.rec.process(&n, encodeDigest(&n), m.Size())
}

func (p raftPolicy) IsIDRemoved(id uint64) bool  { return p.rec.isIDRemoved(id) }
func (p raftPolicy) ReportUnreachable(id uint64) { p.rec.reportUnreachable(id) }
func (p raftPolicy) ReportSnapshot(id uint64, status raft.SnapshotStatus) {
	p.rec.reportSnapshot(id, status == raft.SnapshotFinish)
}

type transport36 struct{ tr *rafthttp.Transport }

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
	return transport36{tr}, nil
}

func (t transport36) Send(m *message) { t.tr.Send([]raftpb.Message{*toPB36(m)}) }

func (t transport36) SendSnapshot(m *message, body io.ReadCloser, size int64) (<-chan bool, int64) {
	merged := snap.NewMessage(*toPB36(m), body, size)
	t.tr.SendSnapshot(*merged)
	return merged.CloseNotify(), merged.TotalSize
}

func (t transport36) ActiveSince(id memberID) time.Time  { return t.tr.ActiveSince(types.ID(id)) }
func (t transport36) AddPeer(id memberID, urls []string) { t.tr.AddPeer(types.ID(id), urls) }
func (t transport36) AddRemote(id memberID, urls []string) {
	t.tr.AddRemote(types.ID(id), urls)
}
func (t transport36) Handler() http.Handler { return t.tr.Handler() }
func (t transport36) Stop()                 { t.tr.Stop() }
