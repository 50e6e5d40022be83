#!/usr/bin/env bash
# One host's switch to a new release, as an SSH deploy script runs it on the host (akd, edeliver,
# capistrano) and as the floor runs it locally: unpack into releases/ID, stop the running release and
# wait until its VM is gone, switch `current` atomically, start the new release, wait for its first
# HTTP answer, remove all but the 3 newest releases. The same steps, in the same order, as an Akd agent.
# Prints "@phase HOST NAME EPOCH_SECONDS" lines so the harness can split the time.
# The body is one function, read whole before it runs: over ssh the script arrives on stdin, which
# the commands inside must not eat (they get /dev/null).
#   activate.sh HOST DIR RELEASE_ID TARBALL PORT NODE
set -euo pipefail

main() {
  host=$1 dir=$2 id=$3 tarball=$4 port=$5 node=$6
  phase() { echo "@phase $host $1 $(date +%s.%N)"; }
  export PORT=$port RELEASE_NODE=$node

  phase unpack
  mkdir -p "$dir/releases/.$id.partial" "$dir/shared"
  tar -xzf "$tarball" -C "$dir/releases/.$id.partial"
  mv "$dir/releases/.$id.partial" "$dir/releases/$id"

  phase stop
  old=$(pgrep -f -- "beam.smp.* -sname $node " | head -n 1 || true)
  if [ -n "$old" ]; then
    "$dir/current/bin/hello" stop >/dev/null 2>&1 || true
    while kill -0 "$old" 2>/dev/null; do sleep 0.05; done
  fi

  phase switch
  ln -sfn "releases/$id" "$dir/current.new"
  mv -T "$dir/current.new" "$dir/current"

  phase start
  "$dir/current/bin/hello" daemon

  phase answer
  until curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port/health"; do sleep 0.05; done
  # capistrano's deploy:cleanup (Akd's keep_releases: 3 in the bench manifest)
  ls -1dt "$dir/releases/"*/ | tail -n +4 | xargs -r rm -rf
  phase done
}

main "$@" </dev/null
