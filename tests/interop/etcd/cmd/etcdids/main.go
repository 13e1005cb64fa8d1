// Command etcdids prints the member ids and the cluster id that etcd derives
// from an --initial-cluster string and an --initial-cluster-token, computed by
// the membership package of the release its go.mod requires
// (NewClusterFromURLsMap, the code path of a new member bootstrapping a
// static cluster). Same interface as tests/interop/etcdids (etcd 3.4).
//
//	etcdids --initial-cluster 'a=http://127.0.0.1:2380,b=http://127.0.0.1:2390' --initial-cluster-token tok
//
// Output: one JSON object {"cluster_id": "<hex>", "members": {"<name>": "<hex>", ...}}.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"go.etcd.io/etcd/client/pkg/v3/types"
	"go.etcd.io/etcd/server/v3/etcdserver/api/membership"
	"go.uber.org/zap"
)

func main() {
	initialCluster := flag.String("initial-cluster", "", "etcd's --initial-cluster (name=url[,name=url...])")
	token := flag.String("initial-cluster-token", "etcd-cluster", "etcd's --initial-cluster-token")
	flag.Parse()
	if *initialCluster == "" || flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: etcdids --initial-cluster NAME=URL[,NAME=URL...] [--initial-cluster-token TOKEN]")
		os.Exit(2)
	}
	urlsmap, err := types.NewURLsMap(*initialCluster)
	if err != nil {
		fmt.Fprintf(os.Stderr, "etcdids: --initial-cluster: %v\n", err)
		os.Exit(2)
	}
	cluster, err := membership.NewClusterFromURLsMap(zap.NewNop(), *token, urlsmap)
	if err != nil {
		fmt.Fprintf(os.Stderr, "etcdids: %v\n", err)
		os.Exit(1)
	}
	out := struct {
		ClusterID string            `json:"cluster_id"`
		Members   map[string]string `json:"members"`
	}{ClusterID: cluster.ID().String(), Members: map[string]string{}}
	for _, m := range cluster.Members() {
		out.Members[m.Name] = m.ID.String()
	}
	json.NewEncoder(os.Stdout).Encode(out)
}
