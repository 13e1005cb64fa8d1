// Command etcdclient is a small etcd v3 client on the clientv3 of the release
// its go.mod requires: what the cluster scenarios (tests/interop/clusters.py)
// ask of a cluster. Every command prints one JSON object on stdout and exits
// 0; an error is one line on stderr and exit status 1.
//
//	etcdclient --endpoints URL[,URL...] [--timeout 10s] put KEY VALUE   -> {"revision": N}
//	etcdclient ... get KEY            (linearizable) -> {"found": bool, "value": "...", "revision": N}
//	etcdclient ... members                           -> {"members": [{"id": "<hex>", "name": "...", "peer_urls": [...], "client_urls": [...], "is_learner": bool}]}
//	etcdclient ... move-leader ID     (to the leader's endpoint only) -> {"moved_to": "<hex>"}
//	etcdclient ... status                            -> {"endpoints": [{"endpoint": URL, "member_id": "<hex>", "leader": "<hex>", "version": "...", "raft_term": N, "raft_index": N, "errors": [...]}]} (each endpoint asked)
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	"go.uber.org/zap"
)

func hex(id uint64) string { return fmt.Sprintf("%x", id) }

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "etcdclient: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	endpoints := flag.String("endpoints", "", "client URLs, comma-separated")
	timeout := flag.Duration("timeout", 10*time.Second, "deadline of the whole command (dial included)")
	flag.Parse()
	args := flag.Args()
	if *endpoints == "" || len(args) == 0 {
		fmt.Fprintln(os.Stderr, "usage: etcdclient --endpoints URL[,URL...] [--timeout D] put KEY VALUE | get KEY | members | move-leader ID | status")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	cli, err := clientv3.New(clientv3.Config{
		Endpoints:   strings.Split(*endpoints, ","),
		DialTimeout: *timeout,
		Context:     ctx,
		Logger:      zap.NewNop(),
	})
	if err != nil {
		fail("%v", err)
	}
	defer cli.Close()

	var out any
	switch {
	case args[0] == "put" && len(args) == 3:
		resp, err := cli.Put(ctx, args[1], args[2])
		if err != nil {
			fail("put: %v", err)
		}
		out = map[string]any{"revision": resp.Header.Revision}
	case args[0] == "get" && len(args) == 2:
		resp, err := cli.Get(ctx, args[1]) // linearizable: the default
		if err != nil {
			fail("get: %v", err)
		}
		r := map[string]any{"found": len(resp.Kvs) > 0, "revision": resp.Header.Revision}
		if len(resp.Kvs) > 0 {
			r["value"] = string(resp.Kvs[0].Value)
		}
		out = r
	case args[0] == "members" && len(args) == 1:
		resp, err := cli.MemberList(ctx)
		if err != nil {
			fail("member list: %v", err)
		}
		members := []map[string]any{}
		for _, m := range resp.Members {
			members = append(members, map[string]any{"id": hex(m.ID), "name": m.Name, "peer_urls": m.PeerURLs,
				"client_urls": m.ClientURLs, "is_learner": m.IsLearner})
		}
		out = map[string]any{"members": members}
	case args[0] == "move-leader" && len(args) == 2:
		id, err := strconv.ParseUint(args[1], 16, 64)
		if err != nil {
			fail("move-leader: member id %q: %v", args[1], err)
		}
		if _, err := cli.MoveLeader(ctx, id); err != nil {
			fail("move-leader: %v", err)
		}
		out = map[string]any{"moved_to": hex(id)}
	case args[0] == "status" && len(args) == 1:
		statuses := []map[string]any{}
		for _, ep := range strings.Split(*endpoints, ",") {
			resp, err := cli.Status(ctx, ep)
			if err != nil {
				fail("status %s: %v", ep, err)
			}
			statuses = append(statuses, map[string]any{"endpoint": ep, "member_id": hex(resp.Header.MemberId),
				"leader": hex(resp.Leader), "version": resp.Version, "raft_term": resp.RaftTerm,
				"raft_index": resp.RaftIndex, "errors": resp.Errors})
		}
		out = map[string]any{"endpoints": statuses}
	default:
		fmt.Fprintf(os.Stderr, "etcdclient: unknown command or wrong arguments: %q\n", args)
		os.Exit(2)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		fail("%v", err)
	}
}
