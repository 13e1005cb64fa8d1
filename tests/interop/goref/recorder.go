package main

// The recording Raft policy handed to rafthttp.Transport (through the
// adapter, which converts each message and computes its etcd 3.4 encoding).

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// removedMemberError is returned by Process for messages from a removed member.
// Its method set matches rafthttp's unexported writerToResponse interface
// (WriteTo(http.ResponseWriter) with no result), so the pipeline and snapshot
// handlers let it write the response: 403, the status rafthttp clients map to
// "member removed".
type removedMemberError struct{ from memberID }

func (e removedMemberError) Error() string {
	return "cannot process message from removed member " + e.from.String()
}

func (e removedMemberError) WriteTo(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	io.WriteString(w, `{"message":"cannot process message from removed member"}`)
}

type snapshotRecord struct {
	From     string `json:"from"`
	Index    uint64 `json:"index"`
	Term     uint64 `json:"term"`
	DBSize   int64  `json:"db_size"`
	DBSha256 string `json:"db_sha256"`
	DBCheck  string `json:"db_check64"`
	DBPath   string `json:"db_path"`
}

type reportSnapshotRecord struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// messageHook runs inside Process for every accepted message, after it has
// been recorded, with its arrival time. Used for echo replies and for
// matching acks.
type messageHook func(m *message, arrival time.Time)

// recorder is the Raft policy: Process records every message synchronously
// (a queue handing the hashing to another goroutine was tried and cost more
// CPU on a small machine), so the record order is the arrival order.
type recorder struct {
	self      memberID
	removed   map[uint64]bool
	snapDir   string
	snapTrack *snapshotPostTracker
	hook      messageHook
	cheap     bool // --digest cheap: check64 instead of SHA-256

	// The saved DBs are described (read back and digested) by goroutines of
	// their own, off the snapshot POST's path: summary waits for them.
	describing sync.WaitGroup

	logFile *os.File
	log     *bufio.Writer

	mu               sync.Mutex
	frozen           bool
	messages         uint64
	byType           map[string]uint64
	entries          uint64
	entryBytes       uint64
	messageBytes     uint64
	wireMessageBytes uint64
	first, last      time.Time // accepted messages
	lastAny          time.Time // any message reaching Process, rejected ones included
	senders          map[uint64]*messageDigest
	snapshots        []*snapshotRecord
	rejected         map[uint64]uint64
	unreachable      map[uint64]uint64
	reportSnap       []reportSnapshotRecord
	echoReplies      uint64

	unreachableTotal uint64 // atomic
	arrived          chan struct{}

	// Drop detection for the send loop: rafthttp reports a full send queue by
	// calling ReportUnreachable synchronously inside Transport.Send, on the
	// caller's goroutine. The send loop registers its goroutine id here.
	senderGoroutine int64 // atomic; 0 = none
	dropSeen        int32 // atomic
}

func newRecorder(self memberID, removed []uint64, snapDir string, track *snapshotPostTracker, cheap bool) *recorder {
	r := &recorder{
		self:        self,
		cheap:       cheap,
		removed:     map[uint64]bool{},
		snapDir:     snapDir,
		snapTrack:   track,
		byType:      map[string]uint64{},
		senders:     map[uint64]*messageDigest{},
		rejected:    map[uint64]uint64{},
		unreachable: map[uint64]uint64{},
		arrived:     make(chan struct{}, 1),
	}
	for _, id := range removed {
		r.removed[id] = true
	}
	return r
}

func (r *recorder) openLog(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	r.logFile = f
	r.log = bufio.NewWriterSize(f, 1<<16)
	return nil
}

// process is rafthttp.Raft's Process: the adapter passes the converted message,
// its etcd 3.4 encoding (what the digests and sizes are defined over) and the
// Size() of the message as this release decoded it (what etcd's received-bytes
// metric counts: wire_message_bytes).
func (r *recorder) process(m *message, encoding []byte, wireSize int) error {
	arrival := time.Now()
	removed := r.removed[m.From]
	// SHA-256 of the encoding for --digest full and for the log line's h=
	// (check64, for --digest cheap, is the digest's own).
	var sum *[sha256.Size]byte
	if !r.cheap || r.log != nil {
		s := sha256.Sum256(encoding)
		sum = &s
	}

	var snapshot *snapshotRecord
	// The snapshot handler calls Process inside the POST, after the DB is saved.
	if !removed && m.Type == msgSnap && r.snapTrack.inFlightFrom(m.From) {
		snapshot = r.savedDB(m)
	}
	var line []byte
	if r.log != nil {
		line = logLine(m, sum, removed)
	}

	r.mu.Lock()
	recorded := !r.frozen
	if recorded {
		r.record(m, encoding, wireSize, sum, arrival, removed, snapshot, line)
		if snapshot != nil {
			// Before freeze (under r.mu), so summary's Wait covers it.
			r.describing.Add(1)
			go r.describeSavedDB(snapshot)
		}
	}
	r.mu.Unlock()

	if removed {
		return removedMemberError{memberID(m.From)}
	}
	if recorded {
		select {
		case r.arrived <- struct{}{}:
		default:
		}
		if r.hook != nil {
			r.hook(m, arrival)
		}
	}
	return nil
}

