# Sourced by tests/run.sh and examples/demo.sh: installs the Debian 12
# packages the project needs, only those missing (idempotent; root or sudo).
#
# Build: meson ninja-build g++ pkg-config, and the libraries libasio-dev,
# node-llhttp (llhttp's C sources), libnanopb-dev + nanopb (runtime and
# generator), doctest-dev, libssl-dev. Tests beyond the build: golang-go,
# golang-etcd-server-dev (etcd 3.4.23's Go sources), etcd-server, etcd-client
# (interop), openssl (the command line tool: certificates of the interop TLS
# scenarios), clang and libclang-rt-14-dev (the fuzzers' brief CI run).

build_packages="meson ninja-build g++ pkg-config libasio-dev node-llhttp libnanopb-dev nanopb doctest-dev libssl-dev"
test_packages="golang-go golang-etcd-server-dev etcd-server etcd-client openssl clang libclang-rt-14-dev"

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
