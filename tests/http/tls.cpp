// Peer TLS: every accept and reject case of etcd's checks, with certificates
// made at test time (CA, peer certificates with IP SANs, an expired one, a
// revoked one, one from an unknown CA, a wrong CN), and rotation.
#include <rafthttp/http/tls.hpp>

#include "support/certs.hpp"
#include "support/coro.hpp"
#include "support/tls_fixture.hpp"

#include <rafthttp/http/client.hpp>
#include <rafthttp/http/server.hpp>

#include <doctest/doctest.h>

#include <filesystem>

using namespace rafthttp;
using namespace rafthttp::http;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

using namespace rafthttp::test::tls_fixture;


CORO_TEST_CASE("mutual TLS: accepted with certificates from the trusted CA") {
  scratch s;
  test::test_ca ca(s.path, "ca");
  tls_server srv(ctx, mutual(ca, ca.issue("server", peer_request("server"))));
  CHECK_FALSE(co_await get_ok(ctx, srv.url(), mutual(ca, ca.issue("client", peer_request("client")))));
  CHECK(srv.failures.empty());
}

CORO_TEST_CASE("servers reject clients without a certificate, from an unknown CA, expired or revoked") {
  scratch s;
  test::test_ca ca(s.path, "ca"), stranger(s.path, "stranger");
  auto server_options = mutual(ca, ca.issue("server", peer_request("server")));
  const auto revoked = ca.issue("revoked", peer_request("revoked"));
  server_options.crl_file = ca.crl("ca", {revoked.serial});
  tls_server srv(ctx, server_options);

  tls_options no_cert;
  no_cert.trusted_ca_file = ca.ca_file();
  CHECK(co_await get_ok(ctx, srv.url(), no_cert));
  CHECK(co_await get_ok(ctx, srv.url(), mutual(ca, stranger.issue("unknown", peer_request("unknown")))));
  auto expired_request = peer_request("expired");
  expired_request.valid_until = -3600;
  CHECK(co_await get_ok(ctx, srv.url(), mutual(ca, ca.issue("expired", expired_request))));
  CHECK(co_await get_ok(ctx, srv.url(), mutual(ca, revoked)));
  CHECK_FALSE(co_await get_ok(ctx, srv.url(), mutual(ca, ca.issue("fine", peer_request("fine")))));
  CHECK(srv.failures.size() == 4);
}

CORO_TEST_CASE("clients reject servers from an unknown CA, expired, or not valid for the host") {
  scratch s;
  test::test_ca ca(s.path, "ca"), stranger(s.path, "stranger");
  const auto client = mutual(ca, ca.issue("client", peer_request("client")));
  tls_server unknown(ctx, mutual(ca, stranger.issue("server1", peer_request())));
  CHECK(co_await get_ok(ctx, unknown.url(), client) == http::errc::tls_handshake_failed);
  auto expired = peer_request();
  expired.valid_until = -3600;
  tls_server old(ctx, mutual(ca, ca.issue("server2", expired)));
  CHECK(co_await get_ok(ctx, old.url(), client));
  auto other_host = peer_request();
  other_host.ips = {"10.1.2.3"};
  tls_server elsewhere(ctx, mutual(ca, ca.issue("server3", other_host)));
  CHECK(co_await get_ok(ctx, elsewhere.url(), client));
  auto insecure = client;
  insecure.insecure_skip_verify = true;
  CHECK_FALSE(co_await get_ok(ctx, elsewhere.url(), insecure));
}

CORO_TEST_CASE("allowed CN and allowed host name") {
  scratch s;
  test::test_ca ca(s.path, "ca");
  auto server_options = mutual(ca, ca.issue("server", peer_request("server")));
  server_options.allowed_cns = {"member-2"};
  tls_server by_cn(ctx, server_options);
  CHECK(co_await get_ok(ctx, by_cn.url(), mutual(ca, ca.issue("c1", peer_request("member-3")))) );
  CHECK_FALSE(co_await get_ok(ctx, by_cn.url(), mutual(ca, ca.issue("c2", peer_request("member-2")))));

  server_options.allowed_cns.clear();
  server_options.allowed_hostnames = {"member.example"};
  tls_server by_host(ctx, server_options);
  auto with_name = peer_request("x");
  with_name.dns = {"member.example"};
  CHECK_FALSE(co_await get_ok(ctx, by_host.url(), mutual(ca, ca.issue("c3", with_name))));
  CHECK(co_await get_ok(ctx, by_host.url(), mutual(ca, ca.issue("c4", peer_request("y")))));
}

CORO_TEST_CASE("allowed CNs and host names are lists, as in etcd 3.5.15 and later") {
  scratch s;
  test::test_ca ca(s.path, "ca");
  auto server_options = mutual(ca, ca.issue("server", peer_request("server")));
  server_options.allowed_cns = {"member-2", "member-4"};
  tls_server by_cn(ctx, server_options);
  CHECK_FALSE(co_await get_ok(ctx, by_cn.url(), mutual(ca, ca.issue("c2", peer_request("member-2")))));
  CHECK_FALSE(co_await get_ok(ctx, by_cn.url(), mutual(ca, ca.issue("c4", peer_request("member-4")))));
  CHECK(co_await get_ok(ctx, by_cn.url(), mutual(ca, ca.issue("c3", peer_request("member-3")))));

  server_options.allowed_cns.clear();
  server_options.allowed_hostnames = {"one.example", "two.example"};
  tls_server by_host(ctx, server_options);
  for (const char* host : {"one.example", "two.example"}) {
    auto named = peer_request(host);
    named.dns = {host};
    CHECK_FALSE(co_await get_ok(ctx, by_host.url(), mutual(ca, ca.issue(host, named))));
  }
  auto other = peer_request("three");
  other.dns = {"three.example"};
  CHECK(co_await get_ok(ctx, by_host.url(), mutual(ca, ca.issue("three", other))));
}


