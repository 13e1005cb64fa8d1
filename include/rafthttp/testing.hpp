// An in-process cluster of transports for tests, yours and ours: N members
// with your Raft and Snapshotter policies, on loopback ports, on one
// io_context and one thread. The test drives the context itself, one handler
// at a time, until a condition holds — deterministic, and no sleeps.
//
//   rafthttp::testing::cluster<my_raft, my_snapshotter> c(io, 3);
//   c.connect_all();
//   REQUIRE(c.run_until([&] { return c.streams_attached(); }));
//   c.transport(1).send(m);
//   REQUIRE(c.run_until([&] { return c.raft(2).seen(m); }));
//   c.cut(1, 2);      // 1 and 2 drop what they send each other
#pragma once

#include <rafthttp/transport.hpp>

#include <asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>

namespace rafthttp::testing {

template <raft_policy Raft, snapshotter_policy Snapshotter>
class cluster {
 public:
  using transport_type = rafthttp::transport<Raft, Snapshotter>;
  using raft_factory = std::function<std::unique_ptr<Raft>(member_id)>;
  using snapshotter_factory = std::function<std::unique_ptr<Snapshotter>(member_id)>;

  struct member {
    member_id id = 0;
    std::unique_ptr<Raft> raft;
    std::unique_ptr<Snapshotter> snapshotter;
    std::unique_ptr<transport_type> transport;
    url_list urls;
  };

  // Members 1..n, each listening on a free loopback port. `base` supplies the
  // options (cluster id, timeouts...); ids and URLs are set per member.
  cluster(asio::io_context& io, std::size_t n, transport_options base = {}, raft_factory make_raft = {},
          snapshotter_factory make_snapshotter = {})
      : io_(io) {
    if (base.cluster_id == 0) base.cluster_id = 0x1000;
    for (member_id id = 1; id <= n; ++id) add_member(id, base, make_raft, make_snapshotter);
  }

  ~cluster() { stop(); }

  // Every member a peer of every other.
  void connect_all() {
    for (auto& [id, m] : members_)
      for (auto& [other, o] : members_)
        if (id != other) m.transport->add_peer(other, o.urls);
  }

  // Runs the context until `condition` holds (checked after every handler) or
  // `bound` passes; returns whether it holds.
  bool run_until(const std::function<bool()>& condition,
                 std::chrono::steady_clock::duration bound = std::chrono::seconds(10)) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (!condition()) {
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) return false;
      if (io_.stopped()) io_.restart();
      io_.run_one_for(deadline - now);
    }
    return true;
  }

  // Runs the context for `d` (to let timeouts and heartbeats happen).
  void run_for(std::chrono::steady_clock::duration d) {
    if (io_.stopped()) io_.restart();
    io_.run_for(d);
  }

  // Both stream types attached in both directions between every pair.
  [[nodiscard]] bool streams_attached() const {
    for (const auto& [id, m] : members_)
      for (const auto& [other, o] : members_) {
        if (id == other) continue;
        const auto p = m.transport->find_peer(other);
        if (!p || !p->streams_attached(stream_type::message) || !p->streams_attached(stream_type::msgapp))
          return false;
      }
    return true;
  }

  // Both directions between a and b stop (start again) carrying traffic.
  void cut(member_id a, member_id b) {
    transport(a).cut_peer(b);
    transport(b).cut_peer(a);
  }
  void mend(member_id a, member_id b) {
    transport(a).mend_peer(b);
    transport(b).mend_peer(a);
  }
  // A member stops (resumes) all its traffic with every peer.
  void pause(member_id id) { transport(id).pause(); }
  void resume(member_id id) { transport(id).resume(); }

  [[nodiscard]] transport_type& transport(member_id id) { return *members_.at(id).transport; }
  [[nodiscard]] Raft& raft(member_id id) { return *members_.at(id).raft; }
  [[nodiscard]] Snapshotter& snapshotter(member_id id) { return *members_.at(id).snapshotter; }
  [[nodiscard]] const url_list& urls(member_id id) const { return members_.at(id).urls; }
  [[nodiscard]] std::size_t size() const { return members_.size(); }

  // Stops every transport and runs the context until their coroutines ended.
  void stop() {
    for (auto& [id, m] : members_) m.transport->stop();
    run_until([&] {
      for (auto& [id, m] : members_)
        if (m.transport->running_tasks() > 0) return false;
      return true;
    }, std::chrono::seconds(10));
  }

 private:
  void add_member(member_id id, const transport_options& base, const raft_factory& make_raft,
                  const snapshotter_factory& make_snapshotter) {
    member m;
    m.id = id;
    m.raft = make_raft ? make_raft(id) : make_default<Raft>();
    m.snapshotter = make_snapshotter ? make_snapshotter(id) : make_default<Snapshotter>();
    auto options = base;
    options.id = id;
    m.transport = std::make_unique<transport_type>(io_.get_executor(), *m.raft, *m.snapshotter, options);
    const auto ec = m.transport->listen(http::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    if (ec) throw std::system_error(ec, "cluster member cannot listen");
    m.urls = *url_list::parse("http://127.0.0.1:" + std::to_string(m.transport->local_endpoint().port()));
    m.transport->advertise(m.urls);
    members_.emplace(id, std::move(m));
  }

  template <class T>
  static std::unique_ptr<T> make_default() {
    if constexpr (std::is_default_constructible_v<T>) return std::make_unique<T>();
    else throw std::logic_error("pass a factory for policies that are not default-constructible");
  }

  asio::io_context& io_;
  std::map<member_id, member> members_;
};

}  // namespace rafthttp::testing
