#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, installer and integration).
# Prints one line per finished test project (its counts and elapsed time), each integration test as it
# finishes (they take about 15 minutes on 2 cores, so the run never looks hung), and ends with one line:
# "N passed, N failed[, N skipped]", summed from the test results.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

results=TestResults
rm -rf "$results"
mkdir -p "$results"
status=0
dotnet build Akd.sln -c Release -nologo -v quiet

# counts FILE: "passed failed skipped" from one trx file's counters.
counts() {
  local counters
  counters=$(grep -o '<Counters [^>]*>' "$1" | head -n 1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' || echo 0; }
  echo "$(get passed) $(( $(get failed) + $(get error) + $(get timeout) + $(get aborted) )) $(( $(get total) - $(get executed) ))"
}

# run_project NAME CSPROJ [dotnet test args...]: runs one test project (or a filtered part of it) into its own
# results file and log named NAME, prints one line with its counts and elapsed time (and what failed), and leaves
# its exit code in $results/NAME.rc.
run_project() {
  local name=$1 project=$2 log started rc=0 elapsed p f s
  shift 2
  log="$results/$name.log"
  started=$(date +%s)
  if [[ "$name" == *Integration* ]]; then
    # Each finished test, as it finishes. errexit is off around the pipeline: a failed test run must
    # still reach the summary below (with pipefail, set -e would end the script right here).
    set +e
    dotnet test "$project" -c Release --no-build --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=normal" \
      --results-directory "$results" "$@" 2>&1 | tee "$log" | { grep --line-buffered -E '^\s+(Passed|Failed|Skipped) ' || true; }
    rc=${PIPESTATUS[0]}
    set -e
  else
    dotnet test "$project" -c Release --no-build --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" >"$log" 2>&1 || rc=$?
  fi
  elapsed=$(( $(date +%s) - started ))
  if [ -e "$results/$name.trx" ]; then
    read -r p f s < <(counts "$results/$name.trx")
    echo "$name: $p passed, $f failed$([ "$s" -gt 0 ] && echo ", $s skipped") ($((elapsed / 60))m $((elapsed % 60))s)"
  else
    echo "$name: no results ($((elapsed / 60))m $((elapsed % 60))s)"
  fi
  if [ "$rc" -ne 0 ]; then
    # What failed, with each assertion's message (the lines after "Error Message:"); the whole output is in $log.
    grep -E '^\s+Failed |error ' "$log" | head -n 20 | sed 's/^/    /' || true
    grep -E -A30 'Error Message' "$log" | head -n 90 | sed 's/^/    /' || true
  fi
  echo "$rc" >"$results/$name.rc"
}

# Akd.Installers.Tests builds the .deb packages (NativeAOT publishes: minutes of mostly one core), so it runs
# beside the unit and dashboard projects; the integration tests run last, in two halves side by side: most of a
# fleet test's time is spent waiting on VMs booting, health polls and mix (one core at a time), so two halves
# take far less than one after the other. The first half holds the five-host fleet's collection and the other
# long single-fleet classes; every other class (new ones included) is in the second. (Akd.Testing is the fleet
# harness, not a test project.)
integration=tests/Akd.IntegrationTests/Akd.IntegrationTests.csproj
first_half=(RollingDeployTests FleetCommandTests CoordinatorRestartTests ArtifactTransferTests TrustTests
  HotUpgradeDeployTests DistilleryDeployTests StartOverlapDeployTests SourceStrategyTests BuildPrerequisitesTests
  FaultMatrixTests BenchReportMergeTests)
in_first=$(printf 'FullyQualifiedName~.%s.|' "${first_half[@]}")
not_in_first=$(printf 'FullyQualifiedName!~.%s.&' "${first_half[@]}")

run_project Akd.Installers.Tests tests/Akd.Installers.Tests/Akd.Installers.Tests.csproj "$@" &
installers=$!
for project in tests/*/*.csproj; do
  grep -q 'Microsoft.NET.Test.Sdk' "$project" || continue
  name=$(basename "$project" .csproj)
  case "$name" in
    Akd.Installers.Tests | Akd.IntegrationTests) continue ;;
  esac
  run_project "$name" "$project" "$@"
done
wait "$installers" || true
run_project Akd.IntegrationTests.1 "$integration" --filter "${in_first%|}" "$@" &
first=$!
run_project Akd.IntegrationTests.2 "$integration" --filter "${not_in_first%&}" "$@"
wait "$first" || true

for rc_file in "$results"/*.rc; do
  [ -e "$rc_file" ] || continue
  rc=$(cat "$rc_file")
  [ "$rc" -eq 0 ] || status=$rc
done

passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  read -r p f s < <(counts "$trx")
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
done

if [ "$files" -eq 0 ]; then
  echo "no test results were written" >&2
  status=1
fi

if [ "$skipped" -gt 0 ]; then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi

if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then
  status=1
fi
exit "$status"
