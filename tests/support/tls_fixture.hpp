// Peer TLS fixtures for tests: a scratch directory for certificates, peer
// certificate requests, mutual-TLS options, a TLS server answering GET /ok,
// and one GET /ok with given client options.
#pragma once

#include "support/certs.hpp"
#include "support/coro.hpp"
#include "support/scratch_dir.hpp"

#include <rafthttp/http/client.hpp>
#include <rafthttp/http/server.hpp>
#include <rafthttp/http/tls.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <random>

namespace rafthttp::test::tls_fixture {

using namespace rafthttp::http;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A directory for a test's certificates.
struct scratch : scratch_dir {
  scratch() : scratch_dir("rafthttp-tls-") {}
};

inline test::cert_request peer_request(std::string cn = "peer") {
  test::cert_request r;
  r.cn = std::move(cn);
  r.ips = {"127.0.0.1"};
  return r;
}

inline tls_options mutual(const test::test_ca& ca, const test::cert_files& own) {
  tls_options o;
  o.cert_file = own.cert;
  o.key_file = own.key;
  o.trusted_ca_file = ca.ca_file();
  o.client_cert_auth = true;
  return o;
}

// A TLS server answering GET /ok, and what it rejected.
struct tls_server {
  tls_server(asio::io_context& ctx, tls_options options)
      : tls(std::make_shared<tls_contexts>(std::move(options))),
        http_server(ctx.get_executor(), routes, {}, tls,
               [this](const std::string&, std::error_code ec) { failures.push_back(ec); }) {
    routes.mount("/ok", [](exchange& ex) -> asio::awaitable<void> { (void)co_await ex.respond(200, {}, "ok"); });
    REQUIRE_FALSE(http_server.listen({asio::ip::make_address("127.0.0.1"), 0}, true));
  }
  [[nodiscard]] peer_url url(std::string_view host = "127.0.0.1") const {
    return *parse_peer_url("https://" + std::string(host) + ":" + std::to_string(http_server.local_endpoint().port()));
  }
  std::shared_ptr<tls_contexts> tls;
  router routes;
  http::server http_server;
  std::vector<std::error_code> failures;
};

// One GET /ok with the client's TLS options; the status, or the error.
inline asio::awaitable<std::error_code> get_ok(asio::io_context& ctx, const peer_url& url, const tls_options& client) {
  tls_contexts contexts(client);
  const http::client_options options;
  connection_pool pool(options);
  const client_context dialler(ctx.get_executor(), pool, options, &contexts);
  const auto [ec, response] = co_await round_trip(dialler, outgoing_request(url, request_head("GET", "/ok"), {}, 1024));
  pool.clear();
  if (!ec && response.status != 200) co_return http::errc::unexpected_status;
  co_return ec;
}


// The names a test resolver knows (the system's resolver is not the test's
// to rely on: a fresh Debian root has no /etc/hosts to map localhost).
inline asio::awaitable<std::vector<asio::ip::address>> test_names(std::string name) {
  if (name == "member.test") co_return std::vector{asio::ip::make_address("127.0.0.1")};
  if (name == "elsewhere.test") co_return std::vector{asio::ip::make_address("10.9.9.9")};
  co_return std::vector<asio::ip::address>{};
}

}  // namespace rafthttp::test::tls_fixture
