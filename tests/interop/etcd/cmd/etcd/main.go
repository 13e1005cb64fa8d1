// Command etcd is a real etcd server: the etcdmain of the etcd release that
// the go.mod it is built with (tests/interop/etcd/3.X/go.mod) requires.
// `go install go.etcd.io/etcd/server/v3@vX` refuses to build etcd (its go.mod
// has replace directives); requiring it from a module of ours works.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
