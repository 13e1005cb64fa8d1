#include "flags.hpp"

#include <rafthttp/http/fields.hpp>

#include <asio/ip/address.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <limits>

namespace peer_cli {

using namespace std::chrono_literals;

std::string_view to_string(peer_mode mode) {
  switch (mode) {
    case peer_mode::sink: return "sink";
    case peer_mode::echo: return "echo";
    case peer_mode::send: return "send";
    case peer_mode::snapshot: return "snapshot";
  }
  return "?";
}

std::string_view usage() {
  return "usage: rafthttp-peer --mode sink|echo|send|snapshot --id HEX --listen URL [flags]\n"
         "  see doc/peer-cli.md (the rafthttp-peer contract) for the full list of flags\n";
}

std::string url_text(const rafthttp::peer_url& url) {
  const bool ipv6 = url.host.find(':') != std::string::npos;
  return url.scheme + "://" + (ipv6 ? "[" + url.host + "]" : url.host) + ":" + url.port;
}

// ------------------------------------------------------------ durations ---

namespace {

constexpr std::uint64_t two_to_63 = std::uint64_t{1} << 63;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Go's leadingInt: the digits at the start of `text`; nothing on overflow.
std::optional<std::uint64_t> leading_int(std::string_view& text) {
  std::uint64_t x = 0;
  std::size_t i = 0;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    if (x > two_to_63 / 10) return std::nullopt;
    x = x * 10 + static_cast<std::uint64_t>(text[i] - '0');
    if (x > two_to_63) return std::nullopt;
  }
  text.remove_prefix(i);
  return x;
}

// Go's leadingFraction: digits after the point, ignoring those that would
// overflow; `scale` is 10^(digits kept).
std::uint64_t leading_fraction(std::string_view& text, double& scale) {
  std::uint64_t x = 0;
  scale = 1;
  bool overflow = false;
  std::size_t i = 0;
  for (; i < text.size() && is_digit(text[i]); ++i) {
    if (overflow) continue;
    if (x > (two_to_63 - 1) / 10) {
      overflow = true;
      continue;
    }
    const std::uint64_t y = x * 10 + static_cast<std::uint64_t>(text[i] - '0');
    if (y > two_to_63) {
      overflow = true;
      continue;
    }
    x = y;
    scale *= 10;
  }
  text.remove_prefix(i);
  return x;
}

std::uint64_t unit_nanoseconds(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\u00b5s" || unit == "\u03bcs") return 1'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "s") return 1'000'000'000;
  if (unit == "m") return 60'000'000'000;
  if (unit == "h") return 3'600'000'000'000;
  return 0;
}

// One "<number>[.<fraction>]<unit>" element of a Go duration; advances `text`.
std::optional<std::uint64_t> parse_duration_element(std::string_view& text) {
  if (!is_digit(text[0]) && text[0] != '.') return std::nullopt;
  const auto before = text.size();
  const auto whole = leading_int(text);
  if (!whole) return std::nullopt;
  const bool had_whole = text.size() != before;
  std::uint64_t fraction = 0;
  double scale = 1;
  bool had_fraction = false;
  if (!text.empty() && text[0] == '.') {
    text.remove_prefix(1);
    const auto digits_before = text.size();
    fraction = leading_fraction(text, scale);
    had_fraction = text.size() != digits_before;
  }
  if (!had_whole && !had_fraction) return std::nullopt;
  std::size_t unit_length = 0;
  while (unit_length < text.size() && text[unit_length] != '.' && !is_digit(text[unit_length])) ++unit_length;
  const auto unit = unit_nanoseconds(text.substr(0, unit_length));
  text.remove_prefix(unit_length);
  if (unit == 0 || *whole > two_to_63 / unit) return std::nullopt;  // missing or unknown unit, overflow
  std::uint64_t v = *whole * unit;
  if (fraction > 0) {
    v += static_cast<std::uint64_t>(static_cast<double>(fraction) * (static_cast<double>(unit) / scale));
    if (v > two_to_63) return std::nullopt;
  }
  return v;
}

}  // namespace

