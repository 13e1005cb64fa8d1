package main

// Observation of things rafthttp does not export: which stream endpoints a
// peer has dialled (and still holds open), which snapshot POSTs are in flight,
// and a few counters read back from rafthttp's Prometheus metrics.

import (
	"bufio"
	"bytes"
	"net/http"
	"os"
	"path"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

type streamKey struct {
	kind string // "msgapp" or "message"
	from uint64
}

// streamObserver counts, per (stream type, dialling peer), the stream GETs
// that rafthttp's stream handler answered with 200 and that are still open.
// Such a request is attached to our stream writer for that peer: rafthttp
// writes 200, flushes, hands the connection to the writer and then blocks
// until the writer lets it go.
type streamObserver struct {
	mu   sync.Mutex
	open map[streamKey]int
}

func newStreamObserver() *streamObserver {
	return &streamObserver{open: map[streamKey]int{}}
}

func (o *streamObserver) add(k streamKey, delta int) {
	o.mu.Lock()
	o.open[k] += delta
	o.mu.Unlock()
}

// attached reports whether every named stream from peer is open.
func (o *streamObserver) attached(peer uint64, kinds []string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, kind := range kinds {
		if o.open[streamKey{kind, peer}] <= 0 {
			return false
		}
	}
	return true
}

// snapshotPostTracker counts in-flight POST /raft/snapshot requests per
// X-Server-From, so that Process can tell a MsgSnap that arrived with a DB
// (the snapshot handler calls Process inside the request, after saving the DB)
// from a MsgSnap sent through the pipeline.
type snapshotPostTracker struct {
	mu       sync.Mutex
	inFlight map[uint64]int
}

func newSnapshotPostTracker() *snapshotPostTracker {
	return &snapshotPostTracker{inFlight: map[uint64]int{}}
}

func (t *snapshotPostTracker) add(from uint64, delta int) {
	t.mu.Lock()
	t.inFlight[from] += delta
	t.mu.Unlock()
}

func (t *snapshotPostTracker) inFlightFrom(from uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.inFlight[from] > 0
}

// observingHandler wraps Transport.Handler().
type observingHandler struct {
	inner   http.Handler
	streams *streamObserver
	snaps   *snapshotPostTracker
}

func (h *observingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	dropForeignPeerURLs(r)
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, raftStreamPrefix+"/"):
		kind := path.Base(path.Dir(r.URL.Path))
		from, err := parseMemberID(path.Base(r.URL.Path))
		if err != nil || (kind != "msgapp" && kind != "message") {
			h.inner.ServeHTTP(w, r)
			return
		}
		key := streamKey{kind, uint64(from)}
		sw := &statusWriter{ResponseWriter: w, onOK: func() { h.streams.add(key, 1) }}
		h.inner.ServeHTTP(sw, r)
		if sw.status == http.StatusOK {
			h.streams.add(key, -1)
		}
	case r.Method == http.MethodPost && r.URL.Path == raftSnapshotPrefix:
		from, err := parseMemberID(r.Header.Get("X-Server-From"))
		if err != nil {
			h.inner.ServeHTTP(w, r)
			return
		}
		h.snaps.add(uint64(from), 1)
		defer h.snaps.add(uint64(from), -1)
		h.inner.ServeHTTP(w, r)
	default:
		h.inner.ServeHTTP(w, r)
	}
}

// dropForeignPeerURLs removes an X-PeerURLs header that is a valid URL list
// naming a non-loopback host: rafthttp would add the sender as a remote with
// those URLs and later dial them, and this program only dials loopback. Lists
// that are not valid are left alone, so the Go reference keeps etcd's
// behaviour for them (rafthttp panics in the handler; the connection drops).
func dropForeignPeerURLs(r *http.Request) {
	v := r.Header.Get("X-PeerURLs")
	if v == "" {
		return
	}
	us, err := newURLs(strings.Split(v, ","))
	if err != nil {
		return
	}
	for _, u := range us {
		if !isLoopbackHost(u.Hostname()) {
			r.Header.Del("X-PeerURLs")
			return
		}
	}
}

// statusWriter records the status; it must stay an http.Flusher because the
// stream handler type-asserts it.
type statusWriter struct {
	http.ResponseWriter
	status int
	onOK   func()
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
		if code == http.StatusOK {
			w.onOK()
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// currentGoroutineID parses "goroutine N [" from the current stack header.
func currentGoroutineID() int64 {
	var buf [64]byte
	n := runtime.Stack(buf[:], false)
	s := bytes.TrimPrefix(buf[:n], []byte("goroutine "))
	if i := bytes.IndexByte(s, ' '); i > 0 {
		s = s[:i]
	}
	id, _ := strconv.ParseInt(string(s), 10, 64)
	return id
}

// rafthttpCounterVec returns rafthttp's own registered CounterVec with the given
// options: registering an identical collector fails with AlreadyRegisteredError,
// which carries the existing one.
func rafthttpCounterVec(opts prometheus.CounterOpts, label string) *prometheus.CounterVec {
	probe := prometheus.NewCounterVec(opts, []string{label})
	err := prometheus.Register(probe)
	if are, ok := err.(prometheus.AlreadyRegisteredError); ok {
		if cv, ok := are.ExistingCollector.(*prometheus.CounterVec); ok {
			return cv
		}
	}
	if err == nil {
		prometheus.Unregister(probe)
	}
	return nil
}

// sentFailuresFor returns etcd_network_peer_sent_failures_total{To=to}, or nil.
func sentFailuresFor(to memberID) prometheus.Counter {
	cv := rafthttpCounterVec(prometheus.CounterOpts{
		Namespace: "etcd",
		Subsystem: "network",
		Name:      "peer_sent_failures_total",
		Help:      "The total number of send failures from peers.",
	}, "To")
	if cv == nil {
		return nil
	}
	return cv.WithLabelValues(to.String())
}

func counterValue(c prometheus.Counter) float64 {
	var m dto.Metric
	if c.Write(&m) != nil || m.Counter == nil {
		return 0
	}
	return m.Counter.GetValue()
}

// receiveQueueDrops sums etcd_network_peer_received_failures_total over the
// series labelled with a member id: rafthttp labels stream receive-queue drops
// with the sender id, and decode failures with the remote "ip:port".
func receiveQueueDrops() uint64 {
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		return 0
	}
	var total float64
	for _, f := range families {
		if f.GetName() != "etcd_network_peer_received_failures_total" {
			continue
		}
		for _, m := range f.Metric {
			for _, l := range m.Label {
				if l.GetName() != "From" {
					continue
				}
				if _, err := strconv.ParseUint(l.GetValue(), 16, 64); err == nil {
					total += m.GetCounter().GetValue()
				}
			}
		}
	}
	return uint64(total)
}

// peakRSSKB reads VmHWM from /proc/self/status.
func peakRSSKB() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "VmHWM:") {
			fields := strings.Fields(line[len("VmHWM:"):])
			if len(fields) > 0 {
				v, _ := strconv.ParseInt(fields[0], 10, 64)
				return v
			}
		}
	}
	return 0
}
