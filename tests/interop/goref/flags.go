package main

// Command-line parsing and validation (doc/peer-cli.md 3 and 4).

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

type memberURLs struct {
	id   memberID
	urls []string // validated, sorted (etcd's types.URLs order)
}

type config struct {
	mode      string
	id        memberID
	clusterID memberID
	listen    url.URL
	peers     []memberURLs
	remotes   []memberURLs
	removed   []uint64
	snapDir   string
	logPath   string
	linger    time.Duration
	duration  time.Duration
	expect    uint64
	idle      time.Duration
	tls       tlsFlags
	digest    string // --digest: full (SHA-256) or cheap (check64)

	// send and snapshot
	to          memberID
	content     contentParams
	count       uint64
	rate        float64
	onDrop      string
	awaitAcks   bool
	window      uint64
	waitStreams []string
	waitActive  time.Duration

	snapIndex    uint64
	snapTerm     uint64
	snapDataSize uint64
	dbSize       uint64
	snapTimeout  time.Duration
	// snapshot: a directory to write the DB body into first and send it
	// from, as etcd sends its DB file ("": generated as it is sent).
	dbFileDir string

	// send: a --peer that gets a snapshot (the flags above) while the send
	// loop runs (doc/peer-cli.md 5.7); 0: none.
	backgroundSnapshotTo memberID
}

type repeated []string

func (r *repeated) String() string     { return strings.Join(*r, " ") }
func (r *repeated) Set(v string) error { *r = append(*r, v); return nil }

// decimalFlag accepts only decimal digits ("Counts are decimal").
type decimalFlag struct{ v *uint64 }

func (d decimalFlag) String() string {
	if d.v == nil {
		return "0"
	}
	return strconv.FormatUint(*d.v, 10)
}

func (d decimalFlag) Set(s string) error {
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("not a decimal count: %q", s)
	}
	*d.v = v
	return nil
}

type idFlag struct{ v *memberID }

func (f idFlag) String() string {
	if f.v == nil {
		return ""
	}
	return f.v.String()
}

func (f idFlag) Set(s string) error {
	id, err := parseID(s)
	if err == nil {
		*f.v = id
	}
	return err
}

func parseID(s string) (memberID, error) {
	id, err := parseMemberID(s)
	if err != nil {
		return 0, fmt.Errorf("bad member id %q (want hex)", s)
	}
	return id, nil
}

