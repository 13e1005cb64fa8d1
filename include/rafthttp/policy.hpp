// The two policies a transport is built on (doc/architecture.md 2.6), checked by concepts:
//
//   Raft (what etcd calls the Raft interface of rafthttp):
//     process(message&)            -> void | std::error_code |
//                                     asio::awaitable<void> | asio::awaitable<std::error_code>
//     is_id_removed(member_id)     -> bool
//     report_unreachable(member_id)
//     report_snapshot(member_id, snapshot_status)
//     on_critical_error(std::error_code)   optional; etcd's ErrorC: called with
//                                          errc::member_removed when a peer answers
//                                          403 or 410 (this member was removed)
//
//   Snapshotter:
//     save_db(const message& msnap, db_reader& body) -> asio::awaitable<std::error_code>
//                                  (db_reader: snapshot/db.hpp; file_snapshotter
//                                  in snapshot/file_snapshotter.hpp is etcd's)
//
// process may take the message by value, const& or &; it receives the
// transport's object, which it may move from. An error from process answers a
// POST with 500 and aborts the connection as Go does, except errc::member_removed,
// which answers 403 (the sender was removed: what etcd's "write yourself" errors
// do). A synchronous process runs inline when a stream delivers; an awaitable one
// runs from per-peer queues (etcd's recvc/propc) so that a slow proposal holds
// up nothing else.
//
// Exceptions. Every function of a policy, and every hook of the options (the
// log sink, the member endpoints' hooks, a snapshot's db_source and on_done),
// is called on the transport's thread, and should not throw. When one does
// anyway (a bug in the user's code), the transport logs "policy threw an
// exception" with the function's name and the exception's what(), counts it
// (transport::policy_exceptions()), and goes on as if the call had failed:
//   process            -> errc::policy_threw: that message is lost, as after any
//                         error of process (a POST is answered 500, a stream goes
//                         on with the next message)
//   is_id_removed      -> false (the sender is not taken for removed)
//   report_*, on_critical_error, on_done, the log sink -> the call is dropped
//   save_db            -> errc::policy_threw: the snapshot's POST is answered 500
//   a db_source        -> the snapshot fails and is reported to raft
//   the member hooks   -> the request is answered 500
// Nothing is left waiting and nothing leaks. (etcd's Go member panics.)
#pragma once

#include <rafthttp/error.hpp>
#include <rafthttp/id.hpp>
#include <rafthttp/raftpb/types.hpp>
#include <rafthttp/snapshot/db.hpp>

#include <asio/awaitable.hpp>

#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <span>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>

namespace rafthttp {

// raft.SnapshotStatus.
enum class snapshot_status { finish = 1, failure = 2 };

[[nodiscard]] inline std::string_view to_string(snapshot_status s) {
  return s == snapshot_status::finish ? "finish" : "failure";
}

namespace detail {

template <class T>
struct is_awaitable : std::false_type {};
template <class T, class E>
struct is_awaitable<asio::awaitable<T, E>> : std::true_type {
  using value_type = T;
};

template <class T>
concept process_value = std::same_as<T, void> || std::same_as<T, std::error_code>;

template <class T>
concept process_result = process_value<T> || (is_awaitable<T>::value && process_value<typename is_awaitable<T>::value_type>);

}  // namespace detail

// Snapshotter: persists the DB of a received snapshot before raft sees the
// MsgSnap (doc/protocol.md 8.3); an error answers the POST with 500.
template <class S>
concept snapshotter_policy = requires(S& snapshotter, const message& msnap, db_reader& body) {
  { snapshotter.save_db(msnap, body) } -> std::same_as<asio::awaitable<std::error_code>>;
};

template <class R>
concept raft_policy = requires(R& raft, message& m, member_id id, snapshot_status status) {
  { raft.is_id_removed(id) } -> std::convertible_to<bool>;
  raft.report_unreachable(id);
  raft.report_snapshot(id, status);
  requires detail::process_result<decltype(raft.process(m))>;
};

namespace detail {

// What the transport does with an exception a policy threw: log and count it.
using policy_exception_handler = std::function<void(std::string_view function, std::exception_ptr)>;

// Hands `thrown` (by default the exception being handled) to `handler`; the
// error a call that threw stands for.
inline std::error_code report_thrown(const policy_exception_handler& handler, std::string_view function,
                                     std::exception_ptr thrown = std::current_exception()) {
  if (handler) handler(function, thrown);
  return errc::policy_threw;
}

// The Raft policy behind function pointers, so that the machinery underneath
// is compiled once rather than once per policy type. The member functions are
// the only way in: they turn what the policy throws into the failure the
// header comment lists.
struct raft_callbacks {
  void* self = nullptr;
  // Exactly one of the two is set, as the policy's process is plain or awaitable.
  std::error_code (*process_now_fn)(void*, message&) = nullptr;
  asio::awaitable<std::error_code> (*process_async_fn)(void*, message&) = nullptr;
  bool (*is_id_removed_fn)(void*, member_id) = nullptr;
  void (*report_unreachable_fn)(void*, member_id) = nullptr;
  void (*report_snapshot_fn)(void*, member_id, snapshot_status) = nullptr;
  // Optional (etcd's ErrorC): errors after which the member should stop.
  void (*critical_error_fn)(void*, std::error_code) = nullptr;
  policy_exception_handler on_exception;

