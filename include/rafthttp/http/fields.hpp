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

struct request_head {
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

namespace detail {

inline void append_fields(std::string& out, const fields& headers) {
  for (const auto& [name, value] : headers) {
    out += name;
    out += ": ";
    out += value;
    out += "\r\n";
  }
  out += "\r\n";
}

}  // namespace detail

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
