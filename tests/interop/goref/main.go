// Command rafthttp-peer-go is the Go reference peer of the interop tests: one
// etcd rafthttp.Transport on a loopback listener with a recording Raft policy,
// driven by the rafthttp-peer command-line contract (doc/peer-cli.md). One binary
// per etcd release: the shared files here work on a neutral message, and one
// adapter file (etcd34.go ... etcd37.go, chosen by a build tag) binds them to
// that release's rafthttp and raftpb (see message.go and README.md).
package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
)

const (
	// etcd uses 1 s + the election timeout; 2 s matches a 1 s election timeout.
	dialTimeout = 2 * time.Second
	// pollInterval paces the polling loops (stop conditions, readiness).
	pollInterval = 5 * time.Millisecond
	// stopGrace bounds Transport.Stop and server shutdown at exit.
	stopGrace = 2 * time.Second
)

// peerEnv is everything a mode needs.
type peerEnv struct {
	cfg       *config
	logger    *zap.Logger
	tr        etcdTransport
	rec       *recorder
	streams   *streamObserver
	acks      *ackTracker // send --await-acks
	server    *http.Server
	listenURL string
	snapDir   string
	tempSnap  bool

	errMu    sync.Mutex
	critical map[string]uint64 // ErrorC messages and how often each came
}

func (e *peerEnv) criticalErrors() map[string]uint64 {
	e.errMu.Lock()
	defer e.errMu.Unlock()
	out := make(map[string]uint64, len(e.critical))
	for msg, n := range e.critical {
		out[msg] = n
	}
	return out
}

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if err := checkMessageTypes(); err != nil {
		fmt.Fprintf(os.Stderr, "rafthttp-peer-go: %v\n", err)
		return 1
	}
	cfg, err := parseFlags(args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, usageText())
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "rafthttp-peer-go: %v\n", err)
		return 2
	}

	// Signals end the mode early; the JSON is still printed.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigc := make(chan os.Signal, 1)
	signal.Notify(sigc, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		<-sigc
		cancel()
	}()

	env, err := setup(cfg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rafthttp-peer-go: %v\n", err)
		return 2
	}
	fmt.Fprintf(os.Stderr, "READY %s\n", env.listenURL)

	var result interface{}
	switch cfg.mode {
	case "sink", "echo":
		result = runReceiver(ctx, env)
	case "send":
		result = runSend(ctx, env)
	case "snapshot":
		result = runSnapshot(ctx, env)
	}

	out, err := json.Marshal(result)
	if err != nil {
		fmt.Fprintf(os.Stderr, "rafthttp-peer-go: encoding the result: %v\n", err)
		return 1
	}
	os.Stdout.Write(append(out, '\n'))
	env.shutdown()
	return 0
}

func newLogger() *zap.Logger {
	// Quiet by default: rafthttp warns for every dropped message. Set
	// RAFTHTTP_PEER_LOG_LEVEL=info|warn|debug to see the transport's logs.
	level := zapcore.ErrorLevel
	if s := os.Getenv("RAFTHTTP_PEER_LOG_LEVEL"); s != "" {
		level.UnmarshalText([]byte(s))
	}
	zc := zap.NewProductionConfig()
	zc.Level = zap.NewAtomicLevelAt(level)
	zc.Encoding = "console"
	zc.Sampling = nil
	zc.OutputPaths = []string{"stderr"}
	zc.ErrorOutputPaths = []string{"stderr"}
	lg, err := zc.Build()
	if err != nil {
		return zap.NewNop()
	}
	return lg
}

