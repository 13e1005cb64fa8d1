// tcp_ceiling: what plain loopback TCP does on this machine, measured between
// two processes (this one and a forked child), so that the transport's figures
// can be read against the ceiling and the floor of the same run.
//
//   tcp_ceiling bandwidth [--bytes N] [--chunk N]
//       the parent writes N bytes in chunks of --chunk (blocking send), the
//       child reads them (blocking recv into a --chunk buffer) and answers one
//       byte at the end; MB/s = N / (first write .. that answer).
//   tcp_ceiling pingpong [--size N] [--reply N] [--count N] [--warmup N] [--busy-poll]
//                        [--two-connections]
//       the parent sends --size bytes, the child answers --reply bytes once it
//       has them all; one round trip per iteration, TCP_NODELAY on both ends.
//       Blocking: recv()/send() that sleep in the kernel (the process is woken
//       on arrival). --busy-poll: non-blocking sockets polled in a loop by both
//       processes (no sleep, no wake-up), as low-latency engines do.
//       --two-connections: requests go over one connection and answers over
//       another, the shape of rafthttp's streams (each stream carries one
//       direction): every segment is then acknowledged by a bare ACK that the
//       receiver's recv() sends, where one connection carries the ACK in the
//       answer.
//
// Prints one JSON object on stdout. Latencies are nearest-rank percentiles in
// microseconds, as rafthttp-peer reports them. Plain POSIX: no Asio.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "tcp_ceiling: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

struct options {
  std::string mode;
  std::uint64_t bytes = 4ull << 30;
  std::size_t chunk = 1 << 20;
  std::size_t size = 176;
  std::size_t reply = 48;
  std::size_t count = 20000;
  std::size_t warmup = 1000;
  bool busy_poll = false;
  bool two_connections = false;
};

std::uint64_t parse_size(std::string_view text) {
  char* end = nullptr;
  const std::string s(text);
  std::uint64_t v = std::strtoull(s.c_str(), &end, 10);
  const std::string_view unit(end);
  if (unit == "K" || unit == "KiB") v <<= 10;
  else if (unit == "M" || unit == "MiB") v <<= 20;
  else if (unit == "G" || unit == "GiB") v <<= 30;
  else if (!unit.empty()) {
    std::fprintf(stderr, "tcp_ceiling: bad size %s\n", s.c_str());
    std::exit(2);
  }
  return v;
}

options parse(int argc, char** argv) {
  options o;
  if (argc < 2) {
    std::fprintf(stderr, "usage: tcp_ceiling bandwidth|pingpong [flags]\n");
    std::exit(2);
  }
  o.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    const std::string_view flag = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "tcp_ceiling: %s needs a value\n", argv[i]);
        std::exit(2);
      }
      return argv[++i];
    };
    if (flag == "--bytes") o.bytes = parse_size(value());
    else if (flag == "--chunk") o.chunk = parse_size(value());
    else if (flag == "--size") o.size = parse_size(value());
    else if (flag == "--reply") o.reply = parse_size(value());
    else if (flag == "--count") o.count = parse_size(value());
    else if (flag == "--warmup") o.warmup = parse_size(value());
    else if (flag == "--busy-poll") o.busy_poll = true;
    else if (flag == "--two-connections") o.two_connections = true;
    else {
      std::fprintf(stderr, "tcp_ceiling: unknown flag %s\n", argv[i]);
      std::exit(2);
    }
  }
  if (o.mode != "bandwidth" && o.mode != "pingpong") {
    std::fprintf(stderr, "tcp_ceiling: unknown mode %s\n", o.mode.c_str());
    std::exit(2);
  }
  if (o.chunk == 0 || o.size == 0 || o.reply == 0 || o.count == 0) {
    std::fprintf(stderr, "tcp_ceiling: sizes and counts must be positive\n");
    std::exit(2);
  }
  return o;
}

// A listener on 127.0.0.1 with a port the kernel picks.
int listen_loopback(sockaddr_in& addr) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  std::memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) die("bind");
  socklen_t len = sizeof addr;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) < 0) die("getsockname");
  if (::listen(fd, 2) < 0) die("listen");
  return fd;
}

void set_nodelay(int fd) {
  int one = 1;
  if (::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) die("TCP_NODELAY");
}

// Reads exactly n bytes. Busy: MSG_DONTWAIT in a loop (never sleeps).
void read_exactly(int fd, char* at, std::size_t n, bool busy) {
  const int flags = busy ? MSG_DONTWAIT : 0;
  while (n > 0) {
    const ssize_t r = ::recv(fd, at, n, flags);
    if (r > 0) {
      at += r;
      n -= static_cast<std::size_t>(r);
    } else if (r == 0) {
      std::fprintf(stderr, "tcp_ceiling: peer closed\n");
      std::exit(1);
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      die("recv");
    }
  }
}

void write_exactly(int fd, const char* at, std::size_t n, bool busy) {
  const int flags = MSG_NOSIGNAL | (busy ? MSG_DONTWAIT : 0);
  while (n > 0) {
    const ssize_t w = ::send(fd, at, n, flags);
    if (w > 0) {
      at += w;
      n -= static_cast<std::size_t>(w);
    } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      die("send");
    }
  }
}

