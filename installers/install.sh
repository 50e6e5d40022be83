#!/usr/bin/env bash
# Installs Akd on this server: publishes the .NET projects from this checkout,
# links the programs into /usr/local/bin, creates the akd system user and
# installs the systemd units. Run as root from a checkout of the repository.
#
#   sudo installers/install.sh                 # everything
#   sudo installers/install.sh --agent --coordinator https://coord:7400 --join TOKEN   # a build or web server
#   sudo installers/install.sh --coordinator --cli --prefix /opt/akd
#
# Re-running it upgrades in place; running services are restarted.

set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: install.sh [--agent] [--coordinator [URL]] [--cli] [--join TOKEN] [--name NAME]
                  [--prefix DIR] [--self-contained] [--native]

  --agent           install akd-agent and its systemd unit
  --coordinator     install akd-coordinator and its systemd unit; followed by
                    an https:// URL it is instead the coordinator the agent
                    dials (with --agent)
  --join TOKEN      the agent enrolls with this join token on its first start
                    (akdctl agents join-token prints one); kept in
                    /etc/akd/agent.env, readable by root and the akd group
  --name NAME       the agent's name (default: this host's name)
  --cli             install akdctl
                    (with none of the three, all are installed)
  --prefix DIR      where the published programs go (default: /opt/akd)
  --self-contained  bundle the .NET runtime (otherwise the server needs the
                    ASP.NET Core 10 runtime installed)
  --native          publish the agent with NativeAOT: one native program that
                    needs no .NET runtime, idles in about 24 MB instead of 60
                    and connects in about 0.1 s (needs clang or gcc, and
                    zlib1g-dev, on the machine that runs this script)
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
[[ -z "$join_token" || "$join_token" == akdj1.* ]] || die "--join: not a join token (akdctl agents join-token prints one)"
[[ "$(id -u)" -eq 0 ]] || die "run as root (sudo installers/install.sh ...)"
command -v dotnet >/dev/null 2>&1 || die "dotnet SDK 10 not found; install it first"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/.." && pwd)"
[[ -f "$repo_root/Akd.sln" ]] || die "run from an Akd checkout (no Akd.sln in $repo_root)"

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
if [[ "$native_agent" == "true" && "$want_agent" == "true" ]]; then
  command -v clang >/dev/null 2>&1 || command -v gcc >/dev/null 2>&1 ||
    die "--native needs a C toolchain to link the agent: apt-get install clang zlib1g-dev"
  [[ -e /usr/include/zlib.h ]] || die "--native needs zlib's headers to link the agent: apt-get install zlib1g-dev"
  agent_args=(--runtime "$(runtime_identifier)" -p:PublishAot=true)
fi

# Publishes into a fresh directory next to the live one and swaps them, so a
# running service never sees a half-copied program.
publish() {
  local project="$1" name="$2" program="$3"
  shift 3
  local args=("$@")
  local target="$prefix/$name"
  local staging="$target.new"
  local previous="$target.old"

  printf '==> publishing %s into %s\n' "$project" "$target"
  rm -rf -- "$staging" "$previous"
  mkdir -p -- "$prefix"
  dotnet publish "$repo_root/$project" \
    --configuration Release \
    "${args[@]}" \
    --output "$staging" \
    --nologo
  [[ -x "$staging/$program" ]] || die "publish produced no $staging/$program"

  if [[ -e "$target" ]]; then
    mv -- "$target" "$previous"
  fi
  mv -- "$staging" "$target"
  rm -rf -- "$previous"

  ln -sfn -- "$target/$program" "$bin_dir/$program"
  printf '    linked %s -> %s\n' "$bin_dir/$program" "$target/$program"
}

ensure_user() {
  if id -u "$service_user" >/dev/null 2>&1; then
    return
  fi
  local group_args=(--user-group)
  if getent group "$service_user" >/dev/null 2>&1; then
    group_args=(--gid "$service_user")
  fi
  printf '==> creating system user %s\n' "$service_user"
  useradd --system "${group_args[@]}" \
    --home /var/lib/akd --no-create-home \
    --shell /usr/sbin/nologin \
    --comment "Akd deployer" \
    "$service_user"
}

# Config may hold secrets: readable by the service group, writable by root only.
ensure_config_dir() {
  install -d -m 0750 -o root -g "$service_user" -- "$config_dir"
}

# The units are the ones the .deb packages ship, which run /usr/bin/PROGRAM; this installer links
# its programs into $bin_dir instead (/usr/bin belongs to dpkg), so only ExecStart='s path differs.
install_unit() {
  local unit="$1" program="${1%.service}"
  printf '==> installing %s\n' "$unit_dir/$unit"
  sed "s#^ExecStart=/usr/bin/$program #ExecStart=$bin_dir/$program #" -- "$script_dir/systemd/$unit" >"$unit_dir/$unit.new"
  grep -q "^ExecStart=$bin_dir/$program " -- "$unit_dir/$unit.new" || die "$unit: no ExecStart=/usr/bin/$program to point at $bin_dir"
  chmod 0644 -- "$unit_dir/$unit.new"
  chown root:root -- "$unit_dir/$unit.new"
  mv -- "$unit_dir/$unit.new" "$unit_dir/$unit"
}

# Restarts only a service that is already running (an upgrade). The agent's
# KillMode=process keeps the apps it runs alive across this restart.
restart_if_running() {
  local unit="$1"
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
  units+=("akd-agent.service")
  if [[ ! -e "$config_dir/agent.json" && -n "$coordinator_url" ]]; then
    umask 027
    printf '{\n  "Agent": {\n    "Coordinator": "%s",\n    "Name": "%s",\n    "DataDir": "/var/lib/akd-agent"\n  }\n}\n' \
      "$coordinator_url" "${agent_name:-$(hostname)}" >"$config_dir/agent.json"
    chown root:"$service_user" -- "$config_dir/agent.json"
    printf '    wrote %s\n' "$config_dir/agent.json"
  elif [[ ! -e "$config_dir/agent.json" ]]; then
    install -m 0640 -o root -g "$service_user" -- \
      "$script_dir/agent.example.json" "$config_dir/agent.json"
    printf '    wrote %s from agent.example.json: edit it before starting\n' "$config_dir/agent.json"
  fi
  if [[ -n "$join_token" ]]; then
    # Not a command-line flag of the service: arguments are visible to every user of the machine.
    install -m 0640 -o root -g "$service_user" /dev/null "$config_dir/agent.env"
    printf 'AKD_JOIN_TOKEN=%s\n' "$join_token" >"$config_dir/agent.env"
    printf '    wrote the join token to %s (used once, on the first start)\n' "$config_dir/agent.env"
  fi
fi

if [[ "$want_cli" == "true" ]]; then
  publish "src/Akd.Cli/Akd.Cli.csproj" "cli" "akdctl" "${runtime_args[@]}"
fi

if [[ ${#units[@]} -gt 0 && ! -d /run/systemd/system ]]; then
  # An image build or a container: the units are in place for when systemd runs.
  printf '\nsystemd is not running here: units installed, nothing reloaded or restarted.\n'
  printf 'Next, on the booted system: systemctl enable --now %s\n' "${units[*]}"
elif [[ ${#units[@]} -gt 0 ]]; then
  systemctl daemon-reload
  for unit in "${units[@]}"; do
    restart_if_running "$unit"
  done
  printf '\nNext: systemctl enable --now %s\n' "${units[*]}"
fi