std::optional<duration> parse_go_duration(std::string_view text) {
  bool negative = false;
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return duration{0};
  if (text.empty()) return std::nullopt;
  std::uint64_t total = 0;
  while (!text.empty()) {
    const auto element = parse_duration_element(text);
    if (!element) return std::nullopt;
    total += *element;
    if (total > two_to_63) return std::nullopt;
  }
  if (negative) return duration{static_cast<std::int64_t>(0 - total)};  // down to -2^63
  if (total > two_to_63 - 1) return std::nullopt;
  return duration{static_cast<std::int64_t>(total)};
}

// ------------------------------------------------------------ flag table ---

namespace {

// A flag: its setter returns an error text, empty on success.
struct flag_definition {
  std::string_view name;
  bool is_bool = false;
  std::function<std::string(std::string_view)> set;
};

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

auto set_text(std::string& out) {
  return [&out](std::string_view v) {
    out = std::string(v);
    return std::string();
  };
}

auto append_text(std::vector<std::string>& out) {
  return [&out](std::string_view v) {
    out.emplace_back(v);
    return std::string();
  };
}

// A repeatable flag whose empty value means "not set" (etcd's allowed CN and
// host name lists ignore empty entries, as the Go peers do).
auto append_nonempty_text(std::vector<std::string>& out) {
  return [&out](std::string_view v) {
    if (!v.empty()) out.emplace_back(v);
    return std::string();
  };
}

// Counts are decimal (strconv.ParseUint(s, 10, 64)).
auto set_decimal(std::uint64_t& out) {
  return [&out](std::string_view v) {
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out, 10);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size()) return "not a decimal count: " + quoted(v);
    return std::string();
  };
}

auto set_size(std::size_t& out) {
  return [&out](std::string_view v) {
    std::uint64_t n = 0;
    auto error = set_decimal(n)(v);
    out = static_cast<std::size_t>(n);
    return error;
  };
}

auto set_id(rafthttp::member_id& out) {
  return [&out](std::string_view v) {
    const auto id = rafthttp::parse_id(v);
    if (!id) return "bad member id " + quoted(v) + " (want hex)";
    out = *id;
    return std::string();
  };
}

auto set_duration(duration& out) {
  return [&out](std::string_view v) {
    const auto d = parse_go_duration(v);
    if (!d) return std::string("parse error");
    out = *d;
    return std::string();
  };
}

// strconv.ParseBool.
auto set_bool(bool& out) {
  return [&out](std::string_view v) {
    for (const char* yes : {"1", "t", "T", "TRUE", "true", "True"})
      if (v == yes) return out = true, std::string();
    for (const char* no : {"0", "f", "F", "FALSE", "false", "False"})
      if (v == no) return out = false, std::string();
    return std::string("parse error");
  };
}

auto set_float(double& out) {
  return [&out](std::string_view v) {
    const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
    if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || std::isnan(out)) return std::string("parse error");
    return std::string();
  };
}

// The raw text of flags that are validated after parsing.
struct raw_flags {
  std::string mode = "sink";
  std::string listen;
  std::vector<std::string> peers, remotes, removed;
  std::string type = "MsgApp";
  std::string on_drop = "retry";
  std::string wait_streams = "msgapp,message";
  std::string etcd_version;
  std::string digest = "full";
};

