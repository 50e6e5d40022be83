#!/usr/bin/env bash
# A throwaway sshd for the SSH baseline: listens on 127.0.0.1 only, with its own host key and a
# client key in DIR (made here, never reused), key login only. Needs openssh-server (bench/run.sh).
#   sshd.sh start DIR PORT | sshd.sh stop DIR
set -euo pipefail
cmd=$1 dir=$2

case "$cmd" in
start)
  port=$3
  mkdir -p "$dir"
  chmod 700 "$dir"
  ssh-keygen -q -t ed25519 -N '' -f "$dir/host_key"
  ssh-keygen -q -t ed25519 -N '' -f "$dir/client_key"
  cp "$dir/client_key.pub" "$dir/authorized_keys"
  chmod 600 "$dir/authorized_keys"
  cat >"$dir/sshd_config" <<CONFIG
ListenAddress 127.0.0.1
Port $port
HostKey $dir/host_key
AuthorizedKeysFile $dir/authorized_keys
PidFile $dir/sshd.pid
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
# scp speaks SFTP since OpenSSH 9.
Subsystem sftp /usr/lib/openssh/sftp-server
StrictModes no
# Ten hosts deployed in parallel open ten sessions at once.
MaxStartups 100
MaxSessions 100
CONFIG
  [ "$(id -u)" -ne 0 ] || mkdir -p /run/sshd
  /usr/sbin/sshd -f "$dir/sshd_config" -E "$dir/sshd.log"
  ;;
stop)
  [ -f "$dir/sshd.pid" ] && kill "$(cat "$dir/sshd.pid")" 2>/dev/null || true
  ;;
*)
  echo "usage: sshd.sh start DIR PORT | sshd.sh stop DIR" >&2
  exit 2
  ;;
esac
