#!/usr/bin/env bash
# The benchmark, in one command: installs what it needs, builds Akd (Release, and the NativeAOT agent),
# runs every scenario (each at least 5 times) and writes bench/RESULTS.md. See bench/README.md.
#   bench/run.sh                       the full run (about 30 minutes on 2 cores)
#   bench/run.sh --reps 1 --hosts 2    extra arguments go to Akd.Bench (see bench/README.md)
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh # Elixir and Erlang, git, curl

missing=()
[ -x /usr/sbin/sshd ] || missing+=(openssh-server)
command -v ssh >/dev/null 2>&1 || missing+=(openssh-client)
command -v pgrep >/dev/null 2>&1 || missing+=(procps)
command -v gcc >/dev/null 2>&1 || command -v clang >/dev/null 2>&1 || missing+=(clang)
[ -e /usr/include/zlib.h ] || missing+=(zlib1g-dev) # NativeAOT links against it
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  "${sudo[@]}" apt-get update -q
  # The bench runs its own sshd on 127.0.0.1 only: keep the package's system-wide sshd from starting
  # (policy-rc.d 101 = "do not start services"), and from starting at the next boot.
  own_policy=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d >/dev/null
    "${sudo[@]}" chmod +x /usr/sbin/policy-rc.d
    own_policy=true
  fi
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
  if [ "$own_policy" = true ]; then "${sudo[@]}" rm -f /usr/sbin/policy-rc.d; fi
  if [[ " ${missing[*]} " == *" openssh-server "* ]] && [ -d /run/systemd/system ]; then
    "${sudo[@]}" systemctl disable --now ssh.service ssh.socket >/dev/null 2>&1 || true
  fi
fi

for project in src/Akd.Coordinator src/Akd.Agent src/Akd.Cli bench/Akd.Bench; do
  dotnet build "$project" -c Release -nologo -v quiet
done
dotnet publish src/Akd.Agent -c Release -p:PublishAot=true -r linux-x64 -o bench/work/aot-agent -nologo -v quiet

exec dotnet bench/Akd.Bench/bin/Release/net10.0/Akd.Bench.dll --agent bench/work/aot-agent/akd-agent "$@"
