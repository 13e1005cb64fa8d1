// A minimal JSON writer producing what Go's encoding/json produces for the
// same values (number formats, string escapes), so that the outputs of the C++
// and the Go peer read alike. Keys are written in the order given.
#pragma once

#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>

namespace peer_cli {

class json_writer {
 public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view name);

  json_writer& value(std::string_view text);
  json_writer& value(const char* text) { return value(std::string_view(text)); }
  json_writer& value(const std::string& text) { return value(std::string_view(text)); }
  json_writer& value(bool b);
  json_writer& value(double d);
  json_writer& value(float f);  // as the shortest decimal that reads back as that float
  template <std::integral T>
    requires(!std::same_as<T, bool>)
  json_writer& value(T n) {
    return number(std::to_string(n));
  }
  json_writer& null();

  template <class T>
  json_writer& field(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  [[nodiscard]] const std::string& text() const { return out_; }

 private:
  json_writer& number(const std::string& digits);
  void separate();

  std::string out_;
  bool need_comma_ = false;
};

}  // namespace peer_cli
