package main

// --background-snapshot-to (doc/peer-cli.md 4.5, 4.9, 5.7): accepted and
// refused exactly as the C++ peer's tests/peer_flags.cpp expects. Run by
// build.sh with GOREF_TEST=1.

import (
	"strings"
	"testing"
)

func sendArgs(extra ...string) []string {
	return append([]string{"--mode", "send", "--id", "1", "--listen", "http://127.0.0.1:2381",
		"--peer", "2=http://127.0.0.1:2382", "--peer", "3=http://127.0.0.1:2383", "--to", "2"}, extra...)
}

func TestBackgroundSnapshotFlag(t *testing.T) {
	cfg, err := parseFlags(sendArgs())
	if err != nil || cfg.backgroundSnapshotTo != 0 {
		t.Fatalf("without the flag: %v, %+v", err, cfg)
	}
	cfg, err = parseFlags(sendArgs("--type", "MsgHeartbeat", "--await-acks", "--window", "1",
		"--background-snapshot-to", "3", "--db-size", "16777216"))
	if err != nil {
		t.Fatalf("a --peer in send mode: %v", err)
	}
	if cfg.backgroundSnapshotTo != 3 || cfg.dbSize != 16<<20 || cfg.to != 2 {
		t.Fatalf("parsed %+v", cfg)
	}
	cfg, err = parseFlags(sendArgs("--peer", "a=http://127.0.0.1:2390", "--background-snapshot-to=0A"))
	if err != nil || cfg.backgroundSnapshotTo != 10 {
		t.Fatalf("upper-case hex with a leading zero: %v, %+v", err, cfg)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{sendArgs("--background-snapshot-to", "4"), "--background-snapshot-to 4 must be a --peer"},
		{sendArgs("--remote", "4=http://127.0.0.1:2384", "--background-snapshot-to", "4"),
			"--background-snapshot-to 4 must be a --peer"},
		{sendArgs("--background-snapshot-to", "x"), `invalid value "x" for flag -background-snapshot-to`},
		{[]string{"--mode", "snapshot", "--id", "1", "--listen", "http://127.0.0.1:2381", "--peer",
			"3=http://127.0.0.1:2383", "--to", "3", "--background-snapshot-to", "3"},
			"--background-snapshot-to is for --mode send"},
		{[]string{"--mode", "sink", "--id", "1", "--listen", "http://127.0.0.1:2381", "--peer",
			"3=http://127.0.0.1:2383", "--background-snapshot-to", "3"},
			"--background-snapshot-to is for --mode send"},
	} {
		_, err := parseFlags(c.args)
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%v: got %v, want %q", c.args, err, c.want)
		}
	}
}
