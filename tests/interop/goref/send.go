package main

// The send and snapshot modes.

import (
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// streamSettle: once both stream GETs from --to have been answered 200, wait
	// this long (and see them still open) before sending. rafthttp answers 200
	// and flushes just before handing the connection to the stream writer, so
	// this covers the hand-over.
	streamSettle = 100 * time.Millisecond
	// retry backoff after a drop (--on-drop retry): doubles from min to max,
	// back to min after a message went through.
	retryBackoffMin = 50 * time.Microsecond
	retryBackoffMax = 5 * time.Millisecond
	// ackStall ends --await-acks waiting when no answer arrived for this long.
	ackStall = 10 * time.Second
)

type readiness struct {
	peersActive  bool
	streamsReady bool
	waited       time.Duration
}

// waitReady waits (at most --wait-active) until every --peer is active
// (Transport.ActiveSince non-zero) and the streams named by --wait-streams from
// --to are attached to our stream writers (see streamObserver).
func waitReady(ctx context.Context, env *peerEnv) readiness {
	cfg := env.cfg
	start := time.Now()
	deadline := start.Add(cfg.waitActive)
	var streamsSince time.Time
	for {
		now := time.Now()
		peersActive := true
		for _, p := range cfg.peers {
			if env.tr.ActiveSince(p.id).IsZero() {
				peersActive = false
			}
		}
		streamsReady := true
		if len(cfg.waitStreams) > 0 {
			if env.streams.attached(uint64(cfg.to), cfg.waitStreams) {
				if streamsSince.IsZero() {
					streamsSince = now
				}
				streamsReady = now.Sub(streamsSince) >= streamSettle
			} else {
				streamsSince = time.Time{}
				streamsReady = false
			}
		}
		if (peersActive && streamsReady) || !now.Before(deadline) || ctx.Err() != nil {
			return readiness{peersActive, streamsReady, time.Since(start)}
		}
		sleepCtx(ctx, pollInterval)
	}
}

func (env *peerEnv) toKnown() bool {
	for _, list := range [][]memberURLs{env.cfg.peers, env.cfg.remotes} {
		for _, m := range list {
			if m.id == env.cfg.to {
				return true
			}
		}
	}
	return false
}

func (env *peerEnv) toIsPeer() bool {
	for _, m := range env.cfg.peers {
		if m.id == env.cfg.to {
			return true
		}
	}
	return false
}

// ackTracker matches echo answers to outstanding requests (see ackKey).
type ackTracker struct {
	respType msgType
	peer     uint64
	window   int

	mu          sync.Mutex
	pending     map[uint64][]time.Time
	outstanding int
	acked       uint64
	unmatched   uint64
	latencies   []float64 // microseconds
	lastAck     time.Time
	progress    chan struct{}
	// --background-snapshot-to: answers that arrive after this (the
	// transfer's outcome) are matched and counted but are not samples.
	measureUntil time.Time
	lastSample   time.Time
}

func newAckTracker(cfg *config) *ackTracker {
	rt, _ := ackResponseType(cfg.content.msgType)
	return &ackTracker{
		respType: rt,
		peer:     uint64(cfg.to),
		window:   int(cfg.window),
		pending:  map[uint64][]time.Time{},
		progress: make(chan struct{}, 1),
	}
}

func (a *ackTracker) onMessage(m *message, arrival time.Time) {
	if m.Type != a.respType || m.From != a.peer {
		return
	}
	key := ackKey(m)
	a.mu.Lock()
	q := a.pending[key]
	if len(q) == 0 {
		a.unmatched++
		a.mu.Unlock()
		return
	}
	sent := q[0]
	if len(q) == 1 {
		delete(a.pending, key)
	} else {
		a.pending[key] = q[1:]
	}
	a.outstanding--
	a.acked++
	if a.measureUntil.IsZero() || !arrival.After(a.measureUntil) {
		a.latencies = append(a.latencies, float64(arrival.Sub(sent).Nanoseconds())/1e3)
		a.lastSample = arrival
	}
	a.lastAck = arrival
	a.mu.Unlock()
	select {
	case a.progress <- struct{}{}:
	default:
	}
}

// waitBelow blocks until fewer than limit requests are outstanding; false on
// signal or when no answer arrived for ackStall.
func (a *ackTracker) waitBelow(ctx context.Context, limit int) (ok bool, stalled bool) {
	stall := time.NewTimer(ackStall)
	defer stall.Stop()
	for {
		a.mu.Lock()
		n := a.outstanding
		a.mu.Unlock()
		if n < limit {
			return true, false
		}
		select {
		case <-a.progress:
			if !stall.Stop() {
				<-stall.C
			}
			stall.Reset(ackStall)
		case <-stall.C:
			return false, true
		case <-ctx.Done():
			return false, false
		}
	}
}

