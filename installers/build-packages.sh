#!/usr/bin/env bash
# Builds the Debian packages of Akd from this checkout with dpkg-deb:
#
#   akd-agent_VERSION_ARCH.deb        the agent, NativeAOT (no .NET runtime on the server)
#   akd-coordinator_VERSION_ARCH.deb  the coordinator, self-contained single file (see installers/README.md)
#   akdctl_VERSION_ARCH.deb           the CLI, NativeAOT
#
# and runs lintian on each (it fails on any lintian error). Installs what it needs when it runs as
# root and something is missing (clang, zlib1g-dev, lintian; Debian packages only).
#
#   installers/build-packages.sh                          # into artifacts/packages
#   installers/build-packages.sh --output /tmp/debs --revision 2
#   installers/build-packages.sh --publish-dir /tmp/pub --no-publish --revision 3   # repack only

set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: build-packages.sh [--output DIR] [--version VERSION] [--revision N]
                         [--publish-dir DIR] [--no-publish] [--no-lintian]
                         [--compression xz|gzip]

  --output DIR       where the .deb files go (default: artifacts/packages in the checkout)
  --version VERSION  upstream version (default: <Version> of Directory.Build.props)
  --revision N       Debian revision (default: 1); the package version is VERSION-N
  --publish-dir DIR  where the programs are published before packing (default: a
                     temporary directory, removed at the end)
  --no-publish       pack what --publish-dir already holds (a rebuilt package of
                     the same programs, e.g. with a new --revision)
  --no-lintian       do not run lintian
  --compression C    of the packages' contents: xz (default, smallest) or gzip
                     (several times faster to build; the installer tests use it)
  -h, --help         show this help
USAGE
}

