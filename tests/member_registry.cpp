// The transport's members (doc/protocol.md 3.7): peers and remotes by id, and
// the remotes a request's X-PeerURLs may add, bounded and vetted.
#include <rafthttp/member_registry.hpp>

#include "support/recording_raft.hpp"

#include <doctest/doctest.h>

#include <asio/io_context.hpp>

#include <memory>

using namespace rafthttp;

namespace {

struct fixture {
  explicit fixture(transport_options o)
      : members(std::make_shared<member_registry>(std::make_shared<detail::core>(
            ctx.get_executor(), std::move(o), detail::make_raft_callbacks(raft),
            detail::make_snapshotter_callbacks(snapshotter)))) {}
  ~fixture() {
    for (auto& [id, r] : members->remotes) r->stop();
  }

  static http::request_head request_from(std::string_view from, std::string_view urls) {
    http::request_head head("POST", "/raft");
    head.headers.set("X-Server-From", std::string(from));
    if (!urls.empty()) head.headers.set("X-PeerURLs", std::string(urls));
    return head;
  }

  asio::io_context ctx;
  test::recording_raft raft;
  test::memory_snapshotter snapshotter;
  std::shared_ptr<member_registry> members;
};

transport_options local_member() {
  transport_options o;
  o.id = 1;
  o.cluster_id = 0x7b;
  return o;
}

}  // namespace

TEST_CASE("a sender's X-PeerURLs add it as a remote once; without valid URLs nothing is added") {
  fixture f(local_member());
  f.members->add_remote_from_request(fixture::request_from("2", "http://127.0.0.1:1"));
  REQUIRE(f.members->remotes.contains(2));
  const auto first = f.members->remotes.at(2);
  f.members->add_remote_from_request(fixture::request_from("2", "http://127.0.0.1:2"));
  CHECK(f.members->remotes.at(2) == first);
  f.members->add_remote_from_request(fixture::request_from("3", ""));
  f.members->add_remote_from_request(fixture::request_from("4", "not a url"));
  f.members->add_remote_from_request(fixture::request_from("zz", "http://127.0.0.1:1"));
  CHECK(f.members->remotes.size() == 1);
  CHECK(f.members->find_peer(2) == nullptr);  // a remote is no peer
}

TEST_CASE("remotes from requests are bounded and vetted; the user's add_remote is not") {
  auto o = local_member();
  o.max_remotes_from_requests = 1;
  o.accept_remote_urls = [](member_id id, const url_list&) { return id != 5; };
  fixture f(std::move(o));
  f.members->add_remote_from_request(fixture::request_from("5", "http://127.0.0.1:1"));  // refused by the hook
  f.members->add_remote_from_request(fixture::request_from("2", "http://127.0.0.1:1"));
  f.members->add_remote_from_request(fixture::request_from("3", "http://127.0.0.1:1"));  // beyond the bound
  CHECK(f.members->remotes.size() == 1);
  CHECK(f.members->remotes.contains(2));
  CHECK(f.members->remotes_from_requests == 1);
  f.members->add_remote(3, *url_list::parse("http://127.0.0.1:1"));
  CHECK(f.members->remotes.contains(3));
}