func (a *ackTracker) stopMeasuring(at time.Time) {
	a.mu.Lock()
	a.measureUntil = at
	a.mu.Unlock()
}

// samples: how many latencies were measured, and the arrival of the last.
func (a *ackTracker) samples() (int, time.Time) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.latencies), a.lastSample
}

func (a *ackTracker) begin(key uint64, at time.Time) {
	a.mu.Lock()
	a.pending[key] = append(a.pending[key], at)
	a.outstanding++
	a.mu.Unlock()
}

// cancel withdraws the latest request with this key (it was dropped).
func (a *ackTracker) cancel(key uint64) {
	a.mu.Lock()
	if q := a.pending[key]; len(q) > 0 {
		if len(q) == 1 {
			delete(a.pending, key)
		} else {
			a.pending[key] = q[:len(q)-1]
		}
		a.outstanding--
	}
	a.mu.Unlock()
}

type latencyJSON struct {
	Count uint64  `json:"count"`
	Min   float64 `json:"min"`
	Mean  float64 `json:"mean"`
	P50   float64 `json:"p50"`
	P90   float64 `json:"p90"`
	P99   float64 `json:"p99"`
	P999  float64 `json:"p999"`
	Max   float64 `json:"max"`
}

type acksJSON struct {
	Window    uint64      `json:"window"`
	Acked     uint64      `json:"acked"`
	Unmatched uint64      `json:"unmatched"`
	ElapsedS  float64     `json:"elapsed_s"`
	MsgsPerS  float64     `json:"msgs_per_s"`
	MBPerS    float64     `json:"mb_per_s"`
	LatencyUS latencyJSON `json:"latency_us"`
}

func (a *ackTracker) summary(firstSend time.Time, bytes uint64) *acksJSON {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := &acksJSON{Window: uint64(a.window), Acked: a.acked, Unmatched: a.unmatched}
	if !firstSend.IsZero() && !a.lastAck.IsZero() {
		out.ElapsedS = a.lastAck.Sub(firstSend).Seconds()
	}
	out.MsgsPerS = perSecond(float64(a.acked), out.ElapsedS)
	out.MBPerS = perSecond(float64(bytes)/1e6, out.ElapsedS)
	out.LatencyUS = latencySummary(a.latencies)
	return out
}

// latencySummary uses nearest-rank percentiles: the value at rank ceil(p*n).
func latencySummary(values []float64) latencyJSON {
	n := len(values)
	if n == 0 {
		return latencyJSON{}
	}
	sorted := append([]float64{}, values...)
	sort.Float64s(sorted)
	sum := 0.0
	for _, v := range sorted {
		sum += v
	}
	rank := func(p float64) float64 {
		i := int(math.Ceil(p*float64(n))) - 1
		if i < 0 {
			i = 0
		}
		if i >= n {
			i = n - 1
		}
		return sorted[i]
	}
	return latencyJSON{
		Count: uint64(n), Min: sorted[0], Mean: sum / float64(n),
		P50: rank(0.50), P90: rank(0.90), P99: rank(0.99), P999: rank(0.999), Max: sorted[n-1],
	}
}

type sendJSON struct {
	identityJSON
	To           string `json:"to"`
	ToKnown      bool   `json:"to_known"`
	Type         string `json:"type"`
	Count        uint64 `json:"count"`
	Sent         uint64 `json:"sent"`
	Dropped      uint64 `json:"dropped"`
	DropRetries  uint64 `json:"drop_retries"`
	Bytes        uint64 `json:"bytes"`
	PayloadBytes uint64 `json:"payload_bytes"`
	digestJSON
	WireBytes              uint64                  `json:"wire_bytes"`
	WireSha256             string                  `json:"wire_sha256"`
	WireCheck64            string                  `json:"wire_check64"`
	StreamsReady           bool                    `json:"streams_ready"`
	PeersActive            bool                    `json:"peers_active"`
	WaitS                  float64                 `json:"wait_s"`
	ElapsedS               float64                 `json:"elapsed_s"`
	MsgsPerS               float64                 `json:"msgs_per_s"`
	MBPerS                 float64                 `json:"mb_per_s"`
	ReportUnreachableTotal uint64                  `json:"report_unreachable_total"`
	Acks                   *acksJSON               `json:"acks"`
	BackgroundSnapshot     *backgroundSnapshotJSON `json:"background_snapshot"`
	StopReason             string                  `json:"stop_reason"`
	Received               receiverJSON            `json:"received"`
	PeakRSSKB              int64                   `json:"peak_rss_kb"`
}

