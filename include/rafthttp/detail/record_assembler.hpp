// Turns arbitrarily split input (HTTP chunks, socket reads) into whole records
// for a stream decoder. Records that lie inside one input span are parsed in
// place; only a record cut by the end of a span is copied, and only as far as
// its parser says it needs, so memory follows what arrived, never what a length
// prefix claims.
#pragma once

#include <rafthttp/detail/byte_buffer.hpp>

#include <cstddef>
#include <span>
#include <system_error>

namespace rafthttp::detail {

// What a record parser says about the bytes at the start of a span.
struct parse_step {
  std::size_t consumed = 0;  // > 0: one record was parsed and handled
  std::size_t needed = 0;    // consumed == 0: bytes the record needs at least
  std::error_code error;

  [[nodiscard]] static parse_step done(std::size_t n) { return {n, 0, {}}; }
  [[nodiscard]] static parse_step need(std::size_t n) { return {0, n, {}}; }
  [[nodiscard]] static parse_step fail(std::error_code ec) { return {0, 0, ec}; }
};

class record_assembler {
 public:
  // A cut record's buffer keeps up to this much capacity between records: a
  // stream of large entries then costs no allocation per record.
  static constexpr std::size_t kept_capacity = 4 * 1024 * 1024;

  // Parses every whole record in `input` with `parse(span) -> parse_step`; keeps
  // the start of a cut record for the next call. The parser always sees a span
  // that begins at a record boundary.
  template <class Parse>
  [[nodiscard]] std::error_code feed(std::span<const std::uint8_t> input, Parse&& parse) {
    while (!pending_.empty()) {
      // The buffer grows with what arrives (doubling), never with what a
      // length prefix claims: announcing 4 MiB and sending 10 bytes costs ~256.
      const std::size_t take = std::min(input.size(), needed_ - pending_.size());
      pending_.append(input.first(take));
      input = input.subspan(take);
      if (pending_.size() < needed_) return {};
      const parse_step step = parse(pending_.bytes());
      if (step.error) return step.error;
      if (step.consumed == 0) {
        needed_ = step.needed;
        continue;
      }
      pending_.consume(step.consumed);
      needed_ = pending_.size();  // normally 0; else parse what is left next round
    }
    pending_.trim(kept_capacity);
    while (!input.empty()) {
      const parse_step step = parse(input);
      if (step.error) return step.error;
      if (step.consumed == 0) {
        pending_.append(input);
        needed_ = step.needed;
        return {};
      }
      input = input.subspan(step.consumed);
    }
    return {};
  }

  // True between records: the input so far ended at a record boundary.
  [[nodiscard]] bool at_boundary() const { return pending_.empty(); }

 private:
  byte_buffer pending_;
  std::size_t needed_ = 0;
};

}  // namespace rafthttp::detail