std::vector<flag_definition> flag_table(config& c, raw_flags& raw) {
  return {
      {"mode", false, set_text(raw.mode)},
      {"id", false, set_id(c.id)},
      {"cluster-id", false, set_id(c.cluster_id)},
      {"listen", false, set_text(raw.listen)},
      {"peer", false, append_text(raw.peers)},
      {"remote", false, append_text(raw.remotes)},
      {"removed", false, append_text(raw.removed)},
      {"snap-dir", false, set_text(c.snap_dir)},
      {"log", false, set_text(c.log_path)},
      {"linger", false, set_duration(c.linger)},
      {"duration", false, set_duration(c.run_for)},
      {"expect", false, set_decimal(c.expect)},
      {"idle", false, set_duration(c.idle)},
      {"busy-poll", false, set_duration(c.busy_poll)},
      {"cert-file", false, set_text(c.tls.cert_file)},
      {"key-file", false, set_text(c.tls.key_file)},
      {"trusted-ca-file", false, set_text(c.tls.trusted_ca_file)},
      {"client-cert-auth", true, set_bool(c.tls.client_cert_auth)},
      {"allowed-cn", false, append_nonempty_text(c.tls.allowed_cns)},
      {"allowed-hostname", false, append_nonempty_text(c.tls.allowed_hostnames)},
      {"etcd-version", false, set_text(raw.etcd_version)},
      {"cluster-version", false, set_text(c.cluster_version)},
      {"crl-file", false, set_text(c.tls.crl_file)},
      {"to", false, set_id(c.to)},
      {"type", false, set_text(raw.type)},
      {"count", false, set_decimal(c.count)},
      {"rate", false, set_float(c.rate)},
      {"on-drop", false, set_text(raw.on_drop)},
      {"await-acks", true, set_bool(c.await_acks)},
      {"window", false, set_decimal(c.window)},
      {"wait-streams", false, set_text(raw.wait_streams)},
      {"wait-active", false, set_duration(c.wait_active)},
      {"entries", false, set_decimal(c.content.entries)},
      {"entry-size", false, set_size(c.content.entry_size)},
      {"start-index", false, set_decimal(c.content.start_index)},
      {"term", false, set_decimal(c.content.term)},
      {"term-every", false, set_decimal(c.content.term_every)},
      {"reject-every", false, set_decimal(c.content.reject_every)},
      {"seed", false, set_decimal(c.content.seed)},
      {"snap-index", false, set_decimal(c.snap_index)},
      {"snap-term", false, set_decimal(c.snap_term)},
      {"snap-data-size", false, set_decimal(c.snap_data_size)},
      {"db-size", false, set_decimal(c.db_size)},
      {"db-file-dir", false, set_text(c.db_file_dir)},
      {"snap-timeout", false, set_duration(c.snap_timeout)},
      {"background-snapshot-to", false, set_id(c.background_snapshot_to)},
      {"digest", false, set_text(raw.digest)},
  };
}

// Go's FlagSet.Parse: returns an error text, "help", or empty.
std::string parse_arguments(std::span<const std::string_view> args, const std::vector<flag_definition>& table) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg.size() < 2 || arg[0] != '-') return "unexpected argument " + quoted(arg);
    arg.remove_prefix(arg[1] == '-' ? 2 : 1);
    if (arg.empty()) {  // "--" ends the flags
      if (i + 1 < args.size()) return "unexpected argument " + quoted(args[i + 1]);
      return {};
    }
    if (arg[0] == '-' || arg[0] == '=') return "bad flag syntax: " + std::string(args[i]);
    const auto equals = arg.find('=');
    const auto name = arg.substr(0, equals);
    const flag_definition* flag = nullptr;
    for (const auto& f : table)
      if (f.name == name) flag = &f;
    if (!flag) return name == "help" || name == "h" ? "help" : "flag provided but not defined: -" + std::string(name);

    std::string_view value;
    if (equals != std::string_view::npos) value = arg.substr(equals + 1);
    else if (flag->is_bool) value = "true";
    else if (i + 1 < args.size()) value = args[++i];
    else return "flag needs an argument: -" + std::string(name);

    if (auto error = flag->set(value); !error.empty())
      return "invalid value " + quoted(value) + " for flag -" + std::string(name) + ": " + error;
  }
  return {};
}

}  // namespace

bool is_loopback_host(std::string_view host) {
  if (rafthttp::http::iequals(host, "localhost")) return true;
  std::error_code ec;
  const auto address = asio::ip::make_address(std::string(host), ec);
  if (ec) return false;
  if (address.is_v4()) return address.to_v4().is_loopback();
  const auto v6 = address.to_v6();
  if (v6.is_v4_mapped()) return asio::ip::make_address_v4(asio::ip::v4_mapped, v6).is_loopback();
  return v6.is_loopback();
}