func setup(cfg *config) (*peerEnv, error) {
	env := &peerEnv{cfg: cfg, logger: newLogger(), streams: newStreamObserver(), critical: map[string]uint64{}}

	env.snapDir = cfg.snapDir
	if env.snapDir == "" {
		dir, err := ioutil.TempDir("", "rafthttp-peer-go-snap-")
		if err != nil {
			return nil, err
		}
		env.snapDir, env.tempSnap = dir, true
	} else if err := os.MkdirAll(env.snapDir, 0o700); err != nil {
		return nil, fmt.Errorf("--snap-dir: %v", err)
	}

	// The peer listener of an etcd member: 5 s per-I/O deadlines, TLS for https.
	ln, err := newListener(cfg.listen, &cfg.tls, env.logger)
	if err != nil {
		env.removeTempSnapDir()
		return nil, fmt.Errorf("listen %s: %v", cfg.listen.String(), err)
	}
	listen := cfg.listen
	if listen.Port() == "0" { // advertise the port the kernel chose
		_, port, _ := net.SplitHostPort(ln.Addr().String())
		listen.Host = net.JoinHostPort(listen.Hostname(), port)
	}
	env.listenURL = listen.String()

	snapTrack := newSnapshotPostTracker()
	env.rec = newRecorder(cfg.id, cfg.removed, env.snapDir, snapTrack, cfg.digest == "cheap")
	// Hooks are set before the transport can call Process.
	switch {
	case cfg.mode == "echo":
		self := uint64(cfg.id)
		env.rec.hook = func(m *message, _ time.Time) {
			if reply, ok := echoReply(self, m); ok {
				env.tr.Send(&reply)
				env.rec.countEchoReply()
			}
		}
	case cfg.mode == "send" && cfg.awaitAcks:
		env.acks = newAckTracker(cfg)
		env.rec.hook = env.acks.onMessage
	}
	if cfg.logPath != "" {
		if err := env.rec.openLog(cfg.logPath); err != nil {
			ln.Close()
			env.removeTempSnapDir()
			return nil, fmt.Errorf("--log: %v", err)
		}
	}

	errorC := make(chan error, 1)
	env.tr, err = startTransport(&transportConfig{
		logger:    env.logger,
		id:        cfg.id,
		clusterID: cfg.clusterID,
		listen:    listen,
		tls:       &cfg.tls,
		rec:       env.rec,
		snapDir:   env.snapDir,
		errorC:    errorC,
	})
	if err != nil {
		ln.Close()
		env.removeTempSnapDir()
		return nil, fmt.Errorf("starting the transport: %v", err)
	}
	go env.collectCriticalErrors(errorC)
	for _, p := range cfg.peers {
		env.tr.AddPeer(p.id, p.urls)
	}
	for _, r := range cfg.remotes {
		env.tr.AddRemote(r.id, r.urls)
	}

	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.Handler())
	mux.Handle("/", &observingHandler{inner: env.tr.Handler(), streams: env.streams, snaps: snapTrack})
	env.server = &http.Server{
		Handler:  mux,
		ErrorLog: log.New(io.Discard, "", 0),
		// HTTP/1.1 only: rafthttp's clients speak HTTP/1.1 (on a 3.4 or 3.5 peer
		// port h2 goes to gRPC).
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	go env.server.Serve(ln)
	return env, nil
}

func (e *peerEnv) collectCriticalErrors(errorC <-chan error) {
	for err := range errorC {
		msg := err.Error()
		e.errMu.Lock()
		e.critical[msg]++
		first := e.critical[msg] == 1
		e.errMu.Unlock()
		if first { // stream readers redial at 10/s and may repeat it
			warnf("critical transport error: %v", err)
		}
	}
}

func (e *peerEnv) removeTempSnapDir() {
	if e.tempSnap {
		os.RemoveAll(e.snapDir)
	}
}

func (e *peerEnv) shutdown() {
	done := make(chan struct{})
	go func() {
		e.tr.Stop()
		e.server.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(stopGrace):
	}
	e.removeTempSnapDir()
}

func warnf(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "rafthttp-peer-go: warning: "+format+"\n", args...)
}

// sleepCtx sleeps for d; false if ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// linger keeps serving after the work is done, unless a signal ended the run.
func (e *peerEnv) linger(ctx context.Context, stopReason string) {
	if stopReason != "signal" {
		sleepCtx(ctx, e.cfg.linger)
	}
}

// runReceiver implements sink and echo.
func runReceiver(ctx context.Context, env *peerEnv) receiverJSON {
	stop := waitReceiveStop(ctx, env)
	env.linger(ctx, stop)
	env.rec.freeze()
	return env.rec.summary(env, stop)
}

// waitReceiveStop returns the stop_reason: duration, expect, idle or signal.
func waitReceiveStop(ctx context.Context, env *peerEnv) string {
	cfg := env.cfg
	var deadline <-chan time.Time
	if cfg.duration > 0 {
		t := time.NewTimer(cfg.duration)
		defer t.Stop()
		deadline = t.C
	}
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return "signal"
		case <-deadline:
			return "duration"
		case <-env.rec.arrived:
		case <-tick.C:
		}
		n, last := env.rec.progress()
		if cfg.expect > 0 && n >= cfg.expect {
			return "expect"
		}
		if cfg.idle > 0 && !last.IsZero() && time.Since(last) >= cfg.idle {
			return "idle"
		}
	}
}
