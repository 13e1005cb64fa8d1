// HTTP/1.1 message heads: header fields (names compared case-insensitively, as
// Go peers write them in canonical MIME case: X-Etcd-Cluster-Id), request and
// response heads, and the serialisation we put on the wire.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rafthttp::http {

[[nodiscard]] inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

class fields {
 public:
  void add(std::string name, std::string value) { list_.emplace_back(std::move(name), std::move(value)); }

  // Replaces every field of that name.
  void set(std::string_view name, std::string value) {
    erase(name);
    add(std::string(name), std::move(value));
  }

  void erase(std::string_view name) {
    std::erase_if(list_, [&](const auto& f) { return iequals(f.first, name); });
  }

  // The first value of `name`, or empty when absent (Go's Header.Get).
  [[nodiscard]] std::string_view get(std::string_view name) const {
    for (const auto& [n, v] : list_)
      if (iequals(n, name)) return v;
    return {};
  }

  [[nodiscard]] bool contains(std::string_view name) const {
    return std::ranges::any_of(list_, [&](const auto& f) { return iequals(f.first, name); });
  }

  [[nodiscard]] auto begin() const { return list_.begin(); }
  [[nodiscard]] auto end() const { return list_.end(); }
  [[nodiscard]] std::size_t size() const { return list_.size(); }
  void clear() { list_.clear(); }

 private:
  std::vector<std::pair<std::string, std::string>> list_;
};

// Request and response heads have constructors, not aggregate initialisation,
// on purpose: GCC 12 destroys an aggregate temporary twice when it is created
// in a full-expression that contains co_await (e.g. passed to a coroutine).
struct request_head {
  request_head() = default;
  request_head(std::string m, std::string t, fields h = {})
      : method(std::move(m)), target(std::move(t)), headers(std::move(h)) {}

  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent: path and optional query
  fields headers;
  bool keep_alive = true;

  // The path part of the target (the query is ignored for routing, as in Go).
  [[nodiscard]] std::string_view path() const {
    const std::string_view t = target;
    return t.substr(0, t.find('?'));
  }
};

struct response_head {
  response_head() = default;
  response_head(int s, fields h, bool k) : status(s), headers(std::move(h)), keep_alive(k) {}

  int status = 0;
  fields headers;
  bool keep_alive = true;
};

[[nodiscard]] inline std::string_view reason_phrase(int status) {
  switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 412: return "Precondition Failed";
    case 413: return "Request Entity Too Large";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
  }
}

}  // namespace rafthttp::http

namespace rafthttp::detail {

inline void append_fields(std::string& out, const http::fields& headers) {
  for (const auto& [name, value] : headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
}

// Writes "<hex size>\r\n", the line that starts a chunk; returns its length
// (at most 18).
inline std::size_t chunk_size_line(char* out, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  char reversed[16];
  std::size_t length = 0;
  do {
    reversed[length++] = digits[n & 15];
    n >>= 4;
  } while (n != 0);
  for (std::size_t i = 0; i < length; ++i) out[i] = reversed[length - 1 - i];
  out[length] = '\r';
  out[length + 1] = '\n';
  return length + 2;
}

}  // namespace rafthttp::detail

namespace rafthttp::http {

// "HTTP/1.1 204 No Content\r\n" + fields + "\r\n"
[[nodiscard]] inline std::string serialize(const response_head& head) {
  std::string out = "HTTP/1.1 " + std::to_string(head.status) + " ";
  out += reason_phrase(head.status);
  out += "\r\n";
  detail::append_fields(out, head.headers);
  return out;
}

[[nodiscard]] inline std::string serialize(const request_head& head) {
  std::string out = head.method + " " + head.target + " HTTP/1.1\r\n";
  detail::append_fields(out, head.headers);
  return out;
}

}  // namespace rafthttp::http