namespace {

// ------------------------------------------------------------ validation ---

// etcd's URL list rules, restricted to http/https on loopback.
std::optional<rafthttp::url_list> parse_loopback_urls(std::string_view list, std::string& error) {
  const auto urls = rafthttp::url_list::parse(list);
  if (!urls) {
    error = "invalid URL list " + quoted(list) + " (want scheme://host:port[,...])";
    return std::nullopt;
  }
  for (const auto& url : urls->urls()) {
    if (url.scheme != "http" && url.scheme != "https") {
      error = url.text + ": only http and https URLs are supported";
      return std::nullopt;
    }
    if (!is_loopback_host(url.host)) {
      error = url.text + ": refusing a non-loopback address";
      return std::nullopt;
    }
  }
  return urls;
}

std::string parse_members(std::string_view flag, const std::vector<std::string>& values, std::vector<member_urls>& out) {
  for (const auto& v : values) {
    const auto equals = v.find('=');
    if (equals == std::string::npos) return std::string(flag) + " " + quoted(v) + ": want ID=URL[,URL...]";
    const auto id = rafthttp::parse_id(std::string_view(v).substr(0, equals));
    if (!id) return std::string(flag) + ": bad member id " + quoted(v.substr(0, equals)) + " (want hex)";
    std::string error;
    auto urls = parse_loopback_urls(std::string_view(v).substr(equals + 1), error);
    if (!urls) return std::string(flag) + " " + rafthttp::format_id(*id) + ": " + error;
    member_urls member;
    member.id = *id;
    member.urls = std::move(*urls);
    out.push_back(std::move(member));
  }
  return {};
}

std::optional<rafthttp::message_type> message_type_named(std::string_view name) {
  for (std::int32_t t = 0; t <= static_cast<std::int32_t>(rafthttp::message_type::MsgPreVoteResp); ++t) {
    const auto type = static_cast<rafthttp::message_type>(t);
    if (rafthttp::raftpb::to_string(type) == name) return type;
  }
  return std::nullopt;
}

std::string_view trim_space(std::string_view s) {
  constexpr std::string_view space = " \t\r\n\v\f";
  const auto first = s.find_first_not_of(space);
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(space) - first + 1);
}

std::string parse_wait_streams(std::string_view list, stream_wait& out) {
  out = stream_wait{false, false};
  for (std::size_t start = 0; start <= list.size();) {
    const auto comma = std::min(list.find(',', start), list.size());
    const auto element = trim_space(list.substr(start, comma - start));
    start = comma + 1;
    if (element.empty()) continue;
    if (element == "msgapp") out.msgapp = true;
    else if (element == "message") out.message = true;
    else return "bad --wait-streams element " + quoted(element) + " (want msgapp,message)";
  }
  return {};
}

std::string check_mode_and_identity(config& c, const raw_flags& raw) {
  if (raw.mode == "sink") c.mode = peer_mode::sink;
  else if (raw.mode == "echo") c.mode = peer_mode::echo;
  else if (raw.mode == "send") c.mode = peer_mode::send;
  else if (raw.mode == "snapshot") c.mode = peer_mode::snapshot;
  else return "bad --mode " + quoted(raw.mode) + " (want sink|echo|send|snapshot)";
  if (c.id == 0) return "--id is required (non-zero hex)";
  if (raw.listen.empty()) return "--listen is required";
  std::string error;
  const auto listen = parse_loopback_urls(raw.listen, error);
  if (!listen) return "--listen: " + error;
  if (listen->size() != 1) return "--listen takes one URL";
  c.listen = (*listen)[0];
  if (c.listen.scheme == "https" && (c.tls.cert_file.empty() || c.tls.key_file.empty()))
    return "--listen https:// needs --cert-file and --key-file";
  if (!c.tls.allowed_cns.empty() && !c.tls.allowed_hostnames.empty())
    return "--allowed-cn and --allowed-hostname are mutually exclusive";
  if (!raw.etcd_version.empty()) {
    const auto version = rafthttp::parse_etcd_version(raw.etcd_version);
    if (!version) return "bad --etcd-version " + quoted(raw.etcd_version) + " (want 3.4, 3.5, 3.6 or 3.7)";
    c.version = *version;
  }
  return {};
}