die() {
  printf 'build-packages.sh: %s\n' "$1" >&2
  exit 1
}

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/.." && pwd)"
output="$repo_root/artifacts/packages"
upstream=""
revision="1"
publish_dir=""
publish="true"
run_lintian="true"
compression="xz"
maintainer="${AKD_MAINTAINER:-Akd maintainers <akd@example.org>}"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --output) [[ $# -ge 2 ]] || die "--output needs a directory"; output="$2"; shift ;;
    --version) [[ $# -ge 2 ]] || die "--version needs a value"; upstream="$2"; shift ;;
    --revision) [[ $# -ge 2 ]] || die "--revision needs a value"; revision="$2"; shift ;;
    --publish-dir) [[ $# -ge 2 ]] || die "--publish-dir needs a directory"; publish_dir="$2"; shift ;;
    --no-publish) publish="false" ;;
    --no-lintian) run_lintian="false" ;;
    --compression) [[ $# -ge 2 && "$2" =~ ^(xz|gzip)$ ]] || die "--compression takes xz or gzip"; compression="$2"; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done

[[ -f "$repo_root/Akd.sln" ]] || die "run from an Akd checkout (no Akd.sln in $repo_root)"
if [[ -z "$upstream" ]]; then
  upstream="$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' "$repo_root/Directory.Build.props" | head -n 1)"
fi
[[ "$upstream" =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || die "not a Debian upstream version: '$upstream'"
[[ "$revision" =~ ^[0-9A-Za-z.+~]+$ ]] || die "not a Debian revision: '$revision'"
[[ "$publish" == "true" || -n "$publish_dir" ]] || die "--no-publish needs the --publish-dir of an earlier run"
version="$upstream-$revision"

case "$(uname -m)" in
  x86_64) rid="linux-x64" arch="amd64" ;;
  aarch64 | arm64) rid="linux-arm64" arch="arm64" ;;
  *) die "no .NET runtime identifier known for $(uname -m)" ;;
esac

# Debian packages this script needs, installed when missing (as root) or named (otherwise).
missing=()
command -v dpkg-deb >/dev/null 2>&1 || missing+=(dpkg)
command -v dpkg-shlibdeps >/dev/null 2>&1 || missing+=(dpkg-dev)
if [[ "$publish" == "true" ]]; then
  command -v clang >/dev/null 2>&1 || missing+=(clang)
  [[ -e /usr/include/zlib.h ]] || missing+=(zlib1g-dev)
fi
[[ "$run_lintian" == "false" ]] || command -v lintian >/dev/null 2>&1 || missing+=(lintian)
if [[ ${#missing[@]} -gt 0 ]]; then
  [[ "$(id -u)" -eq 0 ]] || die "missing: ${missing[*]} (apt-get install ${missing[*]}, or run as root)"
  printf '==> installing %s\n' "${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

work="$(mktemp -d -t akd-packages.XXXXXX)"
trap 'rm -rf -- "$work"' EXIT
if [[ -z "$publish_dir" ]]; then
  publish_dir="$work/publish"
fi
mkdir -p -- "$publish_dir" "$output"
publish_dir="$(cd "$publish_dir" && pwd)"
output="$(cd "$output" && pwd)"

# NativeAOT only here, on publish: the solution's normal build stays a plain (fast) IL build.
publish_program() {
  local project="$1" into="$2"
  shift 2
  printf '==> publishing %s\n' "$project"
  rm -rf -- "${publish_dir:?}/$into"
  dotnet publish "$repo_root/$project" --configuration Release --runtime "$rid" \
    -p:Version="$upstream" "$@" --output "$publish_dir/$into" --nologo -v quiet
}

if [[ "$publish" == "true" ]]; then
  publish_program src/Akd.Agent/Akd.Agent.csproj agent -p:PublishAot=true
  publish_program src/Akd.Cli/Akd.Cli.csproj cli -p:PublishAot=true
  # Not NativeAOT: see "The coordinator is not NativeAOT" in installers/README.md.
  publish_program src/Akd.Coordinator/Akd.Coordinator.csproj coordinator --self-contained true \
    -p:PublishSingleFile=true -p:IncludeNativeLibrariesForSelfExtract=false -p:DebugType=none
fi
[[ -x "$publish_dir/agent/akd-agent" ]] || die "no published agent in $publish_dir/agent"
[[ -x "$publish_dir/cli/akdctl" ]] || die "no published akdctl in $publish_dir/cli"
[[ -x "$publish_dir/coordinator/akd-coordinator" ]] || die "no published coordinator in $publish_dir/coordinator"

# shlib_depends FILE...: the Depends of the given ELF files, computed by dpkg-shlibdeps.
shlib_depends() {
  local probe="$work/shlibdeps"
  rm -rf -- "$probe"
  mkdir -p -- "$probe/debian"
  printf 'Source: akd\n\nPackage: akd\nArchitecture: any\n' >"$probe/debian/control"
  (cd "$probe" && dpkg-shlibdeps -O -xakd "$@" 2>/dev/null) | sed -n 's/^shlibs:Depends=//p'
}

# passwd: useradd (init-system-helpers, for deb-systemd-invoke, is essential).
# OpenSSL is opened with dlopen() by .NET's TLS, so dpkg-shlibdeps cannot see it: bookworm names
# the library libssl3, trixie libssl3t64.
openssl_depends="libssl3 | libssl3t64"

# stage PACKAGE: a fresh package tree, with the documentation every package carries.
stage() {
  local package="$1"
  local root="$work/$package"
  rm -rf -- "$root"
  install -d -m 0755 -- "$root/DEBIAN" "$root/usr/share/doc/$package"
  sed "s/@PACKAGE@/$package/g" -- "$script_dir/debian/copyright" >"$root/usr/share/doc/$package/copyright"
  chmod 0644 -- "$root/usr/share/doc/$package/copyright"
  {
    printf '%s (%s) unstable; urgency=medium\n\n' "$package" "$version"
    printf '  * Akd %s, built from %s.\n\n' "$upstream" "$(git -C "$repo_root" rev-parse --short HEAD 2>/dev/null || echo 'a checkout')"
    printf ' -- %s  %s\n' "$maintainer" "$(date -R -d "@${SOURCE_DATE_EPOCH:-$(git -C "$repo_root" log -1 --format=%ct 2>/dev/null || date +%s)}")"
  } | gzip -9n >"$root/usr/share/doc/$package/changelog.Debian.gz"
  chmod 0644 -- "$root/usr/share/doc/$package/changelog.Debian.gz"
  # Each override says why, in the file and in installers/README.md.
  if [[ -f "$script_dir/debian/$package.lintian-overrides" ]]; then
    install -D -m 0644 -- "$script_dir/debian/$package.lintian-overrides" "$root/usr/share/lintian/overrides/$package"
  fi
  echo "$root"
}

# manual PACKAGE PAGE: installs debian/PAGE (e.g. akd-agent.8) compressed into its section.
manual() {
  local section="${2##*.}"
  install -d -m 0755 -- "$work/$1/usr/share/man/man$section"
  gzip -9n <"$script_dir/debian/$2" >"$work/$1/usr/share/man/man$section/$2.gz"
  chmod 0644 -- "$work/$1/usr/share/man/man$section/$2.gz"
}

# control PACKAGE DEPENDS SUMMARY DESCRIPTION [EXTRA...]: writes DEBIAN/control.
control() {
  local root="$work/$1"
  local size
  size="$(du -sk --exclude=DEBIAN -- "$root" | cut -f1)"
  {
    printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: %s\n' "$1" "$version" "$arch" "$maintainer"
    printf 'Installed-Size: %s\nDepends: %s\nSection: admin\nPriority: optional\n' "$size" "$2"
    local extra
    for extra in "${@:5}"; do
      printf '%s\n' "$extra"
    done
    printf 'Description: %s\n' "$3"
    printf '%s\n' "$4" | fold -s -w 78 | sed 's/ *$//; s/^/ /'
  } >"$root/DEBIAN/control"
}

# scripts PACKAGE: the maintainer scripts from installers/debian/PACKAGE.*.
scripts() {
  local script
  for script in postinst prerm postrm; do
    if [[ -f "$script_dir/debian/$1.$script" ]]; then
      install -m 0755 -- "$script_dir/debian/$1.$script" "$work/$1/DEBIAN/$script"
    fi
  done
}

build() {
  local package="$1"
  local deb="$output/${package}_${version}_${arch}.deb"
  dpkg-deb --root-owner-group -Z"$compression" --build "$work/$package" "$deb" >/dev/null
  printf '==> built %s\n' "$deb"
  if [[ "$run_lintian" == "true" ]]; then
    # Errors fail the build; warnings and notes are printed (installers/README.md, "lintian").
    lintian --fail-on error "$deb"
  fi
}

# akd-agent
root="$(stage akd-agent)"
install -D -m 0755 -- "$publish_dir/agent/akd-agent" "$root/usr/bin/akd-agent"
install -D -m 0644 -- "$script_dir/systemd/akd-agent.service" "$root/lib/systemd/system/akd-agent.service"
# The root helper that makes missing app users for the agent (it runs as akd, and useradd needs root).
install -D -m 0644 -- "$script_dir/systemd/akd-app-user.socket" "$root/lib/systemd/system/akd-app-user.socket"
install -D -m 0644 -- "$script_dir/systemd/akd-app-user@.service" "$root/lib/systemd/system/akd-app-user@.service"
install -D -m 0644 -- "$script_dir/agent.example.json" "$root/usr/share/akd-agent/agent.example.json"
manual akd-agent akd-agent.8
scripts akd-agent
control akd-agent "$(shlib_depends "$root/usr/bin/akd-agent"), $openssl_depends, passwd" \
  "Akd agent: builds and runs Elixir releases for an Akd coordinator" \
  "The agent dials out to an Akd coordinator over TLS, builds Mix projects and runs Elixir releases on this host as the coordinator's deployments ask, with zero-downtime switches and rollbacks. It is a single native program with no runtime to install. Build hosts need Elixir and Erlang; hosts that only run releases with ERTS included need neither." \
  "Suggests: elixir, erlang-dev, git"
build akd-agent

# akd-coordinator
root="$(stage akd-coordinator)"
install -d -m 0755 -- "$root/usr/lib/akd-coordinator" "$root/usr/bin"
cp -- "$publish_dir/coordinator/"* "$root/usr/lib/akd-coordinator/"
chmod 0644 -- "$root/usr/lib/akd-coordinator/"*
# NuGet's native libraries keep their symbols. Not the program: a single-file bundle is an ELF host
# with the application appended, which strip would cut off.
for library in "$root/usr/lib/akd-coordinator/"*.so; do
  strip --strip-unneeded --remove-section=.comment --remove-section=.note -- "$library"
done
chmod 0755 -- "$root/usr/lib/akd-coordinator/akd-coordinator"
ln -s ../lib/akd-coordinator/akd-coordinator "$root/usr/bin/akd-coordinator"
install -D -m 0644 -- "$script_dir/systemd/akd-coordinator.service" "$root/lib/systemd/system/akd-coordinator.service"
install -D -m 0644 -- "$script_dir/coordinator.example.env" "$root/usr/share/akd-coordinator/coordinator.example.env"
manual akd-coordinator akd-coordinator.8
scripts akd-coordinator
control akd-coordinator "$(shlib_depends "$root/usr/lib/akd-coordinator/"*), $openssl_depends, passwd" \
  "Akd coordinator: the gRPC service that runs Akd deployments" \
  "The coordinator keeps the fleet's agents, deployments and artifacts (SQLite), plans each deployment and drives the agents through it; akdctl and the agents talk to it over gRPC with TLS. It carries its own runtime: there is nothing else to install."
build akd-coordinator

# akdctl
root="$(stage akdctl)"
install -D -m 0755 -- "$publish_dir/cli/akdctl" "$root/usr/bin/akdctl"
manual akdctl akdctl.1
control akdctl "$(shlib_depends "$root/usr/bin/akdctl"), $openssl_depends" \
  "Akd command line: deploy Elixir applications with Akd" \
  "akdctl talks to an Akd coordinator: deploy, roll back, stop and inspect apps, manage agents, join tokens and API tokens. It is a single native program with no runtime to install. Local builds (build.on: local) need Elixir and Erlang." \
  "Suggests: elixir, erlang-dev"
build akdctl

printf '\nPackages (%s) in %s\n' "$version" "$output"
