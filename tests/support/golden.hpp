// Reads the golden vectors that tests/interop/golden/regen.sh writes with etcd
// 3.4.23's own Go code (format: the header comments of tests/golden/*.txt).
#pragma once

#include "support/hex.hpp"

#include <rafthttp/raftpb/types.hpp>

#include <charconv>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

namespace rafthttp::test::golden {

inline std::string path(const std::string& name) { return std::string(RAFTHTTP_GOLDEN_DIR) + "/" + name; }

// Whitespace-separated tokens of one line, consumed in order.
class tokens {
 public:
  explicit tokens(const std::string& line) : in_(line) {}

  std::string next() {
    std::string t;
    if (!(in_ >> t)) throw std::runtime_error("golden line ends early");
    return t;
  }
  bool done() {
    std::string t;
    return !(in_ >> t) || t.starts_with('#');
  }

  std::vector<std::uint8_t> hex() {
    const auto t = next();
    return t == "." ? std::vector<std::uint8_t>{} : from_hex(t);
  }
  std::uint64_t u64() {
    const auto t = next();
    std::uint64_t v = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc{} || end != t.data() + t.size()) throw std::runtime_error("bad integer " + t);
    return v;
  }
  template <class Enum>
  Enum enumeration() {
    const auto t = next();
    std::int64_t v = 0;
    std::from_chars(t.data(), t.data() + t.size(), v);
    return static_cast<Enum>(static_cast<std::int32_t>(v));
  }
  bool boolean() { return u64() != 0; }
  raftpb::bytes bytes() {
    const auto t = next();
    if (t == "-") return {};
    const auto raw = from_hex(std::string_view(t).substr(1));
    return raftpb::bytes(std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()));
  }
  std::vector<std::uint64_t> list() {
    const auto t = next();
    std::vector<std::uint64_t> out;
    if (t == ".") return out;
    std::size_t at = 0;
    while (at <= t.size()) {
      const auto comma = std::min(t.find(',', at), t.size());
      std::uint64_t v = 0;
      std::from_chars(t.data() + at, t.data() + comma, v);
      out.push_back(v);
      at = comma + 1;
    }
    return out;
  }

  raftpb::entry entry() {
    raftpb::entry e;
    e.type = enumeration<raftpb::entry_type>();
    e.term = u64();
    e.index = u64();
    e.data = bytes();
    return e;
  }
  raftpb::conf_state conf_state() {
    raftpb::conf_state cs;
    cs.voters = list();
    cs.learners = list();
    cs.voters_outgoing = list();
    cs.learners_next = list();
    cs.auto_leave = boolean();
    return cs;
  }
  raftpb::snapshot snapshot() {
    raftpb::snapshot s;
    s.data = bytes();
    s.metadata.index = u64();
    s.metadata.term = u64();
    s.metadata.conf_state = conf_state();
    return s;
  }
  raftpb::conf_change conf_change() {
    raftpb::conf_change cc;
    cc.id = u64();
    cc.type = enumeration<raftpb::conf_change_type>();
    cc.node_id = u64();
    cc.context = bytes();
    return cc;
  }
  raftpb::message message() {
    raftpb::message m;
    m.type = enumeration<raftpb::message_type>();
    m.to = u64();
    m.from = u64();
    m.term = u64();
    m.log_term = u64();
    m.index = u64();
    m.commit = u64();
    m.reject = boolean();
    m.reject_hint = u64();
    m.context = bytes();
    m.snapshot = snapshot();
    const auto n = u64();
    for (std::uint64_t i = 0; i < n; ++i) m.entries.push_back(entry());
    return m;
  }

 private:
  std::istringstream in_;
};

// Calls on_line(kind, tokens) for every non-comment line of a golden file, or
// on_line(kind, tokens, comment) to also get the comment line just before it.
template <class OnLine>
void for_each_line(const std::string& name, OnLine&& on_line) {
  std::ifstream file(path(name));
  if (!file) throw std::runtime_error("cannot open " + path(name));
  std::string line, comment;
  while (std::getline(file, line)) {
    if (line.starts_with('#')) comment = line;
    if (line.empty() || line.starts_with('#')) continue;
    tokens t(line);
    const auto kind = t.next();
    if constexpr (std::is_invocable_v<OnLine, const std::string&, tokens&, const std::string&>)
      on_line(kind, t, comment);
    else
      on_line(kind, t);
  }
}

}  // namespace rafthttp::test::golden