std::string check_members(config& c, const raw_flags& raw) {
  if (auto error = parse_members("--peer", raw.peers, c.peers); !error.empty()) return error;
  if (auto error = parse_members("--remote", raw.remotes, c.remotes); !error.empty()) return error;
  for (const auto& text : raw.removed) {
    const auto id = rafthttp::parse_id(text);
    if (!id) return "--removed: bad member id " + quoted(text) + " (want hex)";
    c.removed.push_back(*id);
  }
  return {};
}

std::string check_numbers(config& c, const raw_flags& raw) {
  const std::pair<std::string_view, duration> durations[] = {
      {"--linger", c.linger},           {"--duration", c.run_for},         {"--idle", c.idle},
      {"--wait-active", c.wait_active}, {"--snap-timeout", c.snap_timeout}, {"--busy-poll", c.busy_poll}};
  for (const auto& [name, d] : durations)
    if (d < duration{0}) return std::string(name) + " must not be negative";
  const auto type = message_type_named(raw.type);
  if (!type) return "bad --type " + quoted(raw.type) + " (want an etcd message type name such as MsgApp)";
  c.content.type = *type;
  if (c.content.entry_size > (std::size_t{1} << 31)) return "--entry-size too large";
  if (c.snap_data_size > (std::uint64_t{1} << 31)) return "--snap-data-size too large";
  if (c.rate < 0) return "--rate must not be negative";
  if (raw.on_drop != "retry" && raw.on_drop != "drop") return "bad --on-drop " + quoted(raw.on_drop) + " (want retry|drop)";
  c.retry_on_drop = raw.on_drop == "retry";
  if (raw.digest != "full" && raw.digest != "cheap") return "bad --digest " + quoted(raw.digest) + " (want full|cheap)";
  c.digest = raw.digest == "full" ? digest_mode::full : digest_mode::cheap;
  if (c.window == 0) return "--window must be at least 1";
  return parse_wait_streams(raw.wait_streams, c.wait_streams);
}

std::string check_sending(config& c) {
  if (c.background_snapshot_to != 0 && c.mode != peer_mode::send) return "--background-snapshot-to is for --mode send";
  if (c.mode != peer_mode::send && c.mode != peer_mode::snapshot) return {};
  if (c.to == 0) return "--mode " + std::string(to_string(c.mode)) + " needs --to";
  c.content.from = c.id;
  c.content.to = c.to;
  c.content.ack_context = c.await_acks;
  if (c.mode == peer_mode::send && c.await_acks && !ack_response_type(c.content.type))
    return "--await-acks needs a --type the echo answers (MsgApp, MsgHeartbeat, MsgVote, MsgPreVote, MsgReadIndex), not " +
           rafthttp::raftpb::to_string(c.content.type);
  if (c.background_snapshot_to != 0) {
    if (!std::ranges::any_of(c.peers, [&c](const member_urls& m) { return m.id == c.background_snapshot_to; }))
      return "--background-snapshot-to " + rafthttp::format_id(c.background_snapshot_to) + " must be a --peer";
  }
  return {};
}

}  // namespace

parse_result parse_flags(std::span<const std::string_view> args) {
  parse_result result;
  config c;
  raw_flags raw;
  const auto table = flag_table(c, raw);
  auto error = parse_arguments(args, table);
  if (error == "help") {
    result.help = true;
    return result;
  }
  for (auto check : {+[](config& cfg, const raw_flags& r) { return check_mode_and_identity(cfg, r); },
                     +[](config& cfg, const raw_flags& r) { return check_members(cfg, r); },
                     +[](config& cfg, const raw_flags& r) { return check_numbers(cfg, r); },
                     +[](config& cfg, const raw_flags&) { return check_sending(cfg); }}) {
    if (!error.empty()) break;
    error = check(c, raw);
  }
  if (!error.empty()) {
    result.error = std::move(error);
    return result;
  }
  result.cfg = std::move(c);
  return result;
}

}  // namespace peer_cli