// Drop detection for --on-drop. rafthttp drops silently when a send queue is
// full, but:
//   - for a peer, peer.send calls Raft.ReportUnreachable synchronously on the
//     calling goroutine before dropping, so the recorder flags a
//     ReportUnreachable made on the send loop's goroutine during the Send call
//     (reports from the transport's own goroutines, e.g. a failed pipeline
//     POST, are not confused with it);
//   - for a target that is only a remote (no ReportUnreachable on a full
//     queue), remote.send increments etcd_network_peer_sent_failures_total{To}
//     synchronously, so a change of that counter across the call is taken as a
//     drop (a pipeline failure of an earlier message completing during the call
//     would be misread as a drop; that message is then sent twice).
func runSend(ctx context.Context, env *peerEnv) sendJSON {
	cfg := env.cfg
	out := sendJSON{
		identityJSON: env.identity(),
		To:           cfg.to.String(), ToKnown: env.toKnown(), Type: cfg.content.msgType.String(), Count: cfg.count,
	}
	acks := env.acks

	// --background-snapshot-to: its DB file is written and digested before
	// anything is measured; the loop starts once the transport read the first
	// DB bytes and ends with the transfer (or at --count, whichever is first).
	var background *backgroundSnapshot
	var backgroundEnded <-chan struct{} // nil without: never ready
	if cfg.backgroundSnapshotTo != 0 {
		background = newBackgroundSnapshot(env)
		defer background.remove()
		if err := background.prepare(); err != nil {
			warnf("%v", err)
		}
	}

	ready := waitReady(ctx, env)
	out.PeersActive, out.StreamsReady, out.WaitS = ready.peersActive, ready.streamsReady, ready.waited.Seconds()

	remoteOnly := out.ToKnown && !env.toIsPeer()
	sentFailures := sentFailuresFor(cfg.to)
	atomic.StoreInt64(&env.rec.senderGoroutine, currentGoroutineID())
	defer atomic.StoreInt64(&env.rec.senderGoroutine, 0)
	trySend := func(m *message) (dropped bool) {
		atomic.StoreInt32(&env.rec.dropSeen, 0)
		before := 0.0
		if remoteOnly && sentFailures != nil {
			before = counterValue(sentFailures)
		}
		env.tr.Send(m)
		if remoteOnly && sentFailures != nil {
			return counterValue(sentFailures) != before
		}
		return atomic.LoadInt32(&env.rec.dropSeen) != 0
	}

	if background != nil && ctx.Err() == nil {
		var atEnd func(time.Time)
		if acks != nil {
			atEnd = acks.stopMeasuring
		}
		background.start(atEnd)
		background.waitFirstByte(ctx)
		backgroundEnded = background.ended
	}
	snapshotEnded := func() bool {
		select {
		case <-backgroundEnded:
			return true
		default:
			return false
		}
	}

	cheap := cfg.digest == "cheap"
	digest := newMessageDigest(cheap)
	wire := newMessageDigest(cheap)
	out.StopReason = "done"
	start := time.Now()
	backoff := retryBackoffMin
send:
	for i := uint64(0); i < cfg.count; i++ {
		if snapshotEnded() {
			out.StopReason = "snapshot-ended"
			break
		}
		if ctx.Err() != nil {
			out.StopReason = "signal"
			break
		}
		if cfg.rate > 0 {
			due := start.Add(time.Duration(float64(i) / cfg.rate * float64(time.Second)))
			if !sleepCtx(ctx, time.Until(due)) {
				out.StopReason = "signal"
				break
			}
		}
		m := cfg.content.message(i)
		// --digest cheap takes no wire digest (doc/peer-cli.md 7.6): it
		// sizes the wire encoding instead of making it.
		var encoding, wireEncoding []byte
		var wireLen int
		if cheap {
			encoding = encodeDigest(&m)
			wireLen = wireSize(&m, encoding)
		} else {
			encoding, wireEncoding = encodeBoth(&m)
			wireLen = len(wireEncoding)
		}
		key := ackKey(&m)
		if acks != nil {
			if ok, stalled := acks.waitBelow(ctx, acks.window); !ok {
				out.StopReason = "signal"
				if stalled {
					out.StopReason = "ack-timeout"
				}
				break
			}
		}
		if snapshotEnded() { // it ended while we waited for the window
			out.StopReason = "snapshot-ended"
			break
		}
		for {
			if acks != nil {
				acks.begin(key, time.Now())
			}
			if !trySend(&m) {
				break
			}
			if acks != nil {
				acks.cancel(key)
			}
			if cfg.onDrop == "drop" {
				out.Dropped++
				continue send
			}
			out.DropRetries++
			if !sleepCtx(ctx, backoff) {
				out.StopReason = "signal"
				break send
			}
			if backoff *= 2; backoff > retryBackoffMax {
				backoff = retryBackoffMax
			}
		}
		backoff = retryBackoffMin
		// SHA-256 or check64 (--digest) after Send, as the C++ peer's send
		// loop does it after send(). --digest cheap takes no wire digest
		// (doc/peer-cli.md 7.6).
		digest.add(encoding, nil)
		if !cheap {
			wire.add(wireEncoding, nil)
		}
		out.Sent++
		out.Bytes += uint64(len(encoding))
		out.WireBytes += uint64(wireLen)
		for j := range m.Entries {
			out.PayloadBytes += uint64(len(m.Entries[j].Data))
		}
	}
	elapsed := time.Since(start)
	atomic.StoreInt64(&env.rec.senderGoroutine, 0)

	if acks != nil && (out.StopReason == "done" || out.StopReason == "snapshot-ended") {
		if ok, stalled := acks.waitBelow(ctx, 1); !ok {
			out.StopReason = "signal"
			if stalled {
				out.StopReason = "ack-timeout"
			}
		}
	}

	out.digestJSON = digest.json()
	out.WireSha256 = wire.orderedHex() // "" with --digest cheap, as wire_check64 always is
	out.ElapsedS = elapsed.Seconds()
	out.MsgsPerS = perSecond(float64(out.Sent), out.ElapsedS)
	out.MBPerS = perSecond(float64(out.Bytes)/1e6, out.ElapsedS)
	if acks != nil {
		out.Acks = acks.summary(start, out.Bytes)
	}
	if background != nil {
		background.waitEnd(ctx)
		out.BackgroundSnapshot = background.report()
		if acks != nil {
			n, last := acks.samples()
			first, end := background.firstByteAt(), background.endedAtTime()
			if n > 0 {
				out.BackgroundSnapshot.MeasuredS = last.Sub(start).Seconds()
			}
			out.BackgroundSnapshot.Overlap = n > 0 && !first.IsZero() && !start.Before(first) &&
				(end.IsZero() || !last.After(end))
		}
	}

	env.linger(ctx, out.StopReason)
	env.rec.freeze()
	out.ReportUnreachableTotal = atomic.LoadUint64(&env.rec.unreachableTotal)
	received := "done"
	if ctx.Err() != nil {
		received = "signal"
	}
	out.Received = env.rec.summary(env, received)
	out.PeakRSSKB = peakRSSKB()
	return out
}

