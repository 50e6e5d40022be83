#!/usr/bin/env bash
# Installs Akd on this server: publishes the .NET projects from this checkout,
# links the programs into /usr/local/bin, creates the akd system user and
# installs the systemd units. Run as root from a checkout of the repository.
#
#   sudo installers/install.sh                 # everything
#   sudo installers/install.sh --agent --coordinator https://coord:7400 --join TOKEN   # a build or web server
#   sudo installers/install.sh --coordinator --cli --prefix /opt/akd
#   sudo installers/install.sh --agent --from /tmp/pub --root /srv/image   # into an image, programs published earlier
#
# Re-running it upgrades in place; running services are restarted.

set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: install.sh [--agent] [--coordinator [URL]] [--cli] [--join TOKEN | --join-file FILE] [--name NAME]
                  [--prefix DIR] [--self-contained] [--native] [--from DIR]
                  [--root DIR] [--enable]

  --agent           install akd-agent and its systemd unit
  --coordinator     install akd-coordinator and its systemd unit; followed by
                    an https:// URL it is instead the coordinator the agent
                    dials (with --agent)
  --join TOKEN      the agent enrolls with this join token on its first start
                    (akdctl agents join-token prints one); kept in
                    /etc/akd/agent.env, readable by root and the akd group
  --join-file FILE  the same, read from FILE's first line ("-": standard input),
                    so the token is not on this script's command line, where
                    any user of the server can read it (ps, /proc)
  --name NAME       the agent's name (default: this host's name)
  --cli             install akdctl
                    (with none of the three, all are installed)
  --prefix DIR      where the published programs go (default: /opt/akd)
  --self-contained  bundle the .NET runtime (otherwise the server needs the
                    ASP.NET Core 10 runtime installed)
  --native          publish the agent with NativeAOT: one native program that
                    needs no .NET runtime, idles in about 30 MB instead of 75
                    and connects sooner (needs clang or gcc, and
                    zlib1g-dev, on the machine that runs this script)
  --from DIR        install programs published earlier instead of publishing
                    (DIR/agent, DIR/coordinator, DIR/cli, as build-packages.sh
                    --publish-dir leaves them): no .NET SDK needed here
  --root DIR        install into another root (an image being built, a
                    chroot): files, the akd user and ownership are that
                    root's; this host's systemd is not touched
  --enable          enable the installed units (and start them where
                    systemd runs); with --root: systemctl --root DIR enable
  -h, --help        show this help
USAGE
}

die() {
  printf 'install.sh: %s\n' "$1" >&2
  exit 1
}

prefix="/opt/akd"
bin_dir="/usr/local/bin"
unit_dir="/etc/systemd/system"
config_dir="/etc/akd"
service_user="akd"
self_contained="false"
native_agent="false"
want_agent="false"
want_coordinator="false"
want_cli="false"
coordinator_url=""
join_token=""
agent_name=""
from_dir=""
root=""
enable="false"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --agent) want_agent="true" ;;
    --coordinator)
      if [[ $# -ge 2 && "$2" == http*://* ]]; then
        coordinator_url="$2"
        shift
      else
        want_coordinator="true"
      fi
      ;;
    --coordinator=*) coordinator_url="${1#--coordinator=}" ;;
    --join)
      [[ $# -ge 2 && -n "$2" ]] || die "--join needs a token"
      join_token="$2"
      shift
      ;;
    --join-file)
      [[ $# -ge 2 && -n "$2" ]] || die "--join-file needs a file (or - for standard input)"
      if [[ "$2" == "-" ]]; then
        IFS= read -r join_token || [[ -n "$join_token" ]] || die "--join-file -: nothing on standard input"
      else
        [[ -f "$2" && -r "$2" ]] || die "--join-file: $2 is not a readable file"
        IFS= read -r join_token <"$2" || [[ -n "$join_token" ]] || die "--join-file: $2 is empty"
      fi
      join_token="${join_token%$'\r'}"
      shift
      ;;
    --name)
      [[ $# -ge 2 && -n "$2" ]] || die "--name needs a value"
      agent_name="$2"
      shift
      ;;
    --cli) want_cli="true" ;;
    --prefix)
      [[ $# -ge 2 && -n "$2" ]] || die "--prefix needs a directory"
      prefix="$2"
      shift
      ;;
    --prefix=*) prefix="${1#--prefix=}" ;;
    --from)
      [[ $# -ge 2 && -n "$2" ]] || die "--from needs a directory"
      from_dir="$2"
      shift
      ;;
    --root)
      [[ $# -ge 2 && -n "$2" ]] || die "--root needs a directory"
      root="$2"
      shift
      ;;
    --enable) enable="true" ;;
    --self-contained) self_contained="true" ;;
    --native) native_agent="true" ;;
    -h | --help)
      usage
      exit 0
      ;;
    *)
      usage >&2
      die "unknown option: $1"
      ;;
  esac
  shift
