// micro: in-process microbenchmarks of rafthttp-cpp, plain C++ with
// std::chrono (no benchmark library).
//
//   micro [--quick] [--json] [--filter TEXT]
//
// For each case: CPU nanoseconds per message (this process's user + sys time,
// which other tenants of a shared machine disturb far less than wall time),
// the wall-clock rate, and heap allocations (and bytes) per message, counted
// by the replaced global operator new below (and by the C allocation
// functions, which Asio uses for its coroutine frames). Cases:
//
//   raftpb    encode / decode of a MsgApp with one entry (64 B .. 1 MiB), a
//             MsgAppResp and a MsgHeartbeat (rafthttp/raftpb/codec.hpp)
//   stream    message-stream frames: append_frame, message_stream_decoder
//             fed whole buffers and 1500-byte pieces (rafthttp/codec/message_stream.hpp)
//   msgappv2  encoder (AppEntries records of consecutive MsgApps), decoder
//             (rafthttp/codec/msgappv2.hpp)
//   transport two transports on one io_context (rafthttp::testing::cluster),
//             member 1 sends MsgApp to member 2 over the msgappv2 stream:
//               one-way   member 2's process() counts;
//               echo      member 2 answers each MsgApp with a MsgAppResp from
//                         inside process() (over the message stream), at most
//                         256 unanswered, as `rafthttp-peer --await-acks`.
//             Allocations are split by where they happen: inside
//             transport.send() (the stream send path: encoding into the
//             writer's buffer), inside Raft::process() (our counting policy
//             allocates nothing, so anything there is the echo's send()), and
//             in the rest of the event loop (stream writer's write, reader's
//             read, decoding, delivery, timers, coroutine frames). Measured in
//             steady state, after a warm-up. The target is zero.
//   metrics   the metric and v2-stats updates the transport makes for each
//             MsgApp on the msgappv2 stream (both sides), alone, with the
//             library's own types: what they add to a transport case's
//             ns/msg (issue 9: counters must cost nothing measurable).
#include <rafthttp/codec/message_stream.hpp>
#include <rafthttp/codec/msgappv2.hpp>
#include <rafthttp/raftpb/codec.hpp>
#include <rafthttp/stats.hpp>
#include <rafthttp/testing.hpp>

#include <asio/io_context.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <time.h>

// Under `valgrind --tool=callgrind`, each measured section is dumped on its
// own (named after the case), so instructions per message can be read off
// exactly, whatever else the machine is doing (benchmarks/callgrind_micro.py).
#if __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define MICRO_SECTION_BEGIN() CALLGRIND_ZERO_STATS
#define MICRO_SECTION_END(name) CALLGRIND_DUMP_STATS_AT(name)
#else
#define MICRO_SECTION_BEGIN() ((void)0)
#define MICRO_SECTION_END(name) ((void)(name))
#endif

// ------------------------------------------------------ allocation counting --

namespace alloc_count {

// Where an allocation happens (the transport cases attribute them).
enum scope : int { other = 0, send_call = 1, process_call = 2, scopes = 3 };

std::atomic<std::uint64_t> count[scopes];
std::atomic<std::uint64_t> bytes[scopes];
// A plain atomic rather than thread_local: malloc() below may run before a
// thread's TLS is usable. The cases are single-threaded.
std::atomic<int> current{other};

struct snapshot {
  std::uint64_t count[scopes];
  std::uint64_t bytes[scopes];
  std::uint64_t total_count() const { return count[0] + count[1] + count[2]; }
  std::uint64_t total_bytes() const { return bytes[0] + bytes[1] + bytes[2]; }
};

snapshot take() {
  snapshot s{};
  for (int i = 0; i < scopes; ++i) {
    s.count[i] = count[i].load(std::memory_order_relaxed);
    s.bytes[i] = bytes[i].load(std::memory_order_relaxed);
  }
  return s;
}

snapshot since(const snapshot& before) {
  snapshot now = take();
  for (int i = 0; i < scopes; ++i) {
    now.count[i] -= before.count[i];
    now.bytes[i] -= before.bytes[i];
  }
  return now;
}

inline void note(std::size_t n) {
  const int at = current.load(std::memory_order_relaxed);
  count[at].fetch_add(1, std::memory_order_relaxed);
  bytes[at].fetch_add(n, std::memory_order_relaxed);
}

// Sets the scope for its lifetime.
struct in_scope {
  explicit in_scope(scope s) : saved(current.load(std::memory_order_relaxed)) {
    current.store(s, std::memory_order_relaxed);
  }
  ~in_scope() { current.store(saved, std::memory_order_relaxed); }
  in_scope(const in_scope&) = delete;
  int saved;
};

}  // namespace alloc_count

