// rafthttp-cpp: etcd's rafthttp peer transport for C++20 — everything.
#pragma once

#include <rafthttp/codec/message_stream.hpp>
#include <rafthttp/codec/msgappv2.hpp>
#include <rafthttp/error.hpp>
#include <rafthttp/event_loop.hpp>
#include <rafthttp/handlers.hpp>
#include <rafthttp/id.hpp>
#include <rafthttp/log.hpp>
#include <rafthttp/options.hpp>
#include <rafthttp/peer.hpp>
#include <rafthttp/policy.hpp>
#include <rafthttp/raftpb/codec.hpp>
#include <rafthttp/raftpb/types.hpp>
#include <rafthttp/snapshot.hpp>
#include <rafthttp/stats.hpp>
#include <rafthttp/transport.hpp>
