#!/usr/bin/env bash
# The floor: the same per-host steps as a deploy (bench/shell/activate.sh), run locally by a plain
# loop with no deployer and no network, BATCH hosts at a time.
#   floor.sh BATCH TARBALL RELEASE_ID HOSTS_FILE     (HOSTS_FILE lines: NAME DIR PORT NODE)
set -euo pipefail
batch=$1 tarball=$2 id=$3 hosts_file=$4
here=$(cd "$(dirname "$0")" && pwd)

mapfile -t hosts <"$hosts_file"
for ((i = 0; i < ${#hosts[@]}; i += batch)); do
  pids=()
  for line in "${hosts[@]:i:batch}"; do
    read -r name dir port node <<<"$line"
    bash "$here/activate.sh" "$name" "$dir" "$id" "$tarball" "$port" "$node" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
done