// The sockets of one side: requests travel from the parent's `request` to the
// child's, answers back over `reply` (the same connection, or a second one
// with --two-connections).
struct sockets {
  int request = -1;
  int reply = -1;
};

int accept_one(int listener) {
  const int fd = ::accept(listener, nullptr, nullptr);
  if (fd < 0) die("accept");
  set_nodelay(fd);
  return fd;
}

int connect_one(const sockaddr_in& addr) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) die("connect");
  set_nodelay(fd);
  return fd;
}

void close_pair(const sockets& s) {
  ::close(s.request);
  if (s.reply != s.request) ::close(s.reply);
}

// Forks the child (which runs `child` on its connected sockets and exits) and
// returns the parent's sockets.
template <class Child>
sockets fork_pair(const options& o, Child child) {
  sockaddr_in addr{};
  const int listener = listen_loopback(addr);
  const pid_t pid = ::fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    sockets s;
    s.request = accept_one(listener);
    s.reply = o.two_connections ? accept_one(listener) : s.request;
    ::close(listener);
    child(s, o);
    close_pair(s);
    std::_Exit(0);
  }
  ::close(listener);
  sockets s;
  s.request = connect_one(addr);
  s.reply = o.two_connections ? connect_one(addr) : s.request;
  return s;
}

void reap_child() {
  int status = 0;
  if (::wait(&status) < 0) die("wait");
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::fprintf(stderr, "tcp_ceiling: child failed\n");
    std::exit(1);
  }
}

int run_bandwidth(const options& o) {
  const sockets fd = fork_pair(o, [](const sockets& sock, const options& opt) {
    std::vector<char> buffer(opt.chunk);
    std::uint64_t left = opt.bytes;
    while (left > 0) {
      const ssize_t r = ::recv(sock.request, buffer.data(), std::min<std::uint64_t>(left, buffer.size()), 0);
      if (r <= 0) die("recv");
      left -= static_cast<std::uint64_t>(r);
    }
    const char done = 1;
    write_exactly(sock.reply, &done, 1, false);
  });
  std::vector<char> buffer(o.chunk);
  for (std::size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<char>(i * 131 + 7);
  const auto start = clock_type::now();
  std::uint64_t left = o.bytes;
  while (left > 0) {
    const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, buffer.size()));
    write_exactly(fd.request, buffer.data(), n, false);
    left -= n;
  }
  char done = 0;
  read_exactly(fd.reply, &done, 1, false);
  const double seconds = std::chrono::duration<double>(clock_type::now() - start).count();
  close_pair(fd);
  reap_child();
  std::printf("{\"mode\":\"bandwidth\",\"bytes\":%llu,\"chunk\":%zu,\"seconds\":%.6f,\"mb_per_s\":%.3f}\n",
              static_cast<unsigned long long>(o.bytes), o.chunk, seconds, static_cast<double>(o.bytes) / seconds / 1e6);
  return 0;
}

int run_pingpong(const options& o) {
  const std::size_t rounds = o.warmup + o.count;
  const sockets fd = fork_pair(o, [rounds](const sockets& sock, const options& opt) {
    std::vector<char> request(opt.size);
    std::vector<char> reply(opt.reply, 'r');
    for (std::size_t i = 0; i < rounds; ++i) {
      read_exactly(sock.request, request.data(), request.size(), opt.busy_poll);
      write_exactly(sock.reply, reply.data(), reply.size(), opt.busy_poll);
    }
  });
  std::vector<char> request(o.size, 'q');
  std::vector<char> reply(o.reply);
  std::vector<double> latencies;
  latencies.reserve(o.count);
  for (std::size_t i = 0; i < rounds; ++i) {
    const auto start = clock_type::now();
    write_exactly(fd.request, request.data(), request.size(), o.busy_poll);
    read_exactly(fd.reply, reply.data(), reply.size(), o.busy_poll);
    const auto end = clock_type::now();
    if (i >= o.warmup) latencies.push_back(std::chrono::duration<double, std::micro>(end - start).count());
  }
  close_pair(fd);
  reap_child();
  std::sort(latencies.begin(), latencies.end());
  const auto n = latencies.size();
  auto rank = [&](double p) {
    const auto i = static_cast<std::size_t>(std::max(1.0, std::ceil(p * static_cast<double>(n))));
    return latencies[std::min(i, n) - 1];
  };
  double sum = 0;
  for (const double v : latencies) sum += v;
  std::printf(
      "{\"mode\":\"pingpong\",\"busy_poll\":%s,\"two_connections\":%s,\"size\":%zu,\"reply\":%zu,\"count\":%zu,"
      "\"latency_us\":{\"count\":%zu,\"min\":%.3f,\"mean\":%.3f,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,"
      "\"p999\":%.3f,\"max\":%.3f}}\n",
      o.busy_poll ? "true" : "false", o.two_connections ? "true" : "false", o.size, o.reply, o.count, n, latencies.front(), sum / static_cast<double>(n),
      rank(0.5), rank(0.9), rank(0.99), rank(0.999), latencies.back());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const options o = parse(argc, argv);
  return o.mode == "bandwidth" ? run_bandwidth(o) : run_pingpong(o);
}
