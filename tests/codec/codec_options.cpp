// The codecs' limits: etcd's readBytesLimit by default, and this header alone
// is enough to name them (the fuzz targets, built without Asio's coroutines,
// include the codecs and nothing above them).
#include <rafthttp/codec/codec_options.hpp>

#include <doctest/doctest.h>

TEST_CASE("codec_options: the default frame limit is etcd's readBytesLimit (512 MiB)") {
  CHECK(rafthttp::codec_options{}.max_frame_bytes == 512u * 1024 * 1024);
}
