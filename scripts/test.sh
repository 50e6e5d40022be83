#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, installer and integration).
# Prints one line per finished test project (its counts and elapsed time), each integration test as it
# finishes (they take about 12 minutes on 2 cores, so the run never looks hung), and ends with one line:
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

# One project at a time: each writes its own results file, and the fleet tests get both cores (run
# beside them, the unit projects would save about a minute of ~16 and slow the timing-sensitive fleet tests).
for project in tests/*/*.csproj; do
  # tests/Akd.Testing is the fleet harness the tests and bench/ share, not a test project.
  grep -q 'Microsoft.NET.Test.Sdk' "$project" || continue
  name=$(basename "$project" .csproj)
  log="$results/$name.log"
  started=$(date +%s)
  rc=0
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
    status=$rc
    # What failed, from the project's own output (the whole of it is in $log).
    grep -E '^\s+Failed |Error Message|error ' "$log" | head -n 40 | sed 's/^/    /' || true
  fi
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