  [[nodiscard]] bool synchronous() const { return process_now_fn != nullptr; }

  std::error_code process_now(message& m) const {
    try {
      return process_now_fn(self, m);
    } catch (...) {
      return threw("process");
    }
  }

  asio::awaitable<std::error_code> process_async(message& m) const {
    std::exception_ptr thrown;
    try {
      co_return co_await process_async_fn(self, m);
    } catch (...) {
      thrown = std::current_exception();
    }
    co_return threw("process", thrown);
  }

  asio::awaitable<std::error_code> process(message& m) const {
    if (process_now_fn) co_return process_now(m);
    co_return co_await process_async(m);
  }

  [[nodiscard]] bool is_id_removed(member_id id) const {
    bool removed = false;  // what a call that threw answers
    guarded("is_id_removed", [&] { removed = is_id_removed_fn(self, id); });
    return removed;
  }

  void report_unreachable(member_id id) const {
    guarded("report_unreachable", [&] { report_unreachable_fn(self, id); });
  }

  void report_snapshot(member_id id, snapshot_status s) const {
    guarded("report_snapshot", [&] { report_snapshot_fn(self, id, s); });
  }

  void critical_error(std::error_code ec) const {
    if (critical_error_fn) guarded("on_critical_error", [&] { critical_error_fn(self, ec); });
  }

  // Runs `call`; what it throws is reported, and the call dropped.
  template <class Call>
  void guarded(std::string_view function, Call&& call) const {
    try {
      call();
    } catch (...) {
      (void)threw(function);
    }
  }

  std::error_code threw(std::string_view function, std::exception_ptr thrown = std::current_exception()) const {
    return report_thrown(on_exception, function, thrown);
  }
};

template <raft_policy R>
struct raft_adapter {
  using result = decltype(std::declval<R&>().process(std::declval<message&>()));

  static std::error_code process_now(void* self, message& m) {
    if constexpr (std::same_as<result, void>) {
      static_cast<R*>(self)->process(m);
      return {};
    } else {
      return static_cast<R*>(self)->process(m);
    }
  }
  static asio::awaitable<std::error_code> process_async(void* self, message& m) {
    if constexpr (std::same_as<typename is_awaitable<result>::value_type, void>) {
      co_await static_cast<R*>(self)->process(m);
      co_return std::error_code{};
    } else {
      co_return co_await static_cast<R*>(self)->process(m);
    }
  }
  static bool is_id_removed(void* self, member_id id) { return static_cast<R*>(self)->is_id_removed(id); }
  static void report_unreachable(void* self, member_id id) { static_cast<R*>(self)->report_unreachable(id); }
  static void report_snapshot(void* self, member_id id, snapshot_status s) {
    static_cast<R*>(self)->report_snapshot(id, s);
  }
  static void critical_error(void* self, std::error_code ec) { static_cast<R*>(self)->on_critical_error(ec); }
};

template <raft_policy R>
raft_callbacks make_raft_callbacks(R& raft) {
  using adapter = raft_adapter<R>;
  raft_callbacks c;
  c.self = &raft;
  if constexpr (is_awaitable<typename adapter::result>::value) c.process_async_fn = &adapter::process_async;
  else c.process_now_fn = &adapter::process_now;
  c.is_id_removed_fn = &adapter::is_id_removed;
  c.report_unreachable_fn = &adapter::report_unreachable;
  c.report_snapshot_fn = &adapter::report_snapshot;
  if constexpr (requires(R& r, std::error_code ec) { r.on_critical_error(ec); })
    c.critical_error_fn = &adapter::critical_error;
  return c;
}

// The Snapshotter policy behind a function pointer, as the Raft policy.
struct snapshotter_callbacks {
  void* self = nullptr;
  asio::awaitable<std::error_code> (*save_db_fn)(void*, const message&, db_reader&) = nullptr;
  policy_exception_handler on_exception;

  asio::awaitable<std::error_code> save_db(const message& m, db_reader& body) const {
    std::exception_ptr thrown;
    try {
      co_return co_await save_db_fn(self, m, body);
    } catch (...) {
      thrown = std::current_exception();
    }
    co_return report_thrown(on_exception, "save_db", thrown);
  }
};

template <snapshotter_policy S>
snapshotter_callbacks make_snapshotter_callbacks(S& snapshotter) {
  snapshotter_callbacks c;
  c.self = &snapshotter;
  c.save_db_fn = [](void* self, const message& m, db_reader& body) { return static_cast<S*>(self)->save_db(m, body); };
  return c;
}

}  // namespace detail
}  // namespace rafthttp
