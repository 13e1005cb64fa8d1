// etcd's peer-port endpoints beside rafthttp's, which the Go members of a real
// cluster call on every member: GET /version (the leader's cluster-version
// monitor), /downgrade/enabled (a starting 3.6+ member), /members (a joining
// member), and the forwarded requests we do not serve. Checked against what
// etcd 3.7.1's etcdhttp/version.go, etcdhttp/peer.go and server.go write.
#include <rafthttp/member_endpoints.hpp>

#include "support/coro.hpp"
#include "support/raw_http.hpp"
#include "support/recording_raft.hpp"

#include <rafthttp/transport.hpp>

#include <doctest/doctest.h>

using namespace rafthttp;
using test::raw_round_trip;
using test::request_text;

namespace {

using test_transport = transport<test::recording_raft, test::memory_snapshotter>;

struct member {
  member(asio::io_context& ctx, transport_options o) : t(ctx.get_executor(), raft, snaps, std::move(o)) {
    REQUIRE_FALSE(t.listen(http::tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)));
  }
  test::recording_raft raft;
  test::memory_snapshotter snaps;
  test_transport t;
};

transport_options options_for(etcd_version version) {
  transport_options o;
  o.id = 1;
  o.cluster_id = 0x7b;
  o.version = version;
  return o;
}

}  // namespace

CORO_TEST_CASE("GET /version says the profile's release, and what the hooks know") {
  const std::pair<etcd_version, std::string_view> expected[] = {
      {etcd_version::v3_4, R"({"etcdserver":"3.4.23","etcdcluster":"not_decided"})"},
      {etcd_version::v3_5, R"({"etcdserver":"3.5.36","etcdcluster":"not_decided"})"},
      {etcd_version::v3_6, R"({"etcdserver":"3.6.17","etcdcluster":"not_decided","storage":"unknown"})"},
      {etcd_version::v3_7, R"({"etcdserver":"3.7.4","etcdcluster":"not_decided","storage":"unknown"})"},
  };
  for (const auto& [version, body] : expected) {
    member m(ctx, options_for(version));
    const auto r = co_await raw_round_trip(ctx, m.t.local_endpoint(), request_text("GET", "/version", {}));
    CHECK(r.status == 200);
    CHECK(r.headers.get("Content-Type") == "application/json");
    CHECK(r.body == body);
  }
  auto o = options_for(etcd_version::v3_6);
  o.member.cluster_version = [] { return std::string("3.6.0"); };
  o.member.storage_version = [] { return std::string("3.6.0"); };
  member known(ctx, o);
  auto r = co_await raw_round_trip(ctx, known.t.local_endpoint(), request_text("GET", "/version", {}));
  CHECK(r.body == R"({"etcdserver":"3.6.17","etcdcluster":"3.6.0","storage":"3.6.0"})");
  r = co_await raw_round_trip(ctx, known.t.local_endpoint(), request_text("POST", "/version", {}));
  CHECK(r.status == 405);
  CHECK(r.headers.get("Allow") == "GET");
}

CORO_TEST_CASE("GET /version: an explicit server version replaces the profile's") {
  auto o = options_for(etcd_version::v3_6);
  o.server_version = "3.6.14";
  member m(ctx, o);
  const auto r = co_await raw_round_trip(ctx, m.t.local_endpoint(), request_text("GET", "/version", {}));
  CHECK(r.body == R"({"etcdserver":"3.6.14","etcdcluster":"not_decided","storage":"unknown"})");
}

CORO_TEST_CASE("GET /downgrade/enabled answers false, or what the hook says, with the cluster id") {
  member plain(ctx, options_for(etcd_version::v3_7));
  auto r = co_await raw_round_trip(ctx, plain.t.local_endpoint(), request_text("GET", "/downgrade/enabled", {}));
  CHECK(r.status == 200);
  CHECK(r.body == "false");
  CHECK(r.headers.get("Content-Type") == "text/plain");
  CHECK(r.headers.get("X-Etcd-Cluster-ID") == "7b");
  auto o = options_for(etcd_version::v3_7);
  o.member.downgrade_enabled = [] { return true; };
  member downgrading(ctx, o);
  r = co_await raw_round_trip(ctx, downgrading.t.local_endpoint(), request_text("GET", "/downgrade/enabled", {}));
  CHECK(r.body == "true");
  r = co_await raw_round_trip(ctx, downgrading.t.local_endpoint(), request_text("PUT", "/downgrade/enabled", {}));
  CHECK(r.status == 405);
}

CORO_TEST_CASE("GET /members: etcd's JSON from the hook, 404 without one") {
  member plain(ctx, options_for(etcd_version::v3_7));
  auto r = co_await raw_round_trip(ctx, plain.t.local_endpoint(), request_text("GET", "/members", {}));
  CHECK(r.status == 404);
  CHECK(r.headers.get("X-Etcd-Cluster-ID") == "7b");
  auto o = options_for(etcd_version::v3_7);
  o.member.members = [] {
    member_info a;
    a.id = 0x8e9e05c52164694d;
    a.name = "one";
    a.peer_urls = {"http://127.0.0.1:2380"};
    a.client_urls = {"http://127.0.0.1:2379"};
    member_info b;
    b.id = 2;
    b.peer_urls = {"http://127.0.0.1:2480", "http://127.0.0.2:2480"};
    b.is_learner = true;
    return std::vector<member_info>{a, b};
  };
  member listing(ctx, o);
  r = co_await raw_round_trip(ctx, listing.t.local_endpoint(), request_text("GET", "/members", {}));
  CHECK(r.status == 200);
  CHECK(r.headers.get("Content-Type") == "application/json");
  // encoding/json of []*membership.Member: id as a number, empty fields omitted.
  CHECK(r.body ==
        R"([{"id":10276657743932975437,"peerURLs":["http://127.0.0.1:2380"],"name":"one","clientURLs":["http://127.0.0.1:2379"]},)"
        R"({"id":2,"peerURLs":["http://127.0.0.1:2480","http://127.0.0.2:2480"],"isLearner":true}])"
        "\n");
}

CORO_TEST_CASE("forwarded lease, promotion and hash requests: 503 unless the user serves them; never a redirect") {
  member m(ctx, options_for(etcd_version::v3_7));
  for (const auto& [method, path] : std::vector<std::pair<const char*, const char*>>{
           {"POST", "/leases"}, {"POST", "/leases/internal"}, {"POST", "/members/promote/2"}, {"GET", "/members/hashkv"}}) {
    const auto r = co_await raw_round_trip(ctx, m.t.local_endpoint(), request_text(method, path, {}));
    CHECK(r.status == 503);
    CHECK(r.body == "not served by this member\n");
    CHECK(r.headers.get("X-Etcd-Cluster-ID") == "7b");
  }
  m.t.router()->mount("/leases", [](http::exchange& ex) -> asio::awaitable<void> {
    (void)co_await ex.respond(200, {}, "mine");
  });
  const auto r = co_await raw_round_trip(ctx, m.t.local_endpoint(), request_text("POST", "/leases", {}));
  CHECK(r.status == 200);
  CHECK(r.body == "mine");
}
