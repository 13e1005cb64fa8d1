// An incremental HTTP/1.1 parser on llhttp, for requests (server) and
// responses (client). It stops after the head and after each message, so that
// the caller decides what to do with the body and never parses into the next
// request; body bytes are handed out as spans into the caller's buffer (no
// copy), which chunked stream bodies of any framing turn into.
#pragma once

#include <rafthttp/http/error.hpp>
#include <rafthttp/http/fields.hpp>

#include <llhttp.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace rafthttp::http {

enum class parse_event {
  need_more,      // all input consumed; nothing complete yet
  head,           // the head is complete (head_request() / head_response())
  message_done,   // the message, body included, is complete
};

struct parse_result {
  parse_event event = parse_event::need_more;
  std::size_t consumed = 0;  // input bytes the caller may drop
  std::error_code error;
};

class parser {
 public:
  enum class kind { request, response };

  parser(kind k, std::size_t max_header_bytes) : kind_(k), max_header_bytes_(max_header_bytes) {
    llhttp_init(&llhttp_, k == kind::request ? HTTP_REQUEST : HTTP_RESPONSE, &settings());
  }
  parser(const parser&) = delete;
  parser& operator=(const parser&) = delete;

  // Parses from the start of `input` to the next event. Body bytes met on the
  // way are appended to body_pieces() (cleared on each call).
  parse_result parse(std::span<const std::uint8_t> input) {
    body_pieces_.clear();
    if (paused_) {
      llhttp_resume(&llhttp_);
      paused_ = false;
    }
    llhttp_.data = this;
    // Never a null pointer, even for no input: llhttp moves a partial span's
    // start to the new buffer and would lose it.
    const auto* begin = input.empty() ? "" : reinterpret_cast<const char*>(input.data());
    const llhttp_errno_t err = llhttp_execute(&llhttp_, begin, input.size());
    if (err == HPE_OK) return {parse_event::need_more, input.size(), {}};
    if (err == HPE_PAUSED) {
      paused_ = true;
      const auto consumed = static_cast<std::size_t>(llhttp_get_error_pos(&llhttp_) - begin);
      return {event_, consumed, {}};
    }
    return {parse_event::need_more, 0, header_too_large_ ? errc::header_too_large : errc::parse_error};
  }

  // The connection ended: completes a body that runs until EOF, or reports
  // the message as truncated.
  parse_result finish() {
    body_pieces_.clear();
    if (paused_) {
      llhttp_resume(&llhttp_);
      paused_ = false;
    }
    llhttp_.data = this;
    const llhttp_errno_t err = llhttp_finish(&llhttp_);
    if (err == HPE_OK && event_ == parse_event::message_done) return {parse_event::message_done, 0, {}};
    if (err == HPE_PAUSED) {
      paused_ = true;
      return {parse_event::message_done, 0, {}};
    }
    return {parse_event::need_more, 0, errc::connection_closed};
  }

  [[nodiscard]] const std::vector<std::span<const std::uint8_t>>& body_pieces() const { return body_pieces_; }
  [[nodiscard]] const request_head& request() const { return request_; }
  [[nodiscard]] request_head& request() { return request_; }
  [[nodiscard]] const response_head& response() const { return response_; }
  [[nodiscard]] response_head& response() { return response_; }
  // Between the head and message_done: does the body end only at EOF?
  [[nodiscard]] bool body_until_eof() const { return llhttp_message_needs_eof(&llhttp_) != 0; }
  [[nodiscard]] bool chunked() const { return (llhttp_.flags & F_CHUNKED) != 0; }
  // Content-Length when the body has one, else -1 (chunked or until EOF).
  [[nodiscard]] std::int64_t content_length() const {
    return (llhttp_.flags & F_CONTENT_LENGTH) ? static_cast<std::int64_t>(content_length_) : -1;
  }
  [[nodiscard]] const char* error_reason() const { return llhttp_get_error_reason(&llhttp_); }

 private:
  static parser& self(llhttp_t* p) { return *static_cast<parser*>(p->data); }

  // Every byte of the head counts against the limit, so a trickled head of
  // endless fields ends with header_too_large.
  int count_head_bytes(std::size_t n) {
    head_bytes_ += n;
    if (head_bytes_ <= max_header_bytes_) return 0;
    header_too_large_ = true;
    return -1;
  }

