#!/usr/bin/env bash
# Herald's one test command: restores, builds and runs every test project, then prints
# "N passed, N failed". Installs what the tests need when it is missing (run as root on Debian).
set -euo pipefail
cd "$(dirname "$0")"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
  echo "The .NET SDK 10 is required (dotnet not found on PATH)." >&2
  exit 2
fi

# The admin UI test drives a real headless Chromium.
if [ ! -x /usr/bin/chromium ]; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium
fi

# The systemd unit test runs systemd-analyze verify on deploy/herald.service.
if ! command -v systemd-analyze >/dev/null 2>&1; then
  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y systemd
fi

results="artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

dotnet restore Herald.sln
dotnet build Herald.sln --no-restore -c Release

set +e
dotnet test Herald.sln --no-build -c Release \
  --logger "trx" --results-directory "$results" \
  -- RunConfiguration.TestSessionTimeout=1800000
status=$?
set -e

set +e
python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = total = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if counters is None:
        continue
    passed += int(counters.get("passed", 0))
    failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
    total += int(counters.get("total", 0))
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed or passed == 0 else 0)
PY
summary=$?
set -e
[ "$status" -eq 0 ] || exit "$status"
exit "$summary"
