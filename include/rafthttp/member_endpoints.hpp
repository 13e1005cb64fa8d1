// The endpoints etcd serves on its peer port beside rafthttp's, which the Go
// members of a real cluster call on every member (doc/etcd-versions.md):
//
//   GET  /version             {"etcdserver","etcdcluster"(,"storage" from 3.6)}: the
//                             leader decides the cluster version from these
//   GET  /downgrade/enabled   "true"/"false" (3.5+; a member that starts asks all)
//   GET  /members             the member list as etcd's JSON (a member that joins asks)
//   POST /leases, /leases/internal, /members/promote/<id>, GET /members/hashkv
//                             forwarded lease and promotion requests, corruption
//                             checks: work of an etcd server above the transport.
//
// What only the member's state machine knows (the cluster version it applied,
// the member list...) comes from hooks in transport_options::member. The last
// group answers 503 "not served by this member" unless the user mounts routes
// of their own on the same paths; Go callers take any status but 200 as a
// failure of that member and go on (try another member, retry later). Nothing
// is ever answered with a redirect: Go's peer clients do not follow them.
#pragma once

#include <rafthttp/detail/core.hpp>
#include <rafthttp/detail/go_format.hpp>
#include <rafthttp/http/server.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rafthttp {

namespace detail {

// A handler that takes GET only; other methods get net/http's 405.
template <class Handler>
[[nodiscard]] http::handler get_only(Handler serve) {
  return [serve = std::move(serve)](http::exchange& ex) -> asio::awaitable<void> {
    if (ex.request().method != "GET") {
      (void)co_await ex.respond_method_not_allowed("GET");
      co_return;
    }
    co_await serve(ex);
  };
}

// etcd's version.Versions, marshalled by encoding/json in its field order.
[[nodiscard]] inline std::string versions_json(const core& c) {
  const auto& hooks = c.options.member;
  std::string out = "{\"etcdserver\":";
  append_json_string(out, c.options.server_version);
  out += ",\"etcdcluster\":";
  append_json_string(out, hooks.cluster_version ? hooks.cluster_version() : std::string(not_decided_cluster_version));
  if (c.profile.reports_storage_version) {
    out += ",\"storage\":";
    append_json_string(out, hooks.storage_version ? hooks.storage_version() : std::string(unknown_storage_version));
  }
  return out + "}";
}

// Calls a hook of the user's; what it throws is reported and answered 500.
template <class Hook>
[[nodiscard]] bool call_hook(core& c, std::string_view name, Hook&& hook) {
  try {
    hook();
    return true;
  } catch (...) {
    c.report_policy_exception(name, std::current_exception());
    return false;
  }
}

inline asio::awaitable<void> answer_hook_failure(core& c, http::exchange& ex) {
  http::fields headers;
  headers.add("X-Etcd-Cluster-ID", c.cluster_id);
  (void)co_await ex.respond_error(500, "member endpoint hook failed", std::move(headers));
}

inline asio::awaitable<void> serve_version(std::shared_ptr<core> c, http::exchange& ex) {
  std::string body;
  if (!call_hook(*c, "member version hooks", [&] { body = versions_json(*c); })) {
    co_await answer_hook_failure(*c, ex);
    co_return;
  }
  http::fields headers;
  headers.add("Content-Type", "application/json");
  (void)co_await ex.respond(200, std::move(headers), body);
}

inline asio::awaitable<void> serve_downgrade_enabled(std::shared_ptr<core> c, http::exchange& ex) {
  http::fields headers;
  headers.add("X-Etcd-Cluster-ID", c->cluster_id);
  headers.add("Content-Type", "text/plain");
  bool enabled = false;
  const auto& hook = c->options.member.downgrade_enabled;
  if (hook && !call_hook(*c, "downgrade_enabled", [&] { enabled = hook(); })) {
    co_await answer_hook_failure(*c, ex);
    co_return;
  }
  (void)co_await ex.respond(200, std::move(headers), enabled ? "true" : "false");
}

inline void append_json_strings(std::string& out, const std::vector<std::string>& texts) {
  out += '[';
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, texts[i]);
  }
  out += ']';
}

// etcd's membership.Member as encoding/json writes it (empty name, client URLs
// and a false isLearner are omitted).
inline void append_member_json(std::string& out, const member_info& m) {
  out += "{\"id\":" + std::to_string(m.id) + ",\"peerURLs\":";
  append_json_strings(out, m.peer_urls);
  if (m.is_learner) out += ",\"isLearner\":true";
  if (!m.name.empty()) {
    out += ",\"name\":";
    append_json_string(out, m.name);
  }
  if (!m.client_urls.empty()) {
    out += ",\"clientURLs\":";
    append_json_strings(out, m.client_urls);
  }
  out += '}';
}

inline asio::awaitable<void> serve_members(std::shared_ptr<core> c, http::exchange& ex) {
  http::fields headers;
  headers.add("X-Etcd-Cluster-ID", c->cluster_id);
  if (!c->options.member.members) {
    (void)co_await ex.respond_error(404, "member list not served by this member", std::move(headers));
    co_return;
  }
  std::string body = "[";
  const bool listed = call_hook(*c, "members", [&] {
    for (const auto& m : c->options.member.members()) {
      if (body.size() > 1) body += ',';
      append_member_json(body, m);
    }
  });
  if (!listed) {
    co_await answer_hook_failure(*c, ex);
    co_return;
  }
  body += "]\n";  // json.Encoder ends with a newline
  headers.add("Content-Type", "application/json");
  (void)co_await ex.respond(200, std::move(headers), body);
}

inline asio::awaitable<void> serve_not_served(std::shared_ptr<core> c, http::exchange& ex) {
  http::fields headers;
  headers.add("X-Etcd-Cluster-ID", c->cluster_id);
  (void)co_await ex.respond_error(503, "not served by this member", std::move(headers));
}

}  // namespace detail

// Mounts the member endpoints on `router`; mount routes of your own on the
// last four paths afterwards to serve them yourself.
inline void mount_member_endpoints(http::router& router, const std::shared_ptr<detail::core>& c) {
  router.mount("/version", detail::get_only([c](http::exchange& ex) { return detail::serve_version(c, ex); }));
  router.mount("/downgrade/enabled",
               detail::get_only([c](http::exchange& ex) { return detail::serve_downgrade_enabled(c, ex); }));
  router.mount("/members", detail::get_only([c](http::exchange& ex) { return detail::serve_members(c, ex); }));
  for (const auto path : {"/leases", "/leases/internal", "/members/promote/", "/members/hashkv"})
    router.mount(path, [c](http::exchange& ex) { return detail::serve_not_served(c, ex); });
}

}  // namespace rafthttp
