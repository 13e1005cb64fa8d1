//go:build etcd35

package main

// Adapter for etcd 3.5 (go.etcd.io/etcd/server/v3 from the module proxy; its
// raftpb is go.etcd.io/etcd/raft/v3's, with the 3.4 layout and encoding).

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
	"go.etcd.io/etcd/raft/v3"
	"go.etcd.io/etcd/raft/v3/raftpb"
	"go.etcd.io/etcd/server/v3/etcdserver/api/rafthttp"
	"go.etcd.io/etcd/server/v3/etcdserver/api/snap"
	stats "go.etcd.io/etcd/server/v3/etcdserver/api/v2stats"
	"go.uber.org/zap"
)

var etcdVersion = version.Version

// etcd 3.5's TLSInfo has AllowedCNs and AllowedHostnames lists.
const allowListsSupported = true

var (
	raftStreamPrefix   = rafthttp.RaftStreamPrefix
	raftSnapshotPrefix = rafthttp.RaftSnapshotPrefix
)

// The release's own raftpb has the 3.4 layout (layout34.go).
type (
	pb34Message     = raftpb.Message
	pb34Entry       = raftpb.Entry
	pb34MessageType = raftpb.MessageType
	pb34EntryType   = raftpb.EntryType
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

// encodeBoth: etcd 3.5's own encoding is the 3.4 one.
func encodeBoth(m *message) (digest, wire []byte) {
	b := encodeDigest(m)
	return b, b
}

// wireSize: etcd 3.5's own encoding is the 3.4 one.
func wireSize(_ *message, digest []byte) int { return len(digest) }

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
	n := fromPB34(&m)
	return p.rec.process(&n, encodeDigest(&n), m.Size())
}

func (p raftPolicy) IsIDRemoved(id uint64) bool  { return p.rec.isIDRemoved(id) }
func (p raftPolicy) ReportUnreachable(id uint64) { p.rec.reportUnreachable(id) }
func (p raftPolicy) ReportSnapshot(id uint64, status raft.SnapshotStatus) {
	p.rec.reportSnapshot(id, status == raft.SnapshotFinish)
}

type transport35 struct{ tr *rafthttp.Transport }

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
	return transport35{tr}, nil
}

func (t transport35) Send(m *message) { t.tr.Send([]raftpb.Message{*toPB34(m)}) }

func (t transport35) SendSnapshot(m *message, body io.ReadCloser, size int64) (<-chan bool, int64) {
	merged := snap.NewMessage(*toPB34(m), body, size)
	t.tr.SendSnapshot(*merged)
	return merged.CloseNotify(), merged.TotalSize
}

func (t transport35) ActiveSince(id memberID) time.Time  { return t.tr.ActiveSince(types.ID(id)) }
func (t transport35) AddPeer(id memberID, urls []string) { t.tr.AddPeer(types.ID(id), urls) }
func (t transport35) AddRemote(id memberID, urls []string) {
	t.tr.AddRemote(types.ID(id), urls)
}
func (t transport35) Handler() http.Handler { return t.tr.Handler() }
func (t transport35) Stop()                 { t.tr.Stop() }
