#!/usr/bin/env bash
# Herald's one test command: restores, builds and runs every test project, then prints
# "N passed, N failed" as its last line, whatever happened before. Installs what the tests need
# when it is missing (run as root on Debian).
set -uo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET SDK 10 is required (dotnet not found on PATH)." >&2
  echo "0 passed, 1 failed"
  exit 2
fi

# What the tests and this script need beyond the SDK, each with the Debian package that has it:
# the admin UI test drives a real headless Chromium; the process tests stop Herald with
# /usr/bin/kill (procps; the shell's builtin is no use to them); the storage tests mount a small
# tmpfs (mount) and make a file immutable (chattr, e2fsprogs); the summary below is computed by
# python3; without HERALD_TEST_POSTGRES, the PostgreSQL tests run on a throwaway server
# (postgresql). One `apt-get update` and one install, only when something is missing.
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/kill ] || [ -x /bin/kill ] || missing+=(procps)
command -v mount >/dev/null 2>&1 || missing+=(mount)
command -v chattr >/dev/null 2>&1 || missing+=(e2fsprogs)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# The PostgreSQL tests use HERALD_TEST_POSTGRES when set; otherwise a throwaway server (below).
if [ -z "${HERALD_TEST_POSTGRES:-}" ] && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  missing+=(postgresql)
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "Installing ${missing[*]} ..."
  if ! { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; }; then
    echo "warning: could not install ${missing[*]}; the tests that need them will fail" >&2
  fi
fi

# The systemd unit test runs systemd-analyze verify on deploy/herald.service.
if ! command -v systemd-analyze >/dev/null 2>&1; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y systemd
fi

# A throwaway PostgreSQL for every test project, stopped and deleted at exit whatever happens.
if [ -z "${HERALD_TEST_POSTGRES:-}" ]; then
  postgres_dir=$(mktemp -d "${TMPDIR:-/tmp}/herald-postgres.XXXXXX")
  trap 'tests/postgres.sh stop "$postgres_dir"' EXIT
  if connection=$(tests/postgres.sh start "$postgres_dir"); then
    export HERALD_TEST_POSTGRES="$connection"
    echo "Started a throwaway PostgreSQL: $HERALD_TEST_POSTGRES"
  else
    echo "warning: could not start PostgreSQL; the PostgreSQL tests will fail" >&2
  fi
fi

results="artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

build_failed=0
if ! dotnet restore Herald.sln || ! dotnet build Herald.sln --no-restore -c Release; then
  build_failed=1
fi

status=0
if [ "$build_failed" -eq 0 ]; then
  dotnet test Herald.sln --no-build -c Release \
    --logger "trx" --results-directory "$results" \
    -- RunConfiguration.TestSessionTimeout=1800000
  status=$?
fi

# Counts from the TRX files; a failed build, or a test run that failed without saying so in its
# results (a crashed test host), counts as one failure, so the line never reads green by mistake.
summarize() {
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    try:
        counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    except ET.ParseError:
        failed += 1
        continue
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
print(passed, failed)
PY
  else
    # No python3 (the install failed): the same counters read with sed.
    local passed=0 failed=0 counters p f e t a
    for file in "$results"/*.trx; do
      [ -e "$file" ] || continue
      counters=$(grep -o '<Counters [^>]*' "$file" | head -n 1)
      p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
      e=$(sed -n 's/.* error="\([0-9]*\)".*/\1/p' <<<"$counters"); t=$(sed -n 's/.* timeout="\([0-9]*\)".*/\1/p' <<<"$counters")
      a=$(sed -n 's/.* aborted="\([0-9]*\)".*/\1/p' <<<"$counters")
      passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0} + ${e:-0} + ${t:-0} + ${a:-0}))
    done
    echo "$passed $failed"
  fi
}

read -r passed failed < <(summarize || echo "0 0")
passed=${passed:-0}
failed=${failed:-0}
if [ "$build_failed" -ne 0 ]; then
  echo "The build failed; counted as one failure." >&2
  failed=$((failed + 1))
elif [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "dotnet test exited with $status without a failed test in its results; counted as one failure." >&2
  failed=1
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] || exit 1
