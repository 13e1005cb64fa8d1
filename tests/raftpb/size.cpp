#include <rafthttp/raftpb/size.hpp>

#include <doctest/doctest.h>

using namespace rafthttp::raftpb;

TEST_CASE("sizes as Go 3.4's Size()") {
  CHECK(encoded_size(message{}) == 30);  // every non-nullable field, the empty snapshot included
  CHECK(encoded_size(entry{}) == 6);
  CHECK(encoded_size(snapshot{}) == 10);
  entry e;
  e.data = "hello";
  CHECK(encoded_size(e) == 13);
  e.data = "";
  CHECK(encoded_size(e) == 8);  // present but empty: tag and a zero length
  message m;
  m.to = ~0ULL;                 // a 10-byte varint
  CHECK(encoded_size(m) == 39);
  m.type = static_cast<message_type>(-1);  // Go sign-extends enums: 10 bytes too
  CHECK(encoded_size(m) == 48);
  conf_state cs;
  cs.voters = {1, 2, 300};
  CHECK(encoded_size(cs) == 2 + 2 + 3 + 2);  // unpacked: a tag per element
}
