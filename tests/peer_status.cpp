#include <rafthttp/peer_status.hpp>

#include <doctest/doctest.h>

#include <asio/io_context.hpp>

using namespace rafthttp;

TEST_CASE("status changes only on transitions, with since set while active") {
  asio::io_context io;
  std::vector<std::string> logged;
  transport_options o;
  o.log = [&](log_level, std::string_view message, std::span<const log_field>) { logged.emplace_back(message); };
  detail::core core(io.get_executor(), o, {}, {});
  peer_status status(core, 2);
  CHECK_FALSE(status.active());
  CHECK(status.since() == peer_status::time_point{});
  status.deactivate("nothing yet");
  CHECK(logged.empty());
  status.activate();
  const auto since = status.since();
  CHECK(status.active());
  CHECK(since != peer_status::time_point{});
  status.activate();
  CHECK(status.since() == since);
  status.deactivate("failed to dial");
  CHECK(status.since() == peer_status::time_point{});
  CHECK(logged == std::vector<std::string>{"peer became active", "peer became inactive (message send to peer failed)"});
}