// record updates the record; r.mu is held.
func (r *recorder) record(m *message, encoding []byte, wireSize int, sum *[sha256.Size]byte,
	arrival time.Time, removed bool, snapshot *snapshotRecord, line []byte) {
	if line != nil {
		r.log.Write(line)
	}
	r.lastAny = arrival
	if removed {
		r.rejected[m.From]++
		return
	}
	r.messages++
	r.byType[m.Type.String()]++
	r.entries += uint64(len(m.Entries))
	for i := range m.Entries {
		r.entryBytes += uint64(len(m.Entries[i].Data))
	}
	r.messageBytes += uint64(len(encoding))
	r.wireMessageBytes += uint64(wireSize)
	if r.first.IsZero() {
		r.first = arrival
	}
	r.last = arrival
	d := r.senders[m.From]
	if d == nil {
		d = newMessageDigest(r.cheap)
		r.senders[m.From] = d
	}
	d.add(encoding, sum)
	if snapshot != nil {
		r.snapshots = append(r.snapshots, snapshot)
	}
}

// savedDB is the record of the DB the snapshot handler saved for m (it calls
// Process only after the file is durable under its final name), to be
// described by describeSavedDB.
func (r *recorder) savedDB(m *message) *snapshotRecord {
	snap := m.snapshotOrZero()
	return &snapshotRecord{
		From:   memberID(m.From).String(),
		Index:  snap.Index,
		Term:   snap.Term,
		DBPath: filepath.Join(r.snapDir, fmt.Sprintf("%016x.snap.db", snap.Index)),
		DBSize: -1,
	}
}

// describeSavedDB reads the saved file back and fills in its size and digest;
// it runs in a goroutine of its own, so that the POST's answer (the sender's
// clock) does not wait for it, as the C++ peer does it in a thread.
func (r *recorder) describeSavedDB(rec *snapshotRecord) {
	defer r.describing.Done()
	f, err := os.Open(rec.DBPath)
	if err != nil {
		warnf("cannot read received snapshot DB %s: %v", rec.DBPath, err)
		return
	}
	defer f.Close()
	size, shaHex, checkHex, err := describeBody(f, r.cheap)
	if err != nil {
		warnf("cannot read received snapshot DB %s: %v", rec.DBPath, err)
		return
	}
	rec.DBSize, rec.DBSha256, rec.DBCheck = size, shaHex, checkHex
}

// logLine formats the --log line of doc/peer-cli.md 8.
func logLine(m *message, sum *[sha256.Size]byte, removed bool) []byte {
	b := make([]byte, 0, 160)
	b = append(b, m.Type.String()...)
	b = append(b, " from="...)
	b = strconv.AppendUint(b, m.From, 16)
	b = append(b, " to="...)
	b = strconv.AppendUint(b, m.To, 16)
	b = appendField(b, " term=", m.Term)
	b = appendField(b, " index=", m.Index)
	b = appendField(b, " logterm=", m.LogTerm)
	b = appendField(b, " commit=", m.Commit)
	b = appendField(b, " nent=", uint64(len(m.Entries)))
	b = append(b, " esizes="...)
	if len(m.Entries) == 0 {
		b = append(b, '-')
	}
	for i := range m.Entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, int64(len(m.Entries[i].Data)), 10)
	}
	b = append(b, " reject="...)
	b = strconv.AppendBool(b, m.Reject)
	b = appendField(b, " rejecthint=", m.RejectHint)
	if len(m.Context) > 0 {
		b = append(b, " ctx="...)
		b = append(b, hex.EncodeToString(m.Context)...)
	}
	if m.Type == msgSnap {
		snap := m.snapshotOrZero()
		b = appendField(b, " snap_index=", snap.Index)
		b = appendField(b, " snap_term=", snap.Term)
		b = appendField(b, " snap_data=", uint64(len(snap.Data)))
	}
	b = append(b, " h="...)
	b = append(b, hex.EncodeToString(sum[:8])...)
	if removed {
		b = append(b, " REJECTED-REMOVED"...)
	}
	return append(b, '\n')
}

func appendField(b []byte, name string, v uint64) []byte {
	return strconv.AppendUint(append(b, name...), v, 10)
}

// isIDRemoved is rafthttp.Raft's IsIDRemoved.
func (r *recorder) isIDRemoved(id uint64) bool { return r.removed[id] }

// reportUnreachable is rafthttp.Raft's ReportUnreachable.
func (r *recorder) reportUnreachable(id uint64) {
	atomic.AddUint64(&r.unreachableTotal, 1)
	if g := atomic.LoadInt64(&r.senderGoroutine); g != 0 && currentGoroutineID() == g {
		atomic.StoreInt32(&r.dropSeen, 1)
	}
	r.mu.Lock()
	r.unreachable[id]++
	r.mu.Unlock()
}

