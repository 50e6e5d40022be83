#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test (unit, installer and integration).
# Ends with one line: "N passed, N failed[, N skipped]", summed from the test results.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh

results=TestResults
rm -rf "$results"
status=0
dotnet build Akd.sln -c Release -nologo -v quiet
# One project at a time: each writes its own results file, and the fleet tests get both cores.
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build --logger "trx;LogFileName=$name.trx" --results-directory "$results" "$@" || status=$?
done

passed=0 failed=0 skipped=0 files=0
for trx in "$results"/*.trx; do
  [ -e "$trx" ] || continue
  files=$((files + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  get() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  total=$(get total); executed=$(get executed); p=$(get passed); f=$(get failed)
  passed=$((passed + p))
  failed=$((failed + f + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + total - executed))
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
