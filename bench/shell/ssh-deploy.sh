#!/usr/bin/env bash
# The SSH way, as akd and edeliver do it: for each host, scp the release tarball, then one ssh that
# unpacks, switches `current`, stops the old release and starts the new one (bench/shell/activate.sh,
# sent on stdin). Host after host (seq), or all hosts at once as capistrano does (parallel).
#   ssh-deploy.sh seq|parallel SSH_DIR SSH_PORT TARBALL RELEASE_ID HOSTS_FILE
set -euo pipefail
mode=$1 sshdir=$2 sshport=$3 tarball=$4 id=$5 hosts_file=$6
here=$(cd "$(dirname "$0")" && pwd)
user=$(id -un)
opts=(-i "$sshdir/client_key" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR)

deploy_host() {
  local name=$1 dir=$2 port=$3 node=$4
  echo "@phase $name transfer $(date +%s.%N)"
  scp -q -P "$sshport" "${opts[@]}" "$tarball" "$user@127.0.0.1:$dir/incoming.tar.gz"
  # shellcheck disable=SC2029 # the arguments are expanded here on purpose, as a deploy script does
  ssh -p "$sshport" "${opts[@]}" "$user@127.0.0.1" \
    "bash -s -- $(printf '%q ' "$name" "$dir" "$id" "$dir/incoming.tar.gz" "$port" "$node")" <"$here/activate.sh"
}

mapfile -t hosts <"$hosts_file"
pids=()
for line in "${hosts[@]}"; do
  read -r name dir port node <<<"$line"
  if [ "$mode" = seq ]; then
    deploy_host "$name" "$dir" "$port" "$node"
  else
    deploy_host "$name" "$dir" "$port" "$node" &
    pids+=($!)
  fi
done
for pid in "${pids[@]}"; do wait "$pid"; done
