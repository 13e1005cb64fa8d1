module rafthttpgolden/gen-3.7

go 1.26

require (
	go.etcd.io/raft/v3 v3.7.0
	google.golang.org/protobuf v1.36.11
	rafthttpgolden/common v0.0.0
)

replace rafthttpgolden/common => ../common
