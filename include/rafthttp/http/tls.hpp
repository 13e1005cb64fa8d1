// Peer TLS (doc/protocol.md 14) on Asio's OpenSSL streams: the contexts of the
// server and client roles built from etcd's peer TLS options, rebuilt when the
// certificate files change (rotation without restart), and the checks etcd
// makes after a handshake (allowed CN or host name, CRL, client SANs against
// the source address).
#pragma once

#include <rafthttp/http/error.hpp>
#include <rafthttp/http/options.hpp>

#include <asio/ssl.hpp>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace rafthttp::http {

namespace tls_detail {

struct x509_deleter {
  void operator()(X509* x) const { X509_free(x); }
  void operator()(X509_CRL* x) const { X509_CRL_free(x); }
};
using x509_ptr = std::unique_ptr<X509, x509_deleter>;
using x509_crl_ptr = std::unique_ptr<X509_CRL, x509_deleter>;

// Modification time of a file (0 if absent): what "the files changed" means.
[[nodiscard]] inline std::int64_t modified_ns(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0) return 0;
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
}

[[nodiscard]] inline bool is_ip_literal(std::string_view host) {
  std::error_code ec;
  (void)asio::ip::make_address(std::string(host), ec);
  return !ec;
}

[[nodiscard]] inline std::string common_name(X509* cert) {
  char name[256] = {};
  const int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
  return n > 0 ? std::string(name, static_cast<std::size_t>(n)) : std::string();
}

// Whether the certificate is valid for `host` (a DNS name or an IP literal).
[[nodiscard]] inline bool valid_for_host(X509* cert, const std::string& host) {
  if (is_ip_literal(host)) return X509_check_ip_asc(cert, host.c_str(), 0) == 1;
  return X509_check_host(cert, host.c_str(), host.size(), 0, nullptr) == 1;
}

// The IP and DNS subject alternative names of a certificate.
struct alternative_names {
  std::vector<asio::ip::address> ips;
  std::vector<std::string> dns;
  [[nodiscard]] bool empty() const { return ips.empty() && dns.empty(); }
};

[[nodiscard]] inline alternative_names subject_alternative_names(X509* cert) {
  alternative_names names;
  auto* sans = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert, NID_subject_alt_name, nullptr, nullptr));
  if (!sans) return names;
  for (int i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME* name = sk_GENERAL_NAME_value(sans, i);
    if (name->type == GEN_DNS) {
      const auto* s = name->d.dNSName;
      names.dns.emplace_back(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
    } else if (name->type == GEN_IPADD) {
      const auto* s = name->d.iPAddress;
      const auto* data = ASN1_STRING_get0_data(s);
      if (ASN1_STRING_length(s) == 4) {
        names.ips.emplace_back(asio::ip::address_v4({data[0], data[1], data[2], data[3]}));
      } else if (ASN1_STRING_length(s) == 16) {
        asio::ip::address_v6::bytes_type bytes;
        std::copy_n(data, 16, bytes.begin());
        names.ips.emplace_back(asio::ip::address_v6(bytes));
      }
    }
  }
  GENERAL_NAMES_free(sans);
  return names;
}

// etcd re-reads the CRL for every connection; so do we.
[[nodiscard]] inline bool revoked(X509* cert, const std::string& crl_file) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(crl_file.c_str(), "rb"), &std::fclose);
  if (!file) return true;  // a configured CRL that cannot be read rejects, rather than admits
  const x509_crl_ptr crl(PEM_read_X509_CRL(file.get(), nullptr, nullptr, nullptr));
  if (!crl) return true;
  X509_REVOKED* entry = nullptr;
  return X509_CRL_get0_by_serial(crl.get(), &entry, X509_get_serialNumber(cert)) == 1;
}

}  // namespace tls_detail

enum class tls_role { server, client };

// The SSL contexts of one transport. Certificates, key and CA are read again
// when any of their files changed since the context was built, so rotated
// certificates take effect on new connections.
class tls_contexts {
 public:
  explicit tls_contexts(tls_options options) : options_(std::move(options)) {}

  [[nodiscard]] const tls_options& options() const { return options_; }

  // The context for a new connection of `role`; an error when the
  // certificate files cannot be used.
  [[nodiscard]] std::shared_ptr<asio::ssl::context> context(tls_role role, std::error_code& ec) {
    ec = {};
    auto& cached = role == tls_role::server ? server_ : client_;
    const auto stamp = files_stamp();
    if (cached.context && cached.stamp == stamp) return cached.context;
    auto built = build(role, ec);
    if (ec) return nullptr;
    cached = {std::move(built), stamp};
    return cached.context;
  }

