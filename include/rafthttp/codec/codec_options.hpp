// Limits of the message codecs (doc/protocol.md 6.1, 6.2, 8.4), apart from
// options.hpp so that the codecs need nothing of the network layers above
// them (the fuzz targets build them alone, with a compiler that has no Asio
// coroutines).
#pragma once

#include <rafthttp/units.hpp>

#include <cstddef>

namespace rafthttp {

struct codec_options {
  // readBytesLimit: the largest message-stream frame and msgappv2 record.
  std::size_t max_frame_bytes = etcd::read_bytes_limit;
};

}  // namespace rafthttp
