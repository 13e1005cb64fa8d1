module rafthttpgolden/gen-3.6

go 1.26

require (
	go.etcd.io/raft/v3 v3.6.0
	rafthttpgolden/common v0.0.0
)

require (
	github.com/gogo/protobuf v1.3.2 // indirect
	github.com/golang/protobuf v1.5.4 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)

replace rafthttpgolden/common => ../common
