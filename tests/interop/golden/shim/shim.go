// Golden-vector shim for etcd 3.4.23's unexported rafthttp stream codecs.
//
// This file is NOT compiled in place.  tests/interop/golden/regen.sh copies it,
// together with the unmodified etcd files
//
//	go.etcd.io/etcd/etcdserver/api/rafthttp/msgappv2_codec.go
//	go.etcd.io/etcd/etcdserver/api/rafthttp/msg_codec.go
//
// (from the Debian package golang-etcd-server-dev), into a throwaway GOPATH
// package "rafthttpgolden/rafthttpcopy" (package name rafthttp).  The generator
// in ../gen imports that package, so every stream byte in tests/golden/streams.txt
// comes from etcd's own encoder/decoder code.
//
// The two codec files reference two small identifiers that live in etcd's
// stream.go (which drags in the whole HTTP transport), so they are restated
// here.  regen.sh verifies with grep that stream.go still contains exactly
// these definitions before building.
package rafthttp

import (
	"io"

	stats "go.etcd.io/etcd/etcdserver/api/v2stats"
	"go.etcd.io/etcd/pkg/types"
	"go.etcd.io/etcd/raft/raftpb"
)

// Same as stream.go: linkHeartbeatMessage = raftpb.Message{Type: raftpb.MsgHeartbeat}
var linkHeartbeatMessage = raftpb.Message{Type: raftpb.MsgHeartbeat}

// Same as stream.go.
func isLinkHeartbeatMessage(m *raftpb.Message) bool {
	return m.Type == raftpb.MsgHeartbeat && m.From == 0 && m.To == 0
}

// GoldenMsgAppV2Encoder exposes etcd's msgAppV2Encoder.
type GoldenMsgAppV2Encoder struct{ enc *msgAppV2Encoder }

// NewGoldenMsgAppV2Encoder wraps newMsgAppV2Encoder (with a fresh FollowerStats,
// as the stream writer of a peer would have).
func NewGoldenMsgAppV2Encoder(w io.Writer) *GoldenMsgAppV2Encoder {
	return &GoldenMsgAppV2Encoder{enc: newMsgAppV2Encoder(w, &stats.FollowerStats{})}
}

// Encode calls msgAppV2Encoder.encode.
func (e *GoldenMsgAppV2Encoder) Encode(m *raftpb.Message) error { return e.enc.encode(m) }

// GoldenMsgAppV2Decoder exposes etcd's msgAppV2Decoder.
type GoldenMsgAppV2Decoder struct{ dec *msgAppV2Decoder }

// NewGoldenMsgAppV2Decoder wraps newMsgAppV2Decoder(r, local, remote).
func NewGoldenMsgAppV2Decoder(r io.Reader, local, remote uint64) *GoldenMsgAppV2Decoder {
	return &GoldenMsgAppV2Decoder{dec: newMsgAppV2Decoder(r, types.ID(local), types.ID(remote))}
}

// Decode calls msgAppV2Decoder.decode.
func (d *GoldenMsgAppV2Decoder) Decode() (raftpb.Message, error) { return d.dec.decode() }

// GoldenMessageEncoder exposes etcd's messageEncoder.
type GoldenMessageEncoder struct{ enc *messageEncoder }

// NewGoldenMessageEncoder builds a messageEncoder writing to w.
func NewGoldenMessageEncoder(w io.Writer) *GoldenMessageEncoder {
	return &GoldenMessageEncoder{enc: &messageEncoder{w: w}}
}

// Encode calls messageEncoder.encode.
func (e *GoldenMessageEncoder) Encode(m *raftpb.Message) error { return e.enc.encode(m) }

// GoldenMessageDecoder exposes etcd's messageDecoder.
type GoldenMessageDecoder struct{ dec *messageDecoder }

// NewGoldenMessageDecoder builds a messageDecoder reading from r.
func NewGoldenMessageDecoder(r io.Reader) *GoldenMessageDecoder {
	return &GoldenMessageDecoder{dec: &messageDecoder{r: r}}
}

// Decode calls messageDecoder.decode (512 MiB limit, as etcd uses).
func (d *GoldenMessageDecoder) Decode() (raftpb.Message, error) { return d.dec.decode() }
