// Which of a peer's URLs to use (doc/protocol.md 9.3): sticky until a failure on
// the current URL moves to the next one.
#pragma once

#include <rafthttp/id.hpp>

#include <cstddef>

namespace rafthttp {

class url_picker {
 public:
  explicit url_picker(url_list urls) : urls_(std::move(urls)) {}

  [[nodiscard]] const peer_url& pick() const { return urls_[current_]; }

  // A failure on `url`: moves on if it is still the current one, so that
  // several failures on the same URL rotate only once.
  void unreachable(const peer_url& url) {
    if (urls_[current_] == url) current_ = (current_ + 1) % urls_.size();
  }

  void update(url_list urls) {
    urls_ = std::move(urls);
    current_ = 0;
  }

  [[nodiscard]] const url_list& urls() const { return urls_; }

 private:
  url_list urls_;
  std::size_t current_ = 0;
};

}  // namespace rafthttp
