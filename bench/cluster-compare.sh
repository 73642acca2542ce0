#!/usr/bin/env bash
# SQLite and a PostgreSQL cluster side by side in one run: the single and fanout scenarios on SQLite
# (one process), then on PostgreSQL with 1, 2 and 3 Herald nodes, one after another on this machine,
# each with its raw ceiling measured in its own run. Prints each run's report into the log folder
# and a table of the SUMMARY lines at the end.
#
#   dotnet build -c Release src/Herald.Server && dotnet build -c Release bench/Herald.LoadTest
#   bench/cluster-compare.sh "Host=127.0.0.1;Port=55433;Username=postgres" [--quick] [more load-test options]
#
# HERALD_COMPARE_SINGLE and HERALD_COMPARE_FANOUT add options to one scenario's runs only, e.g.
# HERALD_COMPARE_SINGLE="--events 20000" HERALD_COMPARE_FANOUT="--events 300".
#
# Each PostgreSQL run creates a fresh database on that server and drops it afterwards. The server's
# own CPU is reported when it runs on this machine; it counts every process of the instance, so give
# the benchmark an instance of its own.
set -euo pipefail

if [[ $# -lt 1 || "$1" != *Host=* ]]; then
  echo "usage: $0 '<PostgreSQL connection string, Host=...>' [load-test options]" >&2
  exit 64
fi

database="$1"
shift
root="$(cd "$(dirname "$0")/.." && pwd)"
loadtest="$root/bench/Herald.LoadTest/bin/Release/net10.0/Herald.LoadTest.dll"
[[ -f "$loadtest" ]] || { echo "build it first: dotnet build -c Release bench/Herald.LoadTest" >&2; exit 1; }
logs="${HERALD_COMPARE_LOGS:-$(mktemp -d /tmp/herald-compare-XXXXXX)}"
mkdir -p "$logs"
echo "logs in $logs"

run() {
  local name="$1"
  shift
  echo "=== $name: $* ($(date -u +%H:%M:%S) UTC, load: $(cut -d' ' -f1-3 /proc/loadavg))"
  if ! (cd "$root" && dotnet "$loadtest" "$@") >"$logs/$name.log" 2>&1; then
    echo "    FAILED, see $logs/$name.log"
    tail -5 "$logs/$name.log" | sed 's/^/    /'
    return 0
  fi
  grep '^SUMMARY' "$logs/$name.log" | sed 's/^/    /'
}

for scenario in single fanout; do
  if [[ "$scenario" == single ]]; then read -r -a extra <<<"${HERALD_COMPARE_SINGLE:-}"; else read -r -a extra <<<"${HERALD_COMPARE_FANOUT:-}"; fi
  run "$scenario-sqlite" --scenario "$scenario" "${extra[@]}" "$@"
  for nodes in 1 2 3; do
    run "$scenario-postgres-$nodes" --scenario "$scenario" --database "$database" --nodes "$nodes" "${extra[@]}" "$@"
  done
done

echo
printf '%-8s %-9s %5s %12s %9s %6s %14s %-16s %11s\n' scenario store nodes deliveries/s raw/s ratio "Herald µs/dlv" "per node µs/dlv" "PG µs/dlv"
for log in "$logs"/*.log; do
  line="$(grep '^SUMMARY' "$log" || true)"
  [[ -n "$line" ]] || continue
  get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
  printf '%-8s %-9s %5s %12s %9s %6s %14s %-16s %11s\n' \
    "$(get scenario)" "$(get store)" "$(get nodes)" "$(get deliveries_per_s)" "$(get raw_per_s)" "$(get ratio)" \
    "$(get herald_cpu_us_per_delivery)" "$(get per_node_us)" "$(get pg_server_cpu_us_per_delivery)"
done
