// The transport's members: peers and remotes by id, shared with the handlers
// (which add remotes from X-PeerURLs and hand stream connections to peers).
// It sits beside the transport, above peer.hpp and remote.hpp: the shared
// state of detail/ never looks up to it.
#pragma once

#include <rafthttp/detail/core.hpp>
#include <rafthttp/http/fields.hpp>
#include <rafthttp/peer.hpp>
#include <rafthttp/remote.hpp>

#include <map>
#include <memory>
#include <utility>

namespace rafthttp {

struct member_registry {
  explicit member_registry(std::shared_ptr<detail::core> c) : core(std::move(c)) {}

  [[nodiscard]] std::shared_ptr<peer> find_peer(member_id id) const {
    const auto it = peers.find(id);
    return it == peers.end() ? nullptr : it->second;
  }

  // etcd's AddRemote: a no-op once stopped, for a peer, or for a known remote.
  void add_remote(member_id id, const url_list& urls) {
    if (core->stopped || peers.contains(id) || remotes.contains(id)) return;
    auto r = std::make_shared<remote>(core, id, urls);
    remotes.emplace(id, r);
    r->start();
    core->log(log_level::info, "added new remote peer",
              {{"local-member-id", core->local_id}, {"remote-peer-id", format_id(id)},
               {"remote-peer-urls", urls.joined()}});
  }

  // The handlers' "add remote from request" (doc/protocol.md 3.7). An
  // invalid X-PeerURLs is ignored (a Go node would panic on it [HAZARD]).
  void add_remote_from_request(const http::request_head& request) {
    if (const auto from = parse_id(request.headers.get("X-Server-From"))) add_remote_from_header(*from, request);
  }

  // The stream handler's variant: the id is the dialler's, from the path.
  // Remotes added so are bounded (options.max_remotes_from_requests).
  void add_remote_from_header(member_id id, const http::request_head& request) {
    const auto urls_header = request.headers.get("X-PeerURLs");
    if (urls_header.empty() || peers.contains(id) || remotes.contains(id)) return;
    const auto urls = url_list::parse(urls_header);
    if (urls && accepts(id, *urls)) {
      if (remotes_from_requests >= core->options.max_remotes_from_requests) {
        if (!std::exchange(remote_bound_logged, true))
          core->log(log_level::warn, "not adding remotes from requests any more: max_remotes_from_requests reached",
                    {{"remote-peer-id", format_id(id)},
                     {"max-remotes-from-requests", std::to_string(core->options.max_remotes_from_requests)}});
        return;
      }
      ++remotes_from_requests;
      add_remote(id, *urls);
    } else {
      core->log(log_level::warn, "ignored X-PeerURLs (invalid or not accepted)",
                {{"remote-peer-id", format_id(id)}, {"urls", std::string(urls_header)}});
    }
  }

  // The user's accept_remote_urls hook; what it throws refuses the URLs.
  [[nodiscard]] bool accepts(member_id id, const url_list& urls) const {
    const auto& accept = core->options.accept_remote_urls;
    if (!accept) return true;
    try {
      return accept(id, urls);
    } catch (...) {
      core->report_policy_exception("accept_remote_urls", std::current_exception());
      return false;
    }
  }

  std::shared_ptr<detail::core> core;
  std::map<member_id, std::shared_ptr<peer>> peers;
  std::map<member_id, std::shared_ptr<remote>> remotes;
  std::size_t remotes_from_requests = 0;  // of remotes, those a request's X-PeerURLs added
  bool remote_bound_logged = false;
};

}  // namespace rafthttp
