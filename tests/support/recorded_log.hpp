// A log sink for tests: keeps every record a transport logged, with helpers
// to find them by message and fields.
#pragma once

#include <rafthttp/log.hpp>
#include <rafthttp/stream.hpp>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace rafthttp::test {

struct log_record {
  log_level level;
  std::string message;
  std::map<std::string, std::string> fields;
};

struct recorded_log {
  std::vector<log_record> records;

  [[nodiscard]] log_sink sink() {
    return [this](log_level level, std::string_view message, std::span<const log_field> fields) {
      log_record r{level, std::string(message), {}};
      for (const auto& f : fields) r.fields.emplace(std::string(f.key), f.value);
      records.push_back(std::move(r));
    };
  }

  // Records with this message whose fields include every given key=value.
  [[nodiscard]] std::vector<const log_record*> find(std::string_view message,
                                                    const std::map<std::string, std::string>& with = {}) const {
    std::vector<const log_record*> out;
    for (const auto& r : records) {
      if (r.message != message) continue;
      const bool matches = std::ranges::all_of(with, [&](const auto& kv) {
        const auto it = r.fields.find(kv.first);
        return it != r.fields.end() && it->second == kv.second;
      });
      if (matches) out.push_back(&r);
    }
    return out;
  }
  [[nodiscard]] bool has(std::string_view message, const std::map<std::string, std::string>& with = {}) const {
    return !find(message, with).empty();
  }

  // Records with this message (and, if given, this field value).
  [[nodiscard]] std::size_t count(std::string_view message, std::string_view key = {},
                                  std::string_view value = {}) const {
    return static_cast<std::size_t>(std::ranges::count_if(records, [&](const log_record& r) {
      if (r.message != message) return false;
      if (key.empty()) return true;
      const auto it = r.fields.find(std::string(key));
      return it != r.fields.end() && (value.empty() || it->second == value);
    }));
  }

  // The "error" fields of a reader's "lost TCP streaming connection" lines.
  [[nodiscard]] std::vector<std::string> reader_losses(stream_type type) const {
    std::vector<std::string> out;
    for (const auto& r : records) {
      if (r.message != "lost TCP streaming connection with remote peer") continue;
      const auto it = r.fields.find("stream-reader-type");
      if (it != r.fields.end() && it->second == stream_name(type)) out.push_back(r.fields.at("error"));
    }
    return out;
  }
};

}  // namespace rafthttp::test