  // The checks etcd makes after a handshake (doc/protocol.md 14.2, 14.3), but for
  // the one a server makes of a client certificate's SANs (client_san), which
  // may need DNS lookups.
  [[nodiscard]] std::error_code check_peer(SSL* ssl, tls_role role) const {
    const tls_detail::x509_ptr cert(SSL_get1_peer_certificate(ssl));
    if (!cert) {
      const bool required = role == tls_role::client ? !options_.insecure_skip_verify : requires_client_certs();
      return required ? errc::tls_rejected : std::error_code{};
    }
    if (!options_.allowed_cns.empty() && !std::ranges::count(options_.allowed_cns, tls_detail::common_name(cert.get())))
      return errc::tls_rejected;
    if (!options_.allowed_hostnames.empty() &&
        std::ranges::none_of(options_.allowed_hostnames,
                             [&](const std::string& host) { return tls_detail::valid_for_host(cert.get(), host); }))
      return errc::tls_rejected;
    if (role == tls_role::client) return {};
    if (!options_.crl_file.empty() && tls_detail::revoked(cert.get(), options_.crl_file)) return errc::tls_rejected;
    return {};
  }

  // etcd 3.4 (doc/protocol.md 14.3): a client certificate with IP or DNS SANs must
  // name the connection's source address, directly or by a DNS SAN that
  // resolves to it; one without SANs passes. What can be told without a
  // lookup: passed, or the DNS names to look up (none left: rejected).
  struct client_san_check {
    bool passed = false;
    std::vector<std::string> names_to_resolve;
  };
  [[nodiscard]] client_san_check client_san(SSL* ssl, const asio::ip::address& remote) const {
    const tls_detail::x509_ptr cert(SSL_get1_peer_certificate(ssl));
    if (options_.skip_client_san_verify || !cert) return {true, {}};
    auto names = tls_detail::subject_alternative_names(cert.get());
    if (names.empty() || std::ranges::find(names.ips, remote) != names.ips.end()) return {true, {}};
    return {false, std::move(names.dns)};
  }

  // Server side: a client certificate is required and verified.
  [[nodiscard]] bool requires_client_certs() const {
    return options_.client_cert_auth || !options_.trusted_ca_file.empty();
  }

 private:
  struct cached_context {
    std::shared_ptr<asio::ssl::context> context;
    std::array<std::int64_t, 3> stamp{};
  };

  [[nodiscard]] std::array<std::int64_t, 3> files_stamp() const {
    return {tls_detail::modified_ns(options_.cert_file), tls_detail::modified_ns(options_.key_file),
            tls_detail::modified_ns(options_.trusted_ca_file)};
  }

  [[nodiscard]] std::shared_ptr<asio::ssl::context> build(tls_role role, std::error_code& ec) const {
    auto ctx = std::make_shared<asio::ssl::context>(role == tls_role::server ? asio::ssl::context::tls_server
                                                                            : asio::ssl::context::tls_client);
    // TLS 1.2 at least, as etcd; no compression, no renegotiation.
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_compression);
    if (!options_.cipher_suites.empty() &&
        SSL_CTX_set_cipher_list(ctx->native_handle(), options_.cipher_suites.c_str()) != 1) {
      ec = errc::tls_configuration;
      return nullptr;
    }
    if (!options_.cert_file.empty()) {
      ctx->use_certificate_chain_file(options_.cert_file, ec);
      if (!ec) ctx->use_private_key_file(options_.key_file, asio::ssl::context::pem, ec);
      if (ec) return nullptr;
    }
    if (!options_.trusted_ca_file.empty()) {
      ctx->load_verify_file(options_.trusted_ca_file, ec);
      if (ec) return nullptr;
    }
    // HTTP/1.1 only (doc/protocol.md 2.7): a Go server that offers h2 accepts it.
    static constexpr unsigned char alpn[] = {8, 'h', 't', 't', 'p', '/', '1', '.', '1'};
    if (role == tls_role::client) {
      SSL_CTX_set_alpn_protos(ctx->native_handle(), alpn, sizeof alpn);
      ctx->set_verify_mode(options_.insecure_skip_verify ? asio::ssl::verify_none : asio::ssl::verify_peer, ec);
    } else {
      const auto mode = requires_client_certs() ? asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert
                                                : asio::ssl::verify_none;
      ctx->set_verify_mode(mode, ec);
    }
    return ec ? nullptr : ctx;
  }

  tls_options options_;
  cached_context server_;
  cached_context client_;
};

}  // namespace rafthttp::http
