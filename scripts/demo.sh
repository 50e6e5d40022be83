#!/usr/bin/env bash
# One command for the demo: installs what is missing, builds Akd, starts a coordinator, a build agent
# and two web agents on this machine, deploys examples/hello, and prints where it answers.
#   scripts/demo.sh        set up and deploy (again: redeploys)
#   scripts/demo.sh stop   stop the apps, agents and coordinator
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
demo="$root/.akd/demo"
coordinator_url="https://127.0.0.1:7400"
dashboard_url="https://127.0.0.1:7403"
ca_file="$demo/coordinator/pki/ca.crt"
ports=(4001 4002)

stop_all() {
  for pidfile in "$demo"/*.pid; do
    [ -e "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
  for state in "$demo"/web-*/apps/*/shared/.akd-run.json; do
    [ -e "$state" ] || continue
    pid=$(grep -o '"Pid":[0-9]*' "$state" | grep -o '[0-9]*' || true)
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done
}

if [ "${1:-}" = "stop" ]; then
  stop_all
  echo "demo stopped"
  exit 0
fi

scripts/setup.sh
dotnet build Akd.sln -c Release -v quiet -nologo
bin() { echo "$root/src/$1/bin/Release/net10.0/$2.dll"; }

mkdir -p "$demo"
start() { # name, then arguments
  local name=$1; shift
  if [ -e "$demo/$name.pid" ] && kill -0 "$(cat "$demo/$name.pid")" 2>/dev/null; then
    return
  fi
  nohup dotnet "$@" >"$demo/$name.log" 2>&1 &
  echo $! >"$demo/$name.pid"
}

start coordinator "$(bin Akd.Coordinator akd-coordinator)" --urls "$coordinator_url" --data-dir "$demo/coordinator" \
  --dashboard-urls "$dashboard_url"
# The coordinator makes its CA and the bootstrap admin token on its first start; akdctl uses both.
for _ in $(seq 1 60); do
  [ -s "$ca_file" ] && [ -s "$demo/coordinator/admin.token" ] && break
  sleep 0.5
done
# akdctl on a PATH of its own, with the demo's coordinator, CA and admin token: the demo prints how to use it.
mkdir -p "$demo/bin"
cat >"$demo/bin/akdctl" <<WRAPPER
#!/bin/sh
# Written by scripts/demo.sh: the akdctl this checkout built, talking to the demo's coordinator as its admin.
export AKD_COORDINATOR="\${AKD_COORDINATOR:-$coordinator_url}"
export AKD_CA_FILE="\${AKD_CA_FILE:-$ca_file}"
[ -n "\${AKD_TOKEN:-}" ] || AKD_TOKEN="\$(cat "$demo/coordinator/admin.token")"
export AKD_TOKEN
exec dotnet "$(bin Akd.Cli akdctl)" "\$@"
WRAPPER
chmod 0755 "$demo/bin/akdctl"
akdctl() { "$demo/bin/akdctl" "$@"; }

# Each agent enrolls once with a join token for its name and labels; later starts use its certificate.
agent() { # name, labels, then more agent arguments
  local name=$1 labels=$2; shift 2
  local join=()
  if [ ! -e "$demo/$name/identity/agent.crt" ]; then
    join=(--join "$(akdctl agents join-token --labels "$labels" --name "$name")")
  fi
  start "$name" "$(bin Akd.Agent akd-agent)" --coordinator "$coordinator_url" --name "$name" --data-dir "$demo/$name" "${join[@]}" "$@"
}
agent build-1 role=build
for i in 1 2; do
  agent "web-$i" role=web --app-env "PORT=${ports[$((i - 1))]}"
done

for _ in $(seq 1 60); do
  online=$(akdctl agents --output json 2>/dev/null | grep -c '"state": *"online"' || true)
  [ "$online" -ge 3 ] && break
  sleep 1
done
akdctl agents

akdctl deploy -f examples/hello/akd.yaml

echo
for port in "${ports[@]}"; do
  echo "hello answers at http://127.0.0.1:$port/ : $(curl -fsS "http://127.0.0.1:$port/" || echo 'no answer')"
done
echo
echo "akdctl is at $demo/bin/akdctl (coordinator $coordinator_url); to use it from this shell:"
echo "  export PATH=\"$demo/bin:\$PATH\""
echo "  akdctl deployments        # or: akdctl status, akdctl logs ID, akdctl releases hello"
echo "dashboard: $dashboard_url (sign in with the token in $demo/coordinator/admin.token; the browser must trust $ca_file)"
echo "logs: $demo/*.log   stop everything: scripts/demo.sh stop"
