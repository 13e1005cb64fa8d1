// Certificates made at test time with OpenSSL: a CA, certificates it issues
// (CN, IP and DNS SANs, validity), unknown-CA and expired ones, and CRLs.
#pragma once

#include "members.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <doctest/doctest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace rafthttp::test {

struct key_deleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
  void operator()(X509* x) const { X509_free(x); }
  void operator()(X509_CRL* c) const { X509_CRL_free(c); }
};
using key_ptr = std::unique_ptr<EVP_PKEY, key_deleter>;
using cert_ptr = std::unique_ptr<X509, key_deleter>;

struct cert_files {
  std::string cert;
  std::string key;
  long serial = 0;
};

struct cert_request {
  std::string cn;
  std::vector<std::string> ips;
  std::vector<std::string> dns;
  long valid_from = 0;        // seconds from now
  long valid_until = 86400;   // seconds from now (negative: already expired)
};

// A certificate authority writing its files into a directory.
class test_ca {
 public:
  test_ca(std::filesystem::path dir, const std::string& name) : dir_(std::move(dir)), name_(name) {
    key_ = new_key();
    cert_request self_signed;
    self_signed.cn = name;
    cert_ = make_cert(name, key_.get(), nullptr, key_.get(), self_signed);
    ca_file_ = write_cert(name + "-ca.pem", cert_.get());
  }

  [[nodiscard]] const std::string& ca_file() const { return ca_file_; }

  [[nodiscard]] cert_files issue(const std::string& file_stem, const cert_request& request) {
    auto key = new_key();
    auto cert = make_cert(request.cn, key.get(), cert_.get(), key_.get(), request);
    cert_files files;
    files.serial = ASN1_INTEGER_get(X509_get_serialNumber(cert.get()));
    files.cert = write_cert(file_stem + ".pem", cert.get());
    files.key = write_key(file_stem + "-key.pem", key.get());
    return files;
  }

  // A CRL revoking these serials.
  [[nodiscard]] std::string crl(const std::string& file_stem, const std::vector<long>& serials) {
    std::unique_ptr<X509_CRL, key_deleter> crl(X509_CRL_new());
    X509_CRL_set_version(crl.get(), 1);
    X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(cert_.get()));
    ASN1_TIME* now = ASN1_TIME_adj(nullptr, std::time(nullptr), 0, 0);
    ASN1_TIME* next = ASN1_TIME_adj(nullptr, std::time(nullptr), 1, 0);
    X509_CRL_set1_lastUpdate(crl.get(), now);
    X509_CRL_set1_nextUpdate(crl.get(), next);
    for (long serial : serials) {
      X509_REVOKED* revoked = X509_REVOKED_new();
      ASN1_INTEGER* s = ASN1_INTEGER_new();
      ASN1_INTEGER_set(s, serial);
      X509_REVOKED_set_serialNumber(revoked, s);
      X509_REVOKED_set_revocationDate(revoked, now);
      X509_CRL_add0_revoked(crl.get(), revoked);
      ASN1_INTEGER_free(s);
    }
    ASN1_TIME_free(now);
    ASN1_TIME_free(next);
    X509_CRL_sign(crl.get(), key_.get(), EVP_sha256());
    const auto path = (dir_ / (file_stem + ".crl.pem")).string();
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
    PEM_write_X509_CRL(f.get(), crl.get());
    return path;
  }

 private:
  static key_ptr new_key() {
    key_ptr key(EVP_EC_gen("P-256"));
    REQUIRE(key);
    return key;
  }

  cert_ptr make_cert(const std::string& cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key,
                     const cert_request& request) {
    cert_ptr cert(X509_new());
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), next_serial_++ + static_cast<long>(std::random_device{}() % 1000) * 1000);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), request.valid_from - 60);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), request.valid_until);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer ? issuer : cert.get(), cert.get(), nullptr, nullptr, 0);
    add_extension(cert.get(), ctx, NID_basic_constraints, issuer ? "critical,CA:FALSE" : "critical,CA:TRUE");
    if (issuer) {
      add_extension(cert.get(), ctx, NID_key_usage, "critical,digitalSignature,keyEncipherment");
      add_extension(cert.get(), ctx, NID_ext_key_usage, "serverAuth,clientAuth");
    } else {
      add_extension(cert.get(), ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
    }
    std::string sans;
    for (const auto& ip : request.ips) sans += (sans.empty() ? "" : ",") + std::string("IP:") + ip;
    for (const auto& dns : request.dns) sans += (sans.empty() ? "" : ",") + std::string("DNS:") + dns;
    if (!sans.empty()) add_extension(cert.get(), ctx, NID_subject_alt_name, sans);
    REQUIRE(X509_sign(cert.get(), issuer_key, EVP_sha256()) > 0);
    return cert;
  }

  static void add_extension(X509* cert, X509V3_CTX& ctx, int nid, const std::string& value) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    REQUIRE(ext);
    X509_add_ext(cert, ext, -1);
    X509_EXTENSION_free(ext);
  }

  std::string write_cert(const std::string& file, X509* cert) {
    const auto path = (dir_ / file).string();
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
    PEM_write_X509(f.get(), cert);
    return path;
  }

  std::string write_key(const std::string& file, EVP_PKEY* key) {
    const auto path = (dir_ / file).string();
    std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "wb"), &std::fclose);
    PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    return path;
  }

  std::filesystem::path dir_;
  std::string name_;
  key_ptr key_;
  cert_ptr cert_;
  std::string ca_file_;
  long next_serial_ = 1;
};

// A member of the tests' cluster over mutual TLS, with a certificate from
// `ca` for 127.0.0.1.
[[nodiscard]] inline transport_options mutual_tls_member_options(test_ca& ca, member_id id) {
  cert_request request;
  request.cn = "member-" + std::to_string(id);
  request.ips = {"127.0.0.1"};
  const auto files = ca.issue(request.cn, request);
  transport_options o = member_options(id);
  o.tls.cert_file = files.cert;
  o.tls.key_file = files.key;
  o.tls.trusted_ca_file = ca.ca_file();
  o.tls.client_cert_auth = true;
  return o;
}

}  // namespace rafthttp::test
