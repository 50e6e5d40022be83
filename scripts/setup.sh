#!/usr/bin/env bash
# Installs what Akd's demo and tests need on a fresh Debian machine that has the .NET SDK:
# Elixir and Erlang (Debian's packages), rebar3 (Erlang dependencies of Mix projects), git (source listing and git sources), systemd-analyze (unit checks),
# chromium and chromium-driver (the dashboard's browser tests drive them with Selenium),
# PostgreSQL's server binaries (the store tests start a throwaway cluster of their own with initdb + pg_ctl; none is used as a service),
# and what installers/build-packages.sh and its tests use: clang and zlib1g-dev (NativeAOT), dpkg-dev (dpkg-shlibdeps), lintian.
set -euo pipefail

missing=()
command -v mix >/dev/null 2>&1 || missing+=(elixir)
[ -d /usr/lib/erlang/usr/include ] || missing+=(erlang-dev)
command -v rebar3 >/dev/null 2>&1 || missing+=(rebar3)
command -v git >/dev/null 2>&1 || missing+=(git)
command -v systemd-analyze >/dev/null 2>&1 || missing+=(systemd)
command -v curl >/dev/null 2>&1 || missing+=(curl)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
command -v clang >/dev/null 2>&1 || missing+=(clang)
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev)
command -v dpkg-shlibdeps >/dev/null 2>&1 || missing+=(dpkg-dev)
command -v lintian >/dev/null 2>&1 || missing+=(lintian)

if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

command -v dotnet >/dev/null 2>&1 || { echo "the .NET 10 SDK is required (dotnet not found)" >&2; exit 1; }
echo "toolchain: $(dotnet --version) / $(elixir --version 2>/dev/null | tail -n 1)"
