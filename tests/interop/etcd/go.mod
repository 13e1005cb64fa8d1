// Marks the root of the module whose packages are cmd/etcd, cmd/etcdclient and
// cmd/etcdids. It is never read: build.sh builds with -modfile 3.X/go.mod, the
// requirements of one etcd release (tests/interop/README.md, "Real clusters of
// every version").
module rafthttp-interop/etcd

go 1.26.0
