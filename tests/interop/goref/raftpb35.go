//go:build etcd36 || etcd37

package main

// etcd 3.6 and 3.7 encode raft messages differently from 3.4 (3.6 always
// writes field 13 `vote` and writes the snapshot only for MsgSnap; 3.7 writes
// only the fields that are set). Their digests are computed over the 3.4
// encoding all the same, with etcd 3.5's generated raftpb code (layout34.go).
//
// That code cannot be linked from its module here: go.etcd.io/etcd/raft/v3
// (3.5) and go.etcd.io/raft/v3 (3.6) both register the proto enums
// "raftpb.EntryType" ... with github.com/golang/protobuf, which panics on the
// second registration at start-up; with 3.7 the message names collide in the
// protobuf registry. Requiring that module would also raise
// google.golang.org/protobuf above the version etcd 3.6/3.7 pin. build.sh
// therefore takes raftpb/raft.pb.go of go.etcd.io/etcd/raft/v3 as the 3.5
// build pins it (modules/3.5/go.mod, verified against modules/3.5/go.sum) and
// copies it into the package goref/raftpb35 without its two init functions
// (the registrations); the Marshal code is etcd's, unchanged.

import raftpb35 "goref/raftpb35" // package raftpb

type (
	pb34Message     = raftpb35.Message
	pb34Entry       = raftpb35.Entry
	pb34MessageType = raftpb35.MessageType
	pb34EntryType   = raftpb35.EntryType
)
