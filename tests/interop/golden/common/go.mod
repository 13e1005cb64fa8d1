module rafthttpgolden/common

go 1.26
