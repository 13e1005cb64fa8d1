# Sourced by tests/run.sh and examples/demo.sh: installs the Debian 12
# packages the project needs, only those missing (idempotent; root or sudo).
#
# Build: meson ninja-build g++ pkg-config, and the libraries libasio-dev,
# node-llhttp (llhttp's C sources), libnanopb-dev + nanopb (runtime and
# generator), doctest-dev, libssl-dev. Tests beyond the build: golang-go,
# golang-etcd-server-dev (etcd 3.4.23's Go sources), etcd-server, etcd-client
# (interop), openssl (the command line tool: certificates of the interop TLS
# scenarios), clang and libclang-rt-14-dev (the fuzzers' brief CI run),
# ca-certificates (the Go module proxy is HTTPS; a minimal Debian lacks them),
# cmake (tests/consumer/cmake.sh: the installed CMake package).
#
# Go: the etcd 3.5, 3.6 and 3.7 Go code of the interop tests (Go modules from
# the module proxy) needs Go 1.26 or newer; Debian 12's own golang-go is 1.19
# (enough only for the 3.4.23 GOPATH builds). ensure_go keeps a new enough go
# already on PATH (or in /usr/local/go), and otherwise installs Debian 12's
# backports Go, which fetches $go_toolchain from the module proxy by the
# GOTOOLCHAIN mechanism (about 70 MB, once per machine).

build_packages="meson ninja-build g++ pkg-config libasio-dev node-llhttp libnanopb-dev nanopb doctest-dev libssl-dev"
test_packages="golang-go golang-etcd-server-dev etcd-server etcd-client openssl clang libclang-rt-14-dev ca-certificates cmake"

install_packages() {
  local missing=()
  for package in "$@"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing: ${missing[*]}" >&2
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; return 1; }
    sudo="sudo"
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

go_toolchain=go1.26.8
go_minimum_minor=26  # Go 1.26: what the etcd modules' go.mod files require
go_backports_package=golang-1.23-go

# Whether the first go on PATH is Go 1.<go_minimum_minor> or newer.
go_new_enough() {
  command -v go >/dev/null 2>&1 || return 1
  local version minor
  version=$(go env GOVERSION 2>/dev/null) || return 1
  version=${version#go}
  [ "${version%%.*}" = 1 ] || return 1
  minor=${version#1.}
  minor=${minor%%.*}
  minor=${minor%%[!0-9]*}
  [ -n "$minor" ] && [ "$minor" -ge "$go_minimum_minor" ]
}

# Puts a new enough Go first on PATH (exported, with GOTOOLCHAIN when the
# toolchain comes from the module proxy), installing it if need be.
ensure_go() {
  go_new_enough && return 0
  if [ -x /usr/local/go/bin/go ]; then
    export PATH="/usr/local/go/bin:$PATH"
    go_new_enough && return 0
  fi
  local backports=/usr/lib/go-1.23/bin
  if [ ! -x "$backports/go" ]; then
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d; then
      echo "deb http://deb.debian.org/debian bookworm-backports main" |
        $sudo tee /etc/apt/sources.list.d/bookworm-backports.list >/dev/null
    fi
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$go_backports_package"
  fi
  export PATH="$backports:$PATH" GOTOOLCHAIN="$go_toolchain"
  go_new_enough || { echo "could not get Go $go_toolchain through $backports/go" >&2; return 1; }
}