CORO_TEST_CASE("a client certificate's SANs must name its source address, unless that check is off") {
  scratch s;
  test::test_ca ca(s.path, "ca");
  auto server_options = mutual(ca, ca.issue("server", peer_request("server")));
  server_options.resolve_name = test_names;
  tls_server strict(ctx, server_options);
  auto far_away = peer_request("far");
  far_away.ips = {"10.9.9.9"};
  const auto far_client = mutual(ca, ca.issue("far", far_away));
  CHECK(co_await get_ok(ctx, strict.url(), far_client) );
  auto by_dns = peer_request("named");
  by_dns.ips.clear();
  by_dns.dns = {"elsewhere.test", "member.test"};  // the second resolves to the source address
  CHECK_FALSE(co_await get_ok(ctx, strict.url(), mutual(ca, ca.issue("named", by_dns))));
  auto wrong_dns = by_dns;
  wrong_dns.dns = {"elsewhere.test", "unknown.test"};
  CHECK(co_await get_ok(ctx, strict.url(), mutual(ca, ca.issue("wrong-named", wrong_dns))));
  test::cert_request no_sans;
  no_sans.cn = "bare";
  CHECK_FALSE(co_await get_ok(ctx, strict.url(), mutual(ca, ca.issue("bare", no_sans))));
  server_options.skip_client_san_verify = true;
  tls_server lenient(ctx, server_options);
  CHECK_FALSE(co_await get_ok(ctx, lenient.url(), far_client));
}

CORO_TEST_CASE("plaintext on a TLS port and TLS on a plain port fail cleanly") {
  scratch s;
  test::test_ca ca(s.path, "ca");
  tls_server srv(ctx, mutual(ca, ca.issue("server", peer_request("server"))));
  const auto plain_url = *parse_peer_url("http://127.0.0.1:" + std::to_string(srv.http_server.local_endpoint().port()));
  const tls_options plaintext;
  CHECK(co_await get_ok(ctx, plain_url, plaintext));
  CO_WAIT_UNTIL(!srv.failures.empty());

  router routes;
  routes.mount("/ok", [](exchange& ex) -> asio::awaitable<void> { (void)co_await ex.respond(200, {}, "ok"); });
  server plain(ctx.get_executor(), routes);
  REQUIRE_FALSE(plain.listen({asio::ip::make_address("127.0.0.1"), 0}));
  const auto tls_url = *parse_peer_url("https://127.0.0.1:" + std::to_string(plain.local_endpoint().port()));
  CHECK(co_await get_ok(ctx, tls_url, mutual(ca, ca.issue("client", peer_request("client")))));
}

CORO_TEST_CASE("a TLS handshake that does not finish is cut at the handshake deadline (10 s, as etcd 3.6.14)") {
  CHECK(tls_options{}.handshake_timeout == 10s);
  scratch s;
  test::test_ca ca(s.path, "ca");
  auto options = mutual(ca, ca.issue("server", peer_request("server")));
  options.handshake_timeout = 300ms;
  tls_server srv(ctx, options);
  // A client that connects and never says hello: the server's read timeout
  // (5 s) is not what ends it.
  tcp::socket silent(ctx);
  co_await silent.async_connect(srv.http_server.local_endpoint(), asio::use_awaitable);
  const auto start = clock::now();
  std::array<char, 16> buffer{};
  auto [ec, n] = co_await silent.async_read_some(asio::buffer(buffer), use_tuple);
  const auto took = clock::now() - start;
  CHECK(ec);  // closed: EOF or reset
  CHECK(n == 0);
  CHECK(took >= 250ms);
  CHECK(took < 1500ms);
  // Meanwhile and afterwards, clients that complete their handshakes are served.
  CHECK_FALSE(co_await get_ok(ctx, srv.url(), mutual(ca, ca.issue("client", peer_request("client")))));
}

CORO_TEST_CASE("rotated certificate files take effect on new connections") {
  scratch s;
  test::test_ca old_ca(s.path, "old"), new_ca(s.path, "new");
  const auto old_cert = old_ca.issue("server", peer_request("server"));
  tls_options server_options;
  server_options.cert_file = (s.path / "live.pem").string();
  server_options.key_file = (s.path / "live-key.pem").string();
  fs::copy_file(old_cert.cert, server_options.cert_file);
  fs::copy_file(old_cert.key, server_options.key_file);
  tls_server srv(ctx, server_options);
  tls_options trusts_new;
  trusts_new.trusted_ca_file = new_ca.ca_file();
  CHECK(co_await get_ok(ctx, srv.url(), trusts_new));
  const auto new_cert = new_ca.issue("server2", peer_request("server"));
  fs::copy_file(new_cert.cert, server_options.cert_file, fs::copy_options::overwrite_existing);
  fs::copy_file(new_cert.key, server_options.key_file, fs::copy_options::overwrite_existing);
  fs::last_write_time(server_options.cert_file, fs::file_time_type::clock::now() + 1s);
  CHECK_FALSE(co_await get_ok(ctx, srv.url(), trusts_new));
}
