package main

// send --background-snapshot-to (doc/peer-cli.md 5.7): one snapshot to another
// peer while the send loop runs, to measure what a large transfer does to the
// round trips of the messages sent beside it.
//
// The DB body is the generated one of --db-size bytes, written into a file of
// --snap-dir and digested before anything is measured, then streamed from the
// open file by etcd's snapshot sender (its goroutine reads it as it writes the
// POST body), as the C++ peer streams the same file with the library's
// file_db_source. The send loop starts when the transport read the first DB
// bytes, and answers count as latency samples only until the transfer's
// outcome.

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

type backgroundSnapshotJSON struct {
	To             string  `json:"to"`
	SnapIndex      uint64  `json:"snap_index"`
	DBSize         uint64  `json:"db_size"`
	DBSha256       string  `json:"db_sha256"`
	DBCheck64      string  `json:"db_check64"`
	TotalBytes     int64   `json:"total_bytes"`
	WireTotalBytes int64   `json:"wire_total_bytes"`
	Status         string  `json:"status"`
	DBBytesRead    uint64  `json:"db_bytes_read"`
	FirstByteS     float64 `json:"first_byte_s"`
	ElapsedS       float64 `json:"elapsed_s"`
	MBPerS         float64 `json:"mb_per_s"`
	MeasuredS      float64 `json:"measured_s"`
	Overlap        bool    `json:"overlap"`
}

type backgroundSnapshot struct {
	env  *peerEnv
	path string
	msg  message
	out  backgroundSnapshotJSON

	started  time.Time
	deadline time.Time

	firstOnce sync.Once
	firstByte chan struct{} // closed when the transport read the first DB bytes
	firstAt   time.Time     // set before firstByte is closed
	bytesRead uint64        // atomic

	ended   chan struct{} // closed at the outcome
	endedAt time.Time     // set before ended is closed
	ok      bool          // idem
}

func newBackgroundSnapshot(env *peerEnv) *backgroundSnapshot {
	cfg := env.cfg
	b := &backgroundSnapshot{
		env:       env,
		path:      filepath.Join(env.snapDir, fmt.Sprintf("%016x.background.db", cfg.snapIndex)),
		msg:       snapshotMessage(cfg, cfg.backgroundSnapshotTo),
		firstByte: make(chan struct{}),
		ended:     make(chan struct{}),
	}
	encoding, wireEncoding := encodeBoth(&b.msg)
	b.out = backgroundSnapshotJSON{
		To: cfg.backgroundSnapshotTo.String(), SnapIndex: cfg.snapIndex, DBSize: cfg.dbSize,
		TotalBytes:     int64(len(encoding)) + int64(cfg.dbSize),
		WireTotalBytes: int64(len(wireEncoding)) + int64(cfg.dbSize),
		Status:         "interrupted", FirstByteS: -1,
	}
	return b
}

// prepare writes and digests the DB file (off every clock). After an error
// the transfer counts as ended, a failure, and start sends nothing.
func (b *backgroundSnapshot) prepare() error {
	if err := b.writeFile(); err != nil {
		b.end(time.Now(), false)
		return fmt.Errorf("--background-snapshot-to: cannot write the DB file %s: %v", b.path, err)
	}
	return nil
}

func (b *backgroundSnapshot) writeFile() (err error) {
	b.out.DBSha256, b.out.DBCheck64, err = writeDBFile(b.path, b.env.cfg)
	return err
}

func (b *backgroundSnapshot) end(at time.Time, ok bool) {
	b.endedAt, b.ok = at, ok
	close(b.ended)
}

func (b *backgroundSnapshot) isEnded() bool {
	select {
	case <-b.ended:
		return true
	default:
		return false
	}
}

// watchedFile is the DB file as etcd's snapshot sender reads it, noting
// when it first gave bytes and how many it gave.
type watchedFile struct {
	dbFile
	b *backgroundSnapshot
}

func (w watchedFile) Read(p []byte) (int, error) {
	n, err := w.f.Read(p)
	if n > 0 {
		w.b.firstOnce.Do(func() {
			w.b.firstAt = time.Now()
			close(w.b.firstByte)
		})
		atomic.AddUint64(&w.b.bytesRead, uint64(n))
	}
	return n, err
}

// start hands the snapshot to Transport.SendSnapshot; --snap-timeout counts
// from here. atEnd runs when the outcome comes, with its time.
func (b *backgroundSnapshot) start(atEnd func(time.Time)) {
	if b.isEnded() { // prepare failed
		return
	}
	cfg := b.env.cfg
	b.started = time.Now()
	b.deadline = b.started.Add(cfg.snapTimeout)
	f, err := os.Open(b.path)
	if err != nil {
		warnf("--background-snapshot-to: %v", err)
		b.end(time.Now(), false)
		return
	}
	done, total := b.env.tr.SendSnapshot(&b.msg, watchedFile{newDBFile(f), b}, int64(cfg.dbSize))
	b.out.WireTotalBytes = total
	go func() {
		ok := <-done
		now := time.Now()
		if atEnd != nil {
			atEnd(now)
		}
		b.end(now, ok)
	}()
}

func (b *backgroundSnapshot) untilDeadline() <-chan time.Time {
	if b.started.IsZero() {
		return nil
	}
	return time.After(time.Until(b.deadline))
}

// waitFirstByte returns once the transport read the first DB bytes, or the
// outcome, the deadline or a signal came first.
func (b *backgroundSnapshot) waitFirstByte(ctx context.Context) {
	select {
	case <-b.firstByte:
	case <-b.ended:
	case <-b.untilDeadline():
	case <-ctx.Done():
	}
}

// waitEnd waits for the outcome, the deadline or a signal; sets the status.
func (b *backgroundSnapshot) waitEnd(ctx context.Context) {
	select {
	case <-b.ended:
	case <-b.untilDeadline():
	case <-ctx.Done():
	}
	switch {
	case b.isEnded() && b.ok:
		b.out.Status = "finish"
	case b.isEnded():
		b.out.Status = "failure"
	case ctx.Err() != nil:
		b.out.Status = "interrupted"
	default:
		b.out.Status = "timeout"
	}
}

// report: everything but measured_s and overlap, which runSend fills in.
func (b *backgroundSnapshot) report() *backgroundSnapshotJSON {
	out := b.out
	out.DBBytesRead = atomic.LoadUint64(&b.bytesRead)
	if b.started.IsZero() {
		return &out
	}
	select {
	case <-b.firstByte:
		out.FirstByteS = b.firstAt.Sub(b.started).Seconds()
	default:
	}
	end := time.Now()
	if b.isEnded() {
		end = b.endedAt
	}
	out.ElapsedS = end.Sub(b.started).Seconds()
	out.MBPerS = perSecond(float64(out.TotalBytes)/1e6, out.ElapsedS)
	return &out
}

// firstByteAt and endedAtTime: the zero time when it has not happened.
func (b *backgroundSnapshot) firstByteAt() time.Time {
	select {
	case <-b.firstByte:
		return b.firstAt
	default:
		return time.Time{}
	}
}

func (b *backgroundSnapshot) endedAtTime() time.Time {
	if b.isEnded() {
		return b.endedAt
	}
	return time.Time{}
}

func (b *backgroundSnapshot) remove() {
	if err := os.Remove(b.path); err != nil && !errors.Is(err, os.ErrNotExist) {
		warnf("removing %s: %v", b.path, err)
	}
}