func parseFlags(args []string) (*config, error) {
	cfg := &config{}
	fs := flag.NewFlagSet("rafthttp-peer", flag.ContinueOnError)
	fs.SetOutput(io.Discard)

	var listen, msgType, waitStreams, etcdVersionFlag string
	var peers, remotes, removed, allowedCNs, allowedHostnames repeated
	cfg.clusterID = 0x1000
	cfg.content = contentParams{entries: 1, startIndex: 1, term: 1, seed: 1}
	cfg.count = 1000
	cfg.window = 256
	cfg.snapIndex = 1
	cfg.snapTerm = 1
	cfg.dbSize = 1 << 20
	var entrySize uint64 = 64

	fs.StringVar(&cfg.mode, "mode", "sink", "sink|echo|send|snapshot")
	fs.Var(idFlag{&cfg.id}, "id", "local member id (hex)")
	fs.Var(idFlag{&cfg.clusterID}, "cluster-id", "cluster id (hex)")
	fs.StringVar(&listen, "listen", "", "URL to listen on and advertise")
	fs.Var(&peers, "peer", "ID=URL[,URL...] (repeatable)")
	fs.Var(&remotes, "remote", "ID=URL[,URL...] (repeatable)")
	fs.Var(&removed, "removed", "removed member id (repeatable)")
	fs.StringVar(&cfg.snapDir, "snap-dir", "", "snapshot directory")
	fs.StringVar(&cfg.logPath, "log", "", "per-message log file")
	fs.DurationVar(&cfg.linger, "linger", time.Second, "keep running after the work is done")
	fs.DurationVar(&cfg.duration, "duration", 0, "sink/echo: stop after this long")
	fs.Var(decimalFlag{&cfg.expect}, "expect", "sink/echo: stop after N accepted messages")
	fs.DurationVar(&cfg.idle, "idle", 0, "sink/echo: stop after this long without a message")

	fs.StringVar(&cfg.tls.certFile, "cert-file", "", "TLS certificate")
	fs.StringVar(&cfg.tls.keyFile, "key-file", "", "TLS key")
	fs.StringVar(&cfg.tls.trustedCAFile, "trusted-ca-file", "", "TLS CA bundle")
	fs.BoolVar(&cfg.tls.clientCertAuth, "client-cert-auth", false, "require client certificates")
	fs.Var(&allowedCNs, "allowed-cn", "required peer certificate CN (repeatable from etcd 3.5)")
	fs.Var(&allowedHostnames, "allowed-hostname", "required peer certificate hostname (repeatable from etcd 3.5)")
	fs.StringVar(&cfg.tls.crlFile, "crl-file", "", "certificate revocation list")
	fs.StringVar(&etcdVersionFlag, "etcd-version", "", "X.Y: must be the etcd release this peer is built on")

	fs.Var(idFlag{&cfg.to}, "to", "send/snapshot: target member id")
	fs.StringVar(&msgType, "type", "MsgApp", "send: message type (etcd name)")
	fs.Var(decimalFlag{&cfg.count}, "count", "send: number of messages")
	fs.Float64Var(&cfg.rate, "rate", 0, "send: messages per second (0 = unpaced)")
	fs.StringVar(&cfg.onDrop, "on-drop", "retry", "send: retry|drop")
	fs.StringVar(&cfg.digest, "digest", "full", "digests: full (SHA-256) | cheap (check64)")
	fs.BoolVar(&cfg.awaitAcks, "await-acks", false, "send: wait for echo answers")
	fs.Var(decimalFlag{&cfg.window}, "window", "send: max unanswered messages with --await-acks")
	fs.StringVar(&waitStreams, "wait-streams", "msgapp,message", "streams from --to to wait for")
	fs.DurationVar(&cfg.waitActive, "wait-active", 10*time.Second, "max wait for peers and streams")
	fs.Var(decimalFlag{&cfg.content.entries}, "entries", "entries per message (K)")
	fs.Var(decimalFlag{&entrySize}, "entry-size", "entry data size in bytes")
	fs.Var(decimalFlag{&cfg.content.startIndex}, "start-index", "first log index (S)")
	fs.Var(decimalFlag{&cfg.content.term}, "term", "first term (T)")
	fs.Var(decimalFlag{&cfg.content.termEvery}, "term-every", "term increment period (E)")
	fs.Var(decimalFlag{&cfg.content.rejectEvery}, "reject-every", "reject period (R)")
	fs.Var(decimalFlag{&cfg.content.seed}, "seed", "content seed")

	fs.Var(decimalFlag{&cfg.snapIndex}, "snap-index", "snapshot: metadata index")
	fs.Var(decimalFlag{&cfg.snapTerm}, "snap-term", "snapshot: metadata and message term")
	fs.Var(decimalFlag{&cfg.snapDataSize}, "snap-data-size", "snapshot: Snapshot.Data size")
	fs.Var(decimalFlag{&cfg.dbSize}, "db-size", "snapshot: DB body size")
	fs.DurationVar(&cfg.snapTimeout, "snap-timeout", 60*time.Second, "snapshot: max wait for the report")
	fs.StringVar(&cfg.dbFileDir, "db-file-dir", "", "snapshot: write the DB into a file here first and send the file")
	fs.Var(idFlag{&cfg.backgroundSnapshotTo}, "background-snapshot-to", "send: a --peer to send a snapshot to meanwhile")

	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	if etcdVersionFlag != "" && etcdVersionFlag != etcdMinor() {
		return nil, fmt.Errorf("--etcd-version %s: this peer is built on etcd %s and accepts only --etcd-version %s",
			etcdVersionFlag, etcdVersion, etcdMinor())
	}
	switch cfg.mode {
	case "sink", "echo", "send", "snapshot":
	default:
		return nil, fmt.Errorf("bad --mode %q (want sink|echo|send|snapshot)", cfg.mode)
	}
	if cfg.id == 0 {
		return nil, errors.New("--id is required (non-zero hex)")
	}
	if listen == "" {
		return nil, errors.New("--listen is required")
	}
	u, err := parsePeerURLs(listen)
	if err != nil {
		return nil, fmt.Errorf("--listen: %v", err)
	}
	if len(u) != 1 {
		return nil, errors.New("--listen takes one URL")
	}
	cfg.listen = u[0]
	if cfg.listen.Scheme == "https" && (cfg.tls.certFile == "" || cfg.tls.keyFile == "") {
		return nil, errors.New("--listen https:// needs --cert-file and --key-file")
	}
	// An empty value means "not set", as an empty --peer-cert-allowed-cn does in etcd 3.4.
	cfg.tls.allowedCNs, cfg.tls.allowedHostnames = nonEmpty(allowedCNs), nonEmpty(allowedHostnames)
	if len(cfg.tls.allowedCNs) > 0 && len(cfg.tls.allowedHostnames) > 0 {
		return nil, errors.New("--allowed-cn and --allowed-hostname are mutually exclusive")
	}
	if !allowListsSupported && (len(cfg.tls.allowedCNs) > 1 || len(cfg.tls.allowedHostnames) > 1) {
		return nil, fmt.Errorf("--allowed-cn and --allowed-hostname take one value with etcd %s", etcdVersion)
	}

	if cfg.peers, err = parseMembers("--peer", peers); err != nil {
		return nil, err
	}
	if cfg.remotes, err = parseMembers("--remote", remotes); err != nil {
		return nil, err
	}
	for _, s := range removed {
		id, err := parseID(s)
		if err != nil {
			return nil, fmt.Errorf("--removed: %v", err)
		}
		cfg.removed = append(cfg.removed, uint64(id))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"--linger", cfg.linger}, {"--duration", cfg.duration}, {"--idle", cfg.idle},
		{"--wait-active", cfg.waitActive}, {"--snap-timeout", cfg.snapTimeout}} {
		if d.v < 0 {
			return nil, fmt.Errorf("%s must not be negative", d.name)
		}
	}

	t, ok := messageTypeByName(msgType)
	if !ok {
		return nil, fmt.Errorf("bad --type %q (want an etcd message type name such as MsgApp)", msgType)
	}
	cfg.content.msgType = t
	if entrySize > 1<<31 {
		return nil, errors.New("--entry-size too large")
	}
	cfg.content.entrySize = int(entrySize)
	if cfg.snapDataSize > 1<<31 {
		return nil, errors.New("--snap-data-size too large")
	}
	if cfg.rate < 0 {
		return nil, errors.New("--rate must not be negative")
	}
	if cfg.onDrop != "retry" && cfg.onDrop != "drop" {
		return nil, fmt.Errorf("bad --on-drop %q (want retry|drop)", cfg.onDrop)
	}
	if cfg.digest != "full" && cfg.digest != "cheap" {
		return nil, fmt.Errorf("bad --digest %q (want full|cheap)", cfg.digest)
	}
	if cfg.window == 0 {
		return nil, errors.New("--window must be at least 1")
	}
	for _, s := range strings.Split(waitStreams, ",") {
		s = strings.TrimSpace(s)
		switch s {
		case "":
		case "msgapp", "message":
			cfg.waitStreams = append(cfg.waitStreams, s)
		default:
			return nil, fmt.Errorf("bad --wait-streams element %q (want msgapp,message)", s)
		}
	}
	if cfg.backgroundSnapshotTo != 0 && cfg.mode != "send" {
		return nil, errors.New("--background-snapshot-to is for --mode send")
	}
	if cfg.mode == "send" || cfg.mode == "snapshot" {
		if cfg.to == 0 {
			return nil, fmt.Errorf("--mode %s needs --to", cfg.mode)
		}
		cfg.content.from = uint64(cfg.id)
		cfg.content.to = uint64(cfg.to)
		cfg.content.ackContext = cfg.awaitAcks
	}
	if cfg.mode == "send" && cfg.awaitAcks {
		if _, ok := ackResponseType(cfg.content.msgType); !ok {
			return nil, fmt.Errorf("--await-acks needs a --type the echo answers (MsgApp, MsgHeartbeat, MsgVote, MsgPreVote, MsgReadIndex), not %s", msgType)
		}
	}
	if cfg.backgroundSnapshotTo != 0 && !isListed(cfg.peers, cfg.backgroundSnapshotTo) {
		return nil, fmt.Errorf("--background-snapshot-to %s must be a --peer", cfg.backgroundSnapshotTo)
	}
	return cfg, nil
}