done

if [[ "$want_agent" == "false" && "$want_coordinator" == "false" && "$want_cli" == "false" ]]; then
  want_agent="true"
  want_coordinator="true"
  want_cli="true"
fi

[[ "$prefix" == /* ]] || die "--prefix must be an absolute path, got: $prefix"
[[ -z "$coordinator_url" || "$coordinator_url" == https://* ]] ||
  die "--coordinator $coordinator_url: agents dial the coordinator over https:// only"
url_pattern='^https://[][A-Za-z0-9.:,/_-]+$'
[[ -z "$coordinator_url" || "$coordinator_url" =~ $url_pattern ]] ||
  die "--coordinator $coordinator_url: not a URL this installer writes into agent.json"
[[ -z "$join_token" || "$join_token" =~ ^akdj1\.[A-Za-z0-9._-]+$ ]] || die "--join: not a join token (akdctl agents join-token prints one)"
[[ -z "$agent_name" || "$agent_name" =~ ^[A-Za-z0-9._-]+$ ]] || die "--name $agent_name: letters, digits, '.', '_' and '-' only"
[[ -z "$root" || "$root" == /* ]] || die "--root must be an absolute path, got: $root"
[[ -z "$root" || -f "$root/etc/passwd" ]] || die "--root $root: no etc/passwd there (the akd user is made in that root's user database)"
root="${root%/}"
[[ -z "$from_dir" || -d "$from_dir" ]] || die "--from $from_dir: no such directory"
[[ "$(id -u)" -eq 0 ]] || die "run as root (sudo installers/install.sh ...)"
[[ -n "$from_dir" ]] || command -v dotnet >/dev/null 2>&1 || die "dotnet SDK 10 not found; install it first (or --from programs published elsewhere)"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/.." && pwd)"
[[ -n "$from_dir" || -f "$repo_root/Akd.sln" ]] || die "run from an Akd checkout (no Akd.sln in $repo_root)"

runtime_identifier() {
  case "$(uname -m)" in
    x86_64) echo "linux-x64" ;;
    aarch64 | arm64) echo "linux-arm64" ;;
    *) die "no .NET runtime identifier known for $(uname -m)" ;;
  esac
}

runtime_args=()
if [[ "$self_contained" == "true" ]]; then
  runtime_args=(--self-contained true --runtime "$(runtime_identifier)")
else
  runtime_args=(--self-contained false)
fi

# NativeAOT links with the platform's C toolchain: check before anything is touched.
agent_args=("${runtime_args[@]}")
if [[ "$native_agent" == "true" && "$want_agent" == "true" && -z "$from_dir" ]]; then
  command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 ||
    die "--native needs a C toolchain to link the agent: apt-get install clang zlib1g-dev"
  [[ -e /usr/include/zlib.h ]] || die "--native needs zlib's headers to link the agent: apt-get install zlib1g-dev"
  agent_args=(--runtime "$(runtime_identifier)" -p:PublishAot=true)
fi

# Publishes (or copies from --from DIR/NAME) into a fresh directory next to the live one and swaps
# them, so a running service never sees a half-copied program. Files go under --root; the link
# names the program where it is on the installed system.
publish() {
  local project="$1" name="$2" program="$3"
  shift 3
  local args=("$@")
  local target="$root$prefix/$name"
  local staging="$target.new"
  local previous="$target.old"

  rm -rf -- "$staging" "$previous"
  mkdir -p -- "$root$prefix"
  if [[ -n "$from_dir" ]]; then
    printf '==> installing %s into %s\n' "$from_dir/$name" "$target"
    [[ -x "$from_dir/$name/$program" ]] || die "--from: no $from_dir/$name/$program"
    cp -a -- "$from_dir/$name" "$staging"
  else
    printf '==> publishing %s into %s\n' "$project" "$target"
    dotnet publish "$repo_root/$project" \
      --configuration Release \
      "${args[@]}" \
      --output "$staging" \
      --nologo
  fi
  [[ -x "$staging/$program" ]] || die "publish produced no $staging/$program"

  if [[ -e "$target" ]]; then
    mv -- "$target" "$previous"
  fi
  mv -- "$staging" "$target"
  rm -rf -- "$previous"

  mkdir -p -- "$root$bin_dir"
  ln -sfn -- "$prefix/$name/$program" "$root$bin_dir/$program"
  printf '    linked %s -> %s\n' "$root$bin_dir/$program" "$prefix/$name/$program"
}

# With --root, the root's own database answers (getent would answer for this host), as the packages' scripts do.
has_entry() {
  if [[ -n "$root" ]]; then
    grep -q "^$service_user:" -- "$root/etc/$1"
  else
    getent "$1" "$service_user" >/dev/null 2>&1
  fi
}

# The service group's number: with --root this host may not know the name.
service_gid() {
  if [[ -n "$root" ]]; then
    awk -F: -v name="$service_user" '$1 == name { print $3 }' "$root/etc/group"
  else
    getent group "$service_user" | cut -d: -f3
  fi
}

ensure_user() {
  if has_entry passwd; then
    return
  fi
  local group_args=(--user-group) prefix_args=()
  if has_entry group; then
    group_args=(--gid "$service_user")
  fi
  [[ -z "$root" ]] || prefix_args=(--prefix "$root")
  printf '==> creating system user %s\n' "$service_user"
  useradd --system "${prefix_args[@]}" "${group_args[@]}" \
    --home /var/lib/akd --no-create-home \
    --shell /usr/sbin/nologin \
    --comment "Akd deployer" \
    "$service_user"
}

# Config may hold secrets: readable by the service group, writable by root only.
ensure_config_dir() {
  install -d -m 0750 -o 0 -g "$(service_gid)" -- "$root$config_dir"
}

# The units are the ones the .deb packages ship, which run /usr/bin/PROGRAM; this installer links
# its programs into $bin_dir instead (/usr/bin belongs to dpkg), so only ExecStart='s path differs.
# A second argument names the program when it is not the unit's own (akd-app-user@.service runs akd-agent);
# a unit that runs nothing (a .socket) is copied as it is.
install_unit() {
  local unit="$1" program="${2:-${1%.service}}" dir="$root$unit_dir"
  printf '==> installing %s\n' "$dir/$unit"
  mkdir -p -- "$dir"
  sed "s#^ExecStart=/usr/bin/$program #ExecStart=$bin_dir/$program #" -- "$script_dir/systemd/$unit" >"$dir/$unit.new"
  if [[ "$unit" != *.socket ]]; then
    grep -q "^ExecStart=$bin_dir/$program " -- "$dir/$unit.new" || die "$unit: no ExecStart=/usr/bin/$program to point at $bin_dir"
  fi
  chmod 0644 -- "$dir/$unit.new"
  chown 0:0 -- "$dir/$unit.new"
  mv -- "$dir/$unit.new" "$dir/$unit"
}

# Restarts only a service that is already running (an upgrade). The agent's
# KillMode=process keeps the apps it runs alive across this restart.
restart_if_running() {
  local unit="$1"
  # A listening socket stays as it is: each connection starts its service afresh.
  [[ "$unit" == *.service ]] || return 0
  if systemctl is-active --quiet -- "$unit"; then
    printf '==> restarting %s\n' "$unit"
    systemctl try-restart -- "$unit"
  fi
}

units=()

if [[ "$want_coordinator" == "true" || "$want_agent" == "true" ]]; then
  ensure_user
  ensure_config_dir
fi

if [[ "$want_coordinator" == "true" ]]; then
  publish "src/Akd.Coordinator/Akd.Coordinator.csproj" "coordinator" "akd-coordinator" "${runtime_args[@]}"
  install_unit "akd-coordinator.service"
  units+=("akd-coordinator.service")
fi

if [[ "$want_agent" == "true" ]]; then
  publish "src/Akd.Agent/Akd.Agent.csproj" "agent" "akd-agent" "${agent_args[@]}"
  install_unit "akd-agent.service"
  # The root helper that makes missing app users: the agent runs as akd, and useradd needs root.
  install_unit "akd-app-user.socket"
  install_unit "akd-app-user@.service" "akd-agent"
  units+=("akd-agent.service" "akd-app-user.socket")
  config="$root$config_dir"
  if [[ ! -e "$config/agent.json" && -n "$coordinator_url" ]]; then
    install -m 0640 -o 0 -g "$(service_gid)" /dev/null "$config/agent.json"
    printf '{\n  "Agent": {\n    "Coordinator": "%s",\n    "Name": "%s",\n    "DataDir": "/var/lib/akd-agent"\n  }\n}\n' \
      "$coordinator_url" "${agent_name:-$(hostname)}" >"$config/agent.json"
    printf '    wrote %s\n' "$config/agent.json"
  elif [[ ! -e "$config/agent.json" ]]; then
    install -m 0640 -o 0 -g "$(service_gid)" -- \
      "$script_dir/agent.example.json" "$config/agent.json"
    printf '    wrote %s from agent.example.json: edit it before starting\n' "$config/agent.json"
  fi
  if [[ -n "$join_token" ]]; then
    # Not a command-line flag of the service: arguments are visible to every user of the machine.
    install -m 0640 -o 0 -g "$(service_gid)" /dev/null "$config/agent.env"
    printf 'AKD_JOIN_TOKEN=%s\n' "$join_token" >"$config/agent.env"
    printf '    wrote the join token to %s (used once, on the first start)\n' "$config/agent.env"
  fi
fi

if [[ "$want_cli" == "true" ]]; then
  publish "src/Akd.Cli/Akd.Cli.csproj" "cli" "akdctl" "${runtime_args[@]}"
fi

if [[ ${#units[@]} -gt 0 && -n "$root" ]]; then
  # Another root: its systemd (if it ever boots) reads the units then; this host's is none of its business.
  if [[ "$enable" == "true" ]]; then
    systemctl --root="$root" enable -- "${units[@]}"
    printf '\nInstalled into %s; enabled there: %s\n' "$root" "${units[*]}"
  else
    printf '\nInstalled into %s. Next, on the booted system: systemctl enable --now %s\n' "$root" "${units[*]}"
  fi
elif [[ ${#units[@]} -gt 0 && ! -d /run/systemd/system ]]; then
  # An image build or a container: the units are in place for when systemd runs.
  if [[ "$enable" == "true" ]]; then
    systemctl enable -- "${units[@]}"
    printf '\nsystemd is not running here: units installed and enabled, nothing started.\n'
  else
    printf '\nsystemd is not running here: units installed, nothing reloaded or restarted.\n'
    printf 'Next, on the booted system: systemctl enable --now %s\n' "${units[*]}"
  fi
elif [[ ${#units[@]} -gt 0 ]]; then
  systemctl daemon-reload
  for unit in "${units[@]}"; do
    restart_if_running "$unit"
  done
  if [[ "$enable" == "true" ]]; then
    systemctl enable --now -- "${units[@]}"
  else
    printf '\nNext: systemctl enable --now %s\n' "${units[*]}"
  fi
fi