// reportSnapshot is rafthttp.Raft's ReportSnapshot (finish: raft.SnapshotFinish).
func (r *recorder) reportSnapshot(id uint64, finish bool) {
	s := "failure"
	if finish {
		s = "finish"
	}
	r.mu.Lock()
	r.reportSnap = append(r.reportSnap, reportSnapshotRecord{ID: memberID(id).String(), Status: s})
	r.mu.Unlock()
}

func (r *recorder) countEchoReply() {
	r.mu.Lock()
	r.echoReplies++
	r.mu.Unlock()
}

// progress returns the number of accepted messages and the arrival time of the
// latest message that reached Process (accepted or rejected).
func (r *recorder) progress() (uint64, time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.messages, r.lastAny
}

// freeze stops recording (later messages are still answered but neither
// recorded nor echoed) and flushes the log, so that the JSON and the log agree.
func (r *recorder) freeze() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.frozen = true
	if r.log != nil {
		r.log.Flush()
		r.logFile.Close()
	}
}

type senderJSON struct {
	Messages uint64 `json:"messages"`
	digestJSON
}

// identityJSON holds the first keys of every JSON object (doc/peer-cli.md 9.1).
type identityJSON struct {
	Mode        string `json:"mode"`
	EtcdVersion string `json:"etcd_version"`
	Digest      string `json:"digest"`
	ID          string `json:"id"`
	ClusterID   string `json:"cluster_id"`
	Listen      string `json:"listen"`
}

func (env *peerEnv) identity() identityJSON {
	cfg := env.cfg
	return identityJSON{
		Mode: cfg.mode, EtcdVersion: etcdVersion, Digest: cfg.digest, ID: cfg.id.String(),
		ClusterID: cfg.clusterID.String(), Listen: env.listenURL,
	}
}

// receiverJSON holds the receiver-side keys of doc/peer-cli.md 9.2.
type receiverJSON struct {
	identityJSON
	Messages            uint64                 `json:"messages"`
	ByType              map[string]uint64      `json:"by_type"`
	Entries             uint64                 `json:"entries"`
	EntryBytes          uint64                 `json:"entry_bytes"`
	MessageBytes        uint64                 `json:"message_bytes"`
	WireMessageBytes    uint64                 `json:"wire_message_bytes"`
	SpanS               float64                `json:"span_s"`
	MsgsPerS            float64                `json:"msgs_per_s"`
	MBPerS              float64                `json:"mb_per_s"`
	Senders             map[string]senderJSON  `json:"senders"`
	Snapshots           []snapshotRecord       `json:"snapshots"`
	RejectedFromRemoved map[string]uint64      `json:"rejected_from_removed"`
	ReportUnreachable   map[string]uint64      `json:"report_unreachable"`
	ReportSnapshot      []reportSnapshotRecord `json:"report_snapshot"`
	RecvDrops           uint64                 `json:"recv_drops"`
	StopReason          string                 `json:"stop_reason"`
	EchoReplies         *uint64                `json:"echo_replies,omitempty"`
	CriticalErrors      map[string]uint64      `json:"critical_errors"`
	PeakRSSKB           int64                  `json:"peak_rss_kb"`
}

// summary waits for the descriptions of received DBs still being computed.
func (r *recorder) summary(env *peerEnv, stopReason string) receiverJSON {
	r.describing.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := receiverJSON{
		identityJSON:        env.identity(),
		Messages:            r.messages,
		ByType:              map[string]uint64{},
		Entries:             r.entries,
		EntryBytes:          r.entryBytes,
		MessageBytes:        r.messageBytes,
		WireMessageBytes:    r.wireMessageBytes,
		Senders:             map[string]senderJSON{},
		Snapshots:           []snapshotRecord{},
		RejectedFromRemoved: hexKeyed(r.rejected),
		ReportUnreachable:   hexKeyed(r.unreachable),
		ReportSnapshot:      append([]reportSnapshotRecord{}, r.reportSnap...),
		RecvDrops:           receiveQueueDrops(),
		StopReason:          stopReason,
		CriticalErrors:      env.criticalErrors(),
		PeakRSSKB:           peakRSSKB(),
	}
	for _, s := range r.snapshots {
		out.Snapshots = append(out.Snapshots, *s)
	}
	for t, n := range r.byType {
		out.ByType[t] = n
	}
	if !r.first.IsZero() {
		out.SpanS = r.last.Sub(r.first).Seconds()
	}
	out.MsgsPerS = perSecond(float64(r.messages), out.SpanS)
	out.MBPerS = perSecond(float64(r.messageBytes)/1e6, out.SpanS)
	for id, d := range r.senders {
		out.Senders[memberID(id).String()] = senderJSON{Messages: d.count, digestJSON: d.json()}
	}
	if env.cfg.mode == "echo" {
		n := r.echoReplies
		out.EchoReplies = &n
	}
	return out
}

func hexKeyed(m map[uint64]uint64) map[string]uint64 {
	out := make(map[string]uint64, len(m))
	for id, n := range m {
		out[memberID(id).String()] = n
	}
	return out
}

func perSecond(amount, seconds float64) float64 {
	if seconds <= 0 {
		return 0
	}
	return amount / seconds
}