  static int on_message_begin(llhttp_t* p) {
    auto& s = self(p);
    s.request_ = {};
    s.response_ = {};
    s.field_.clear();
    s.value_.clear();
    s.head_bytes_ = 0;
    s.in_head_ = true;
    s.event_ = parse_event::need_more;
    return 0;
  }
  static int on_url(llhttp_t* p, const char* at, std::size_t n) {
    auto& s = self(p);
    s.request_.target.append(at, n);
    return s.count_head_bytes(n);
  }
  static int on_method(llhttp_t* p, const char* at, std::size_t n) {
    auto& s = self(p);
    s.request_.method.append(at, n);
    return s.count_head_bytes(n);
  }
  static int on_status(llhttp_t* p, const char*, std::size_t n) { return self(p).count_head_bytes(n); }
  // A field name is a token (RFC 9110 5.6.2); llhttp 8.1 lets spaces through,
  // Go's server answers 400 to them.
  static bool token_characters(const char* at, std::size_t n) {
    constexpr std::string_view punctuation = "!#$%&'*+-.^_`|~";
    for (std::size_t i = 0; i < n; ++i) {
      const char c = at[i];
      const bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && punctuation.find(c) == std::string_view::npos) return false;
    }
    return true;
  }
  static int on_header_field(llhttp_t* p, const char* at, std::size_t n) {
    auto& s = self(p);
    if (!token_characters(at, n)) return -1;
    s.field_.append(at, n);
    return s.count_head_bytes(n);
  }
  static int on_header_value(llhttp_t* p, const char* at, std::size_t n) {
    auto& s = self(p);
    s.value_.append(at, n);
    return s.count_head_bytes(n);
  }
  static int on_header_value_complete(llhttp_t* p) {
    auto& s = self(p);
    if (!s.in_head_) {  // a trailer of a chunked body: counted, not kept (the head was routed already)
      s.field_.clear();
      s.value_.clear();
      return 0;
    }
    if (s.field_.empty()) return -1;  // ": value"
    auto& headers = s.kind_ == kind::request ? s.request_.headers : s.response_.headers;
    const auto last = s.value_.find_last_not_of(" \t");
    s.value_.erase(last == std::string::npos ? 0 : last + 1);
    headers.add(std::move(s.field_), std::move(s.value_));
    s.field_.clear();
    s.value_.clear();
    return 0;
  }
  static int on_headers_complete(llhttp_t* p) {
    auto& s = self(p);
    const bool keep_alive = llhttp_should_keep_alive(p) != 0;
    s.request_.keep_alive = s.response_.keep_alive = keep_alive;
    s.response_.status = p->status_code;
    s.content_length_ = p->content_length;
    s.event_ = parse_event::head;
    s.in_head_ = false;
    return HPE_PAUSED;
  }
  // llhttp may report an empty span at a buffer boundary; an empty piece
  // would read as the end of the body.
  static int on_body(llhttp_t* p, const char* at, std::size_t n) {
    if (n > 0) self(p).body_pieces_.emplace_back(reinterpret_cast<const std::uint8_t*>(at), n);
    return 0;
  }
  static int on_message_complete(llhttp_t* p) {
    self(p).event_ = parse_event::message_done;
    return HPE_PAUSED;
  }

  static const llhttp_settings_t& settings() {
    static const llhttp_settings_t s = [] {
      llhttp_settings_t init;
      llhttp_settings_init(&init);
      init.on_message_begin = &on_message_begin;
      init.on_url = &on_url;
      init.on_method = &on_method;
      init.on_status = &on_status;
      init.on_header_field = &on_header_field;
      init.on_header_value = &on_header_value;
      init.on_header_value_complete = &on_header_value_complete;
      init.on_headers_complete = &on_headers_complete;
      init.on_body = &on_body;
      init.on_message_complete = &on_message_complete;
      return init;
    }();
    return s;
  }

  llhttp_t llhttp_{};
  kind kind_;
  std::size_t max_header_bytes_;
  std::size_t head_bytes_ = 0;
  bool header_too_large_ = false;
  bool in_head_ = false;
  bool paused_ = false;
  parse_event event_ = parse_event::need_more;
  std::uint64_t content_length_ = 0;
  request_head request_;
  response_head response_;
  std::string field_;
  std::string value_;
  std::vector<std::span<const std::uint8_t>> body_pieces_;
};

}  // namespace rafthttp::http
