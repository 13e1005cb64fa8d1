#include <rafthttp/http/fields.hpp>

#include <doctest/doctest.h>

using namespace rafthttp::http;

TEST_CASE("fields find names case-insensitively; heads serialise") {
  response_head head;
  head.status = 412;
  head.headers.add("X-Etcd-Cluster-ID", "7b");
  head.headers.set("x-etcd-cluster-id", "7c");
  CHECK(head.headers.size() == 1);
  CHECK(head.headers.get("X-ETCD-CLUSTER-ID") == "7c");
  CHECK_FALSE(head.headers.contains("X-Raft-To"));
  CHECK(serialize(head) == "HTTP/1.1 412 Precondition Failed\r\nx-etcd-cluster-id: 7c\r\n\r\n");
  const request_head req("GET", "/raft/stream/message/1?a=b");
  CHECK(req.path() == "/raft/stream/message/1");
  CHECK(serialize(req) == "GET /raft/stream/message/1?a=b HTTP/1.1\r\n\r\n");
}