type snapshotJSON struct {
	identityJSON
	To                     string       `json:"to"`
	ToKnown                bool         `json:"to_known"`
	SnapIndex              uint64       `json:"snap_index"`
	SnapTerm               uint64       `json:"snap_term"`
	DBSize                 uint64       `json:"db_size"`
	DBSha256               string       `json:"db_sha256"`
	DBCheck64              string       `json:"db_check64"`
	SnapDataSize           uint64       `json:"snap_data_size"`
	MessageBytes           int          `json:"message_bytes"`
	TotalBytes             int64        `json:"total_bytes"`
	WireMessageBytes       int          `json:"wire_message_bytes"`
	WireTotalBytes         int64        `json:"wire_total_bytes"`
	Status                 string       `json:"status"`
	StreamsReady           bool         `json:"streams_ready"`
	PeersActive            bool         `json:"peers_active"`
	WaitS                  float64      `json:"wait_s"`
	ElapsedS               float64      `json:"elapsed_s"`
	MBPerS                 float64      `json:"mb_per_s"`
	ReportUnreachableTotal uint64       `json:"report_unreachable_total"`
	Received               receiverJSON `json:"received"`
	PeakRSSKB              int64        `json:"peak_rss_kb"`
}

// snapshotMessage builds the MsgSnap of the snapshot mode: ConfState voters are
// this member and every --peer, ascending.
func snapshotMessage(cfg *config, to memberID) message {
	voters := map[uint64]bool{uint64(cfg.id): true}
	for _, p := range cfg.peers {
		voters[uint64(p.id)] = true
	}
	ids := make([]uint64, 0, len(voters))
	for id := range voters {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return message{
		Type: msgSnap,
		From: uint64(cfg.id),
		To:   uint64(to),
		Term: cfg.snapTerm,
		Snapshot: &snapshot{
			Data:      streamBytes(cfg.content.seed, snapDataKey, int(cfg.snapDataSize)),
			ConfState: confState{Voters: ids},
			Index:     cfg.snapIndex,
			Term:      cfg.snapTerm,
		},
	}
}

// snapshotDB is the DB body the snapshot mode sends: generated as it is
// sent, or (--db-file-dir) the file it was written into first.
type snapshotDB struct {
	reader io.ReadCloser
	path   string // the file's, removed after the transfer; "" when generated
}

// snapshotBody digests the DB body into out and returns what sends it; with
// --db-file-dir the body is written into a file first (both off the clock).
func snapshotBody(cfg *config, out *snapshotJSON) (snapshotDB, error) {
	if cfg.dbFileDir == "" {
		_, out.DBSha256, out.DBCheck64, _ = describeBody(newExactStream(cfg.content.seed, dbStreamKey, cfg.dbSize),
			cfg.digest == "cheap")
		return snapshotDB{reader: newExactStream(cfg.content.seed, dbStreamKey, cfg.dbSize)}, nil
	}
	path := filepath.Join(cfg.dbFileDir, fmt.Sprintf("rafthttp-peer-db-%d-%d", os.Getpid(), cfg.snapIndex))
	var err error
	if out.DBSha256, out.DBCheck64, err = writeDBFile(path, cfg); err != nil {
		return snapshotDB{path: path}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return snapshotDB{path: path}, err
	}
	return snapshotDB{reader: newDBFile(f), path: path}, nil
}

func runSnapshot(ctx context.Context, env *peerEnv) snapshotJSON {
	cfg := env.cfg
	msg := snapshotMessage(cfg, cfg.to)
	encoding, wireEncoding := encodeBoth(&msg)
	out := snapshotJSON{
		identityJSON: env.identity(),
		To:           cfg.to.String(), ToKnown: env.toKnown(),
		SnapIndex: cfg.snapIndex, SnapTerm: cfg.snapTerm, DBSize: cfg.dbSize,
		SnapDataSize: cfg.snapDataSize, MessageBytes: len(encoding), WireMessageBytes: len(wireEncoding),
	}
	// Before the transfer, off its clock (as the C++ peer does).
	body, err := snapshotBody(cfg, &out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rafthttp-peer-go: cannot write the DB file: %v\n", err)
	}
	if body.path != "" {
		defer os.Remove(body.path)
	}

	ready := waitReady(ctx, env)
	out.PeersActive, out.StreamsReady, out.WaitS = ready.peersActive, ready.streamsReady, ready.waited.Seconds()

	// total_bytes is over the 3.4 encoding like every size here (for 3.4 and
	// 3.5 it is etcd's TotalSize); wire_total_bytes is etcd's TotalSize.
	out.TotalBytes = int64(len(encoding)) + int64(cfg.dbSize)
	timeout := time.NewTimer(cfg.snapTimeout)
	defer timeout.Stop()
	start := time.Now()
	if ctx.Err() != nil {
		out.Status = "interrupted"
		out.WireTotalBytes = int64(len(wireEncoding)) + int64(cfg.dbSize)
	} else if err != nil {
		out.Status = "failure"
		out.WireTotalBytes = int64(len(wireEncoding)) + int64(cfg.dbSize)
	} else {
		done, total := env.tr.SendSnapshot(&msg, body.reader, int64(cfg.dbSize))
		out.WireTotalBytes = total
		select {
		case ok := <-done:
			out.Status = "failure"
			if ok {
				out.Status = "finish"
			}
		case <-timeout.C:
			out.Status = "timeout"
		case <-ctx.Done():
			out.Status = "interrupted"
		}
	}
	out.ElapsedS = time.Since(start).Seconds()
	out.MBPerS = perSecond(float64(out.TotalBytes)/1e6, out.ElapsedS)

	stop := "done"
	if ctx.Err() != nil {
		stop = "signal"
	}
	env.linger(ctx, stop)
	env.rec.freeze()
	out.ReportUnreachableTotal = atomic.LoadUint64(&env.rec.unreachableTotal)
	if ctx.Err() != nil {
		stop = "signal"
	}
	out.Received = env.rec.summary(env, stop)
	out.PeakRSSKB = peakRSSKB()
	return out
}