func parseMembers(name string, values []string) ([]memberURLs, error) {
	var out []memberURLs
	for _, v := range values {
		eq := strings.IndexByte(v, '=')
		if eq < 0 {
			return nil, fmt.Errorf("%s %q: want ID=URL[,URL...]", name, v)
		}
		id, err := parseID(v[:eq])
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		us, err := parsePeerURLs(v[eq+1:])
		if err != nil {
			return nil, fmt.Errorf("%s %s: %v", name, id, err)
		}
		urls := make([]string, len(us))
		for i := range us {
			urls[i] = us[i].String()
		}
		out = append(out, memberURLs{id: id, urls: urls})
	}
	return out, nil
}

// parsePeerURLs validates a comma-separated list like etcd's URL list type
// (scheme, host:port, no path; sorted), restricted to http/https on loopback.
func parsePeerURLs(list string) ([]url.URL, error) {
	us, err := newURLs(strings.Split(list, ","))
	if err != nil {
		return nil, err
	}
	for _, u := range us {
		if u.Scheme != "http" && u.Scheme != "https" {
			return nil, fmt.Errorf("%s: only http and https URLs are supported", u.String())
		}
		if !isLoopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("%s: refusing a non-loopback address", u.String())
		}
	}
	return us, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func isListed(members []memberURLs, id memberID) bool {
	for _, m := range members {
		if m.id == id {
			return true
		}
	}
	return false
}

func nonEmpty(values []string) []string {
	var out []string
	for _, v := range values {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// etcdMinor is "X.Y" of etcdVersion.
func etcdMinor() string {
	parts := strings.SplitN(etcdVersion, ".", 3)
	if len(parts) < 2 {
		return etcdVersion
	}
	return parts[0] + "." + parts[1]
}

const usage = `usage: rafthttp-peer-go --mode sink|echo|send|snapshot --id HEX --listen URL [flags]
  the contract is doc/peer-cli.md; Go-specific choices are in tests/interop/goref/README.md`

func usageText() string {
	return usage + "\n  built on etcd " + etcdVersion + "'s rafthttp (--etcd-version " + etcdMinor() + ")"
}