// glibc's allocator under its own names: the counting entry points below
// forward to it.
extern "C" {
void* __libc_malloc(std::size_t);
void* __libc_calloc(std::size_t, std::size_t);
void* __libc_realloc(void*, std::size_t);
void* __libc_memalign(std::size_t, std::size_t);
}

namespace alloc_count {

void* allocate(std::size_t n) {
  note(n);
  if (void* p = __libc_malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

void* allocate_aligned(std::size_t n, std::align_val_t al) {
  note(n);
  if (void* p = __libc_memalign(static_cast<std::size_t>(al), n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

}  // namespace alloc_count

// The replaced global operator new (every C++ allocation) ...
void* operator new(std::size_t n) { return alloc_count::allocate(n); }
void* operator new[](std::size_t n) { return alloc_count::allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  alloc_count::note(n);
  return __libc_malloc(n == 0 ? 1 : n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  alloc_count::note(n);
  return __libc_malloc(n == 0 ? 1 : n);
}
void* operator new(std::size_t n, std::align_val_t al) { return alloc_count::allocate_aligned(n, al); }
void* operator new[](std::size_t n, std::align_val_t al) { return alloc_count::allocate_aligned(n, al); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

// ... and the C allocation functions, which the executable's definitions
// interpose for every caller outside libc: Asio allocates its coroutine frames
// and handlers with std::aligned_alloc (asio::aligned_new), not operator new.
// Memory is released by libc's own free(). These definitions also hide every
// allocation from heaptrack (its preloaded malloc loses to the executable's):
// compile with -DMICRO_NO_MALLOC_HOOKS to look at call stacks with heaptrack.
#ifndef MICRO_NO_MALLOC_HOOKS
extern "C" {
void* malloc(std::size_t n) {
  alloc_count::note(n);
  return __libc_malloc(n);
}
void* calloc(std::size_t count, std::size_t n) {
  alloc_count::note(count * n);
  return __libc_calloc(count, n);
}
void* realloc(void* p, std::size_t n) {
  alloc_count::note(n);
  return __libc_realloc(p, n);
}
void* aligned_alloc(std::size_t al, std::size_t n) {
  alloc_count::note(n);
  return __libc_memalign(al, n);
}
void* memalign(std::size_t al, std::size_t n) {
  alloc_count::note(n);
  return __libc_memalign(al, n);
}
int posix_memalign(void** out, std::size_t al, std::size_t n) {
  alloc_count::note(n);
  *out = __libc_memalign(al, n);
  return *out ? 0 : 12;  // ENOMEM
}
}
#endif  // MICRO_NO_MALLOC_HOOKS

namespace {

using namespace rafthttp;
using clock_type = std::chrono::steady_clock;

// ----------------------------------------------------------------- output --

struct options {
  bool quick = false;
  bool json = false;
  std::string filter;
};

options opts;
std::vector<std::string> json_rows;

template <class T>
void do_not_optimize(const T& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

bool selected(std::string_view name) { return opts.filter.empty() || name.find(opts.filter) != std::string_view::npos; }

// One result row: per-message time and allocations, with optional split.
struct row {
  std::string name;
  std::uint64_t messages = 0;
  double seconds = 0;      // wall clock
  double cpu_seconds = 0;  // this process's CPU time (user + sys): robust on a shared machine
  alloc_count::snapshot allocs{};
  bool split = false;  // print the send/process/loop split
};

void print(const row& r) {
  const double n = static_cast<double>(r.messages);
  const double ns = r.cpu_seconds * 1e9 / n;
  const double allocs = static_cast<double>(r.allocs.total_count()) / n;
  const double bytes = static_cast<double>(r.allocs.total_bytes()) / n;
  if (opts.json) {
    char text[512];
    std::snprintf(text, sizeof text,
                  "{\"name\":\"%s\",\"messages\":%llu,\"cpu_ns_per_msg\":%.2f,\"wall_msgs_per_s\":%.1f,"
                  "\"allocs_per_msg\":%.4f,\"alloc_bytes_per_msg\":%.1f,\"allocs_send_call\":%.4f,"
                  "\"allocs_process_call\":%.4f,\"allocs_event_loop\":%.4f}",
                  r.name.c_str(), static_cast<unsigned long long>(r.messages), ns, n / r.seconds, allocs, bytes,
                  static_cast<double>(r.allocs.count[alloc_count::send_call]) / n,
                  static_cast<double>(r.allocs.count[alloc_count::process_call]) / n,
                  static_cast<double>(r.allocs.count[alloc_count::other]) / n);
    json_rows.emplace_back(text);
    return;
  }
  std::printf("%-46s %10.1f ns/msg %12.0f msg/s %9.4f allocs/msg %11.1f B/msg", r.name.c_str(), ns, n / r.seconds,
              allocs, bytes);
  if (r.split) {
    std::printf("   [send() %.4f, process() %.4f, event loop %.4f]",
                static_cast<double>(r.allocs.count[alloc_count::send_call]) / n,
                static_cast<double>(r.allocs.count[alloc_count::process_call]) / n,
                static_cast<double>(r.allocs.count[alloc_count::other]) / n);
  }
  std::printf("\n");
  std::fflush(stdout);
}

double cpu_now() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// Runs `body(iterations)` once to warm up, then measures it; `body` returns
// the number of messages it handled.
template <class Body>
void measure(const std::string& name, std::uint64_t iterations, Body body) {
  if (!selected(name)) return;
  if (opts.quick) iterations = std::max<std::uint64_t>(1, iterations / 10);
  body(std::max<std::uint64_t>(1, iterations / 10));  // warm-up: caches, capacities
  row r;
  r.name = name;
  const auto before = alloc_count::take();
  const auto start = clock_type::now();
  const double cpu_start = cpu_now();
  MICRO_SECTION_BEGIN();
  r.messages = body(iterations);
  MICRO_SECTION_END(name.c_str());
  r.cpu_seconds = cpu_now() - cpu_start;
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  r.allocs = alloc_count::since(before);
  print(r);
}

// ---------------------------------------------------------------- content --

std::string payload(std::size_t n) {
  std::string s(n, '\0');
  std::uint64_t x = 0x9E3779B97F4A7C15ull;
  for (auto& c : s) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  return s;
}

// Message i of a leader's steady stream: MsgApp continuing the previous one.
message msg_app(member_id from, member_id to, std::uint64_t i, const std::string& data) {
  message m;
  m.type = message_type::MsgApp;
  m.from = from;
  m.to = to;
  m.term = 1;
  m.log_term = i == 0 ? 0 : 1;
  m.index = i;
  m.commit = i;
  raftpb::entry e;
  e.term = 1;
  e.index = i + 1;
  e.data = std::string_view(data);
  m.entries.push_back(std::move(e));
  return m;
}

// Advances a MsgApp to the next index without reallocating its entry.
void advance(message& m) {
  m.index += 1;
  m.commit = m.index;
  m.log_term = 1;
  m.entries[0].index = m.index + 1;
}

message msg_app_resp(member_id from, member_id to, std::uint64_t index) {
  message m;
  m.type = message_type::MsgAppResp;
  m.from = from;
  m.to = to;
  m.term = 1;
  m.index = index;
  return m;
}

message msg_heartbeat(member_id from, member_id to) {
  message m;
  m.type = message_type::MsgHeartbeat;
  m.from = from;
  m.to = to;
  m.term = 1;
  m.commit = 10;
  return m;
}

std::string size_name(std::size_t n) {
  if (n >= (1u << 20)) return std::to_string(n >> 20) + "MiB";
  if (n >= 1024) return std::to_string(n >> 10) + "KiB";
  return std::to_string(n) + "B";
}

// Iterations so that each case handles about `bytes_budget` payload bytes,
// between min and max messages.
std::uint64_t iterations_for(std::size_t size, std::uint64_t max_iterations) {
  const std::uint64_t by_bytes = (std::uint64_t{256} << 20) / std::max<std::size_t>(size, 1);
  return std::clamp<std::uint64_t>(by_bytes, 200, max_iterations);
}

// ----------------------------------------------------------------- raftpb --

void bench_raftpb(const std::vector<std::size_t>& sizes) {
  auto encode_decode = [](const std::string& label, message m, std::uint64_t iterations) {
    std::vector<std::uint8_t> buffer(raftpb::encoded_size(m) + 64);
    measure("raftpb encode " + label, iterations, [&](std::uint64_t n) {
      for (std::uint64_t i = 0; i < n; ++i) {
        const std::size_t size = raftpb::encoded_size(m);
        if (raftpb::encode(m, std::span(buffer.data(), size)) != size) std::abort();
        do_not_optimize(buffer.data());
      }
      return n;
    });
    const auto encoded = raftpb::encode(m);
    message out;
    measure("raftpb decode " + label, iterations, [&](std::uint64_t n) {
      for (std::uint64_t i = 0; i < n; ++i) {
        if (raftpb::decode(encoded, out)) std::abort();
        do_not_optimize(out);
      }
      return n;
    });
  };
  for (const auto size : sizes) {
    const auto data = payload(size);
    encode_decode("MsgApp 1x" + size_name(size), msg_app(1, 2, 5, data), iterations_for(size, 2'000'000));
  }
  encode_decode("MsgAppResp", msg_app_resp(2, 1, 5), 2'000'000);
  encode_decode("MsgHeartbeat", msg_heartbeat(1, 2), 2'000'000);
}

// ----------------------------------------------------------------- stream --

// Feeds `bytes` to a decoder whole or in `piece`-byte pieces (a TCP read).
template <class Decoder>
std::uint64_t feed_all(Decoder& decoder, std::span<const std::uint8_t> bytes, std::size_t piece) {
  std::uint64_t messages = 0;
  auto on_message = [&messages](message& m) {
    do_not_optimize(m);
    ++messages;
  };
  if (piece == 0) {
    if (decoder.feed(bytes, on_message)) std::abort();
    return messages;
  }
  for (std::size_t at = 0; at < bytes.size(); at += piece) {
    if (decoder.feed(bytes.subspan(at, std::min(piece, bytes.size() - at)), on_message)) std::abort();
  }
  return messages;
}

void bench_message_stream(const std::vector<std::size_t>& sizes) {
  for (const auto size : sizes) {
    const auto data = payload(size);
    const std::string label = "MsgApp 1x" + size_name(size);
    const std::uint64_t iterations = iterations_for(size, 2'000'000);
    // A batch of frames as one write would carry them.
    const std::uint64_t batch = std::clamp<std::uint64_t>((std::uint64_t{1} << 20) / (size + 64), 1, 256);
    message m = msg_app(1, 2, 1, data);
    detail::byte_buffer out;
    measure("stream append_frame " + label, iterations, [&](std::uint64_t n) {
      std::uint64_t done = 0;
      while (done < n) {
        out.clear();
        for (std::uint64_t i = 0; i < batch && done < n; ++i, ++done) {
          codec::append_frame(m, out);
          advance(m);
        }
        do_not_optimize(out.data());
      }
      return n;
    });
    out.clear();
    for (std::uint64_t i = 0; i < batch; ++i) codec::append_frame(m, out);
    for (const std::size_t piece : {std::size_t{0}, std::size_t{1500}}) {
      codec::message_stream_decoder decoder;
      const std::string how = piece == 0 ? "whole" : "1500B pieces";
      measure("stream decode (" + how + ") " + label, iterations, [&](std::uint64_t n) {
        std::uint64_t done = 0;
        while (done < n) done += feed_all(decoder, out.bytes(), piece);
        return done;
      });
    }
  }
  // The echo's answers.
  message resp = msg_app_resp(2, 1, 1);
  detail::byte_buffer out;
  measure("stream append_frame MsgAppResp", 2'000'000, [&](std::uint64_t n) {
    std::uint64_t done = 0;
    while (done < n) {
      out.clear();
      for (int i = 0; i < 256 && done < n; ++i, ++done) {
        codec::append_frame(resp, out);
        ++resp.index;
      }
      do_not_optimize(out.data());
    }
    return n;
  });
  out.clear();
  for (int i = 0; i < 256; ++i) codec::append_frame(resp, out);
  codec::message_stream_decoder decoder;
  measure("stream decode (whole) MsgAppResp", 2'000'000, [&](std::uint64_t n) {
    std::uint64_t done = 0;
    while (done < n) done += feed_all(decoder, out.bytes(), 0);
    return done;
  });
}

// --------------------------------------------------------------- msgappv2 --

void bench_msgappv2(const std::vector<std::size_t>& sizes) {
  for (const auto size : sizes) {
    const auto data = payload(size);
    const std::string label = "MsgApp 1x" + size_name(size);
    const std::uint64_t iterations = iterations_for(size, 2'000'000);
    const std::uint64_t batch = std::clamp<std::uint64_t>((std::uint64_t{1} << 20) / (size + 64), 1, 256);
    // Encoder: after the first full record, AppEntries records.
    codec::msgappv2_encoder encoder(1, 2);
    message m = msg_app(1, 2, 0, data);
    detail::byte_buffer out;
    measure("msgappv2 encode " + label, iterations, [&](std::uint64_t n) {
      std::uint64_t done = 0;
      while (done < n) {
        out.clear();
        for (std::uint64_t i = 0; i < batch && done < n; ++i, ++done) {
          encoder.append(m, out);
          advance(m);
        }
        do_not_optimize(out.data());
      }
      return n;
    });
    // Decoder: a connection starts with a full record; the AppEntries records
    // that follow are then replayed on the same decoder (it rebuilds each
    // MsgApp from its own state, so replaying them is a steady stream).
    codec::msgappv2_encoder fresh(1, 2);
    message first = msg_app(1, 2, 0, data);
    detail::byte_buffer opening;
    fresh.append(first, opening);
    advance(first);
    detail::byte_buffer records;
    for (std::uint64_t i = 0; i < std::max<std::uint64_t>(batch, 4); ++i) {
      fresh.append(first, records);
      advance(first);
    }
    for (const std::size_t piece : {std::size_t{0}, std::size_t{1500}}) {
      const std::string how = piece == 0 ? "whole" : "1500B pieces";
      codec::msgappv2_decoder decoder(2, 1);
      feed_all(decoder, opening.bytes(), 0);
      measure("msgappv2 decode (" + how + ") " + label, iterations, [&](std::uint64_t n) {
        std::uint64_t done = 0;
        while (done < n) done += feed_all(decoder, records.bytes(), piece);
        return done;
      });
    }
  }
}

// -------------------------------------------------------------- transport --

// Raft policy of the transport cases: counts MsgApps (member 2) or their
// answers (member 1); member 2 answers in echo mode.
struct bench_raft {
  std::function<void(const message&)> send;  // member 2's transport.send (echo)
  member_id self = 0;
  bool echo = false;
  std::uint64_t apps = 0;
  std::uint64_t answers = 0;
  message reply;

  void process(message& m) {
    alloc_count::in_scope scope(alloc_count::process_call);
    if (m.type == message_type::MsgAppResp) {
      ++answers;
      return;
    }
    if (m.type != message_type::MsgApp) return;
    ++apps;
    if (echo && send) {
      reply.type = message_type::MsgAppResp;
      reply.from = self;
      reply.to = m.from;
      reply.term = m.term;
      reply.index = m.entries.empty() ? m.index : m.entries.back().index;
      send(reply);
    }
  }
  bool is_id_removed(member_id) const { return false; }
  void report_unreachable(member_id) {}
  void report_snapshot(member_id, snapshot_status) {}
};

struct bench_snapshotter {
  asio::awaitable<std::error_code> save_db(const message&, db_reader&) { co_return std::error_code{}; }
};

using bench_cluster = rafthttp::testing::cluster<bench_raft, bench_snapshotter>;

void bench_transport(std::size_t size, bool echo) {
  const std::string name = std::string("transport ") + (echo ? "echo window 256 " : "one-way ") + "MsgApp 1x" +
                            size_name(size);
  if (!selected(name)) return;
  asio::io_context io(1);
  transport_options base;
  base.cluster_id = 0x1000;
  bench_cluster c(io, 2, base, [](member_id id) {
    auto r = std::make_unique<bench_raft>();
    r->self = id;
    return r;
  });
  c.raft(2).send = [t = &c.transport(2)](const message& reply) { (void)t->send(reply); };
  c.raft(2).echo = echo;
  c.connect_all();
  if (!c.run_until([&] { return c.streams_attached(); })) {
    std::fprintf(stderr, "micro: streams did not attach\n");
    std::exit(1);
  }
  const auto data = payload(size);
  message m = msg_app(1, 2, 0, data);
  constexpr std::uint64_t batch = 256;  // messages per send burst (a raft Ready)
  auto& sender = c.transport(1);
  auto& receiver = c.raft(2);
  auto& leader = c.raft(1);
  std::uint64_t sent = 0;
  // Sends `n` messages; one-way: bursts of `batch`, then the loop runs until
  // member 2 has them all; echo: keeps at most `batch` unanswered.
  auto run = [&](std::uint64_t n) {
    const std::uint64_t target = sent + n;
    while (sent < target) {
      const std::uint64_t in_flight = echo ? sent - leader.answers : 0;
      const std::uint64_t room = batch - std::min(batch, in_flight);
      {
        alloc_count::in_scope scope(alloc_count::send_call);
        for (std::uint64_t i = 0; i < room && sent < target; ++i) {
          if (sender.send(m)) {
            std::fprintf(stderr, "micro: send dropped\n");
            std::exit(1);
          }
          advance(m);
          ++sent;
        }
      }
      if (echo) {
        const std::uint64_t want = sent > batch / 2 ? sent - batch / 2 : 0;
        if (!c.run_until([&] { return leader.answers >= want; }, std::chrono::seconds(10))) std::exit(1);
      } else {
        if (!c.run_until([&] { return receiver.apps >= sent; }, std::chrono::seconds(10))) std::exit(1);
      }
    }
    if (echo && !c.run_until([&] { return leader.answers >= sent; }, std::chrono::seconds(10))) std::exit(1);
    return n;
  };
  const std::uint64_t iterations = iterations_for(size, 400'000);
  // Warm-up: buffers reach their steady capacity.
  run(std::max<std::uint64_t>(opts.quick ? 2'000 : 20'000, iterations / 5));
  const std::uint64_t n = opts.quick ? std::max<std::uint64_t>(1000, iterations / 10) : iterations;
  row r;
  r.name = name;
  r.split = true;
  const auto before = alloc_count::take();
  const auto start = clock_type::now();
  const double cpu_start = cpu_now();
  MICRO_SECTION_BEGIN();
  r.messages = run(n);
  MICRO_SECTION_END(name.c_str());
  r.cpu_seconds = cpu_now() - cpu_start;
  r.seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  r.allocs = alloc_count::since(before);
  print(r);
}

// ---------------------------------------------------------------- metrics --

// The counter updates of the hot path for one MsgApp sent over msgappv2 and
// received, as the transport makes them (its own types and calls):
//   per message   peer::send -> server_stats::send_append_request_unstamped
//                 (peer_context::count_append_request); the reader's
//                 note_received -> peer_series::received_bytes.add
//   per write     the stream writer's loop turn: its clock read stamps the
//                 burst's requests (core::stamp_append_requests ->
//                 server_stats::stamp_send_requests); written():
//                 peer_series::sent_bytes.add, a clock read and
//                 follower_stats::succeed
// A burst of `batch` messages is one write, as in the transport cases (256);
// batch 1 is the window-1 worst case.
void bench_metrics(std::uint64_t batch) {
  network_metrics metrics;
  peer_series to(metrics, "2");    // the sender's series of its peer
  peer_series from(metrics, "1");  // the receiver's
  follower_stats follower;
  server_stats self_stats("1", "1");
  constexpr std::size_t bytes = 150;  // a MsgApp with one 128 B entry
  auto bursts = [&](std::uint64_t n) {
    for (std::uint64_t done = 0; done < n;) {
      std::uint64_t k = 0;
      for (; k < batch && done < n; ++k, ++done) {
        self_stats.send_append_request_unstamped(bytes);
        from.received_bytes.add(bytes);
        do_not_optimize(from.received_bytes);
      }
      const auto turn = http::clock::now();
      self_stats.stamp_send_requests(turn);
      to.sent_bytes.add(k * bytes);
      follower.succeed(http::clock::now() - turn, k);
      do_not_optimize(follower);
    }
  };
  measure("metrics counters per MsgApp, batch " + std::to_string(batch), 4'000'000, [&](std::uint64_t n) {
    bursts(n);
    return n;
  });
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view a = argv[i];
    if (a == "--quick") opts.quick = true;
    else if (a == "--json") opts.json = true;
    else if (a == "--filter" && i + 1 < argc) opts.filter = argv[++i];
    else {
      std::fprintf(stderr, "usage: micro [--quick] [--json] [--filter TEXT]\n");
      return 2;
    }
  }
  const std::vector<std::size_t> sizes = {64, 128, 1024, 64 * 1024, 1024 * 1024};
  bench_raftpb(sizes);
  bench_message_stream(sizes);
  bench_msgappv2(sizes);
  for (const std::size_t size : {std::size_t{128}, std::size_t{64 * 1024}}) {
    bench_transport(size, false);
    bench_transport(size, true);
  }
  bench_metrics(256);
  bench_metrics(1);
  if (opts.json) {
    std::printf("[\n");
    for (std::size_t i = 0; i < json_rows.size(); ++i)
      std::printf("  %s%s\n", json_rows[i].c_str(), i + 1 < json_rows.size() ? "," : "");
    std::printf("]\n");
  }
  return 0;
}
