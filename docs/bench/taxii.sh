#!/usr/bin/env bash
# TAXII 2.1 throughput: Deltawall (SQLite and PostgreSQL) beside medallion, the OASIS
# reference server (memory backend), on the same machine and workload:
#   1. add N indicators (default 100,000) in envelopes of 1,000, one request at a time;
#   2. page them back with limit=1000 following `next`;
#   3. 50 concurrent readers (wrk, 30 s): match[type]=indicator, limit=1000 and a random
#      added_after taken from the page boundaries of step 2.
# Usage: docs/bench/taxii.sh [BINARY] [N]   (default target/release/deltawall, 100000)
#   SIZES="2000 4000 8000" runs every server once per size, each on a fresh collection
#   (a size needs at least two pages so that the readers' added_after leaves a full page).
#   ONE_PAGE=N (with SKIP_DELTAWALL=1) adds N objects to medallion and times one page of
#   1,000, bounded by ONE_PAGE_TIMEOUT seconds (default 900), instead of the three phases.
# Needs python3 (venv), wrk (Debian package) and PostgreSQL on 127.0.0.1:5432 with trust
# authentication for `postgres`. medallion is installed from PyPI into a throw-away venv at
# run time; SKIP_MEDALLION=1 or SKIP_DELTAWALL=1 measure one side only. DURATION sets the
# readers' time (default 30s), MEDALLION_DURATION medallion's if it should differ (its
# requests take seconds each, so 50 of them need longer to complete); WRK_TIMEOUT is how
# long wrk waits for one response before counting it a timeout without a latency (60s).
set -euo pipefail
bin=${1:-target/release/deltawall}
sizes=${SIZES:-${2:-100000}}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
venv="${TMPDIR:-/tmp}/deltawall-bench-venv"
readers=${READERS:-50}
duration=${DURATION:-30s}
# medallion's phases stop starting requests after this many seconds (see taxii_load.py).
budget=${MEDALLION_BUDGET:-300}
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT

[ -x "$venv/bin/medallion" ] || python3 -m venv "$venv"
"$venv/bin/pip" install -q --disable-pip-version-check requests medallion==3.0.0
load() { "$venv/bin/python" "$here/taxii_load.py" "$@"; }

wait_for() { for _ in $(seq 1 150); do curl -s -o /dev/null "$1" && return 0; sleep 0.2; done; echo "no server at $1" >&2; exit 1; }

deltawall() {
  local label=$1 url=$2 port=$3 n=$4
  local dir="$work/$label-$n"; mkdir -p "$dir"
  local pw=bench-password-123
  "$bin" serve --data-dir "$dir" ${url:+--database-url "$url"} --listen 127.0.0.1:$port \
    --demo --demo-password "$pw" >"$dir/log" 2>&1 &
  local pid=$!; pids+=("$pid")
  local base="http://127.0.0.1:$port"
  wait_for "$base/readyz"
  # Machine clients use API tokens (SHA-256 lookup), not Basic (argon2id per request):
  # the bank's administrator writes, another institution's administrator reads (so the
  # TLP filter compares other organisations' rows).
  token() {
    local login=$1 jar="$dir/jar-$1"
    curl -s -c "$jar" -o /dev/null -H 'Sec-Fetch-Site: same-origin' \
      -d "login=$login&password=$pw" "$base/login"
    curl -s -b "$jar" -H 'Sec-Fetch-Site: same-origin' -H 'Content-Type: application/json' \
      -d '{"name":"bench","scope":"write","days":1}' "$base/api/v1/tokens" \
      | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
  }
  local writer reader
  writer=$(token bank-admin); reader=$(token mfg-admin)
  local coll="$base/taxii2/isac/collections/shared/"
  echo "## $label ($n objects)"
  load add --collection "$coll" --bearer "$writer" --objects "$n" --envelope 1000
  load page --collection "$coll" --bearer "$reader" --limit 1000 --afters "$work/afters-$label"
  echo "## $label: $readers concurrent readers, $duration"
  TAXII_AFTERS="$work/afters-$label" TAXII_PATH="/taxii2/isac/collections/shared/objects/" \
    wrk -t2 -c"$readers" -d"$duration" --timeout "${WRK_TIMEOUT:-60s}" --latency -s "$here/taxii_readers.lua" \
    -H "Accept: application/taxii+json;version=2.1" -H "Authorization: Bearer $reader" "$base" \
    | sed -n '/Latency Distribution/,/Transfer/p'
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

medallion() {
  local n=$1 port=18095 dir="$work/medallion-$1"; mkdir -p "$dir"
  local coll_id; coll_id=$(python3 -c 'import uuid; print(uuid.uuid4())')
  cat >"$dir/data.json" <<EOF
{"/discovery": {"title": "bench", "api_roots": ["http://127.0.0.1:$port/api1/"]},
 "api1": {"information": {"title": "bench", "versions": ["application/taxii+json;version=2.1"],
                          "max_content_length": 104857600},
          "status": [],
          "collections": [{"id": "$coll_id", "title": "bench", "can_read": true, "can_write": true,
                           "media_types": ["application/stix+json;version=2.1"],
                           "objects": [], "manifest": []}]}}
EOF
  cat >"$dir/config.json" <<EOF
{"backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": "$dir/data.json"},
 "users": {"bench": "bench"}, "taxii": {"max_page_size": 1000}}
EOF
  "$venv/bin/medallion" --host 127.0.0.1 --port $port "$dir/config.json" >"$dir/log" 2>&1 &
  local pid=$!; pids+=("$pid")
  wait_for "http://127.0.0.1:$port/taxii2/"
  local coll="http://127.0.0.1:$port/api1/collections/$coll_id/"
  echo "## medallion ($n objects)"
  load add --collection "$coll" --basic bench:bench --objects "$n" --envelope 1000 --budget "$budget"
  if [ -n "${ONE_PAGE:-}" ]; then
    echo "## medallion: one page of 1,000 over $n objects (timeout ${ONE_PAGE_TIMEOUT:-900} s)"
    load page --collection "$coll" --basic bench:bench --limit 1000 --pages 1 \
      --timeout "${ONE_PAGE_TIMEOUT:-900}"
    kill "$pid"; wait "$pid" 2>/dev/null || true
    return
  fi
  load page --collection "$coll" --basic bench:bench --limit 1000 --afters "$work/afters-medallion" --budget "$budget"
  local mduration=${MEDALLION_DURATION:-$duration}
  echo "## medallion: $readers concurrent readers, $mduration"
  TAXII_AFTERS="$work/afters-medallion" TAXII_PATH="/api1/collections/$coll_id/objects/" \
    wrk -t2 -c"$readers" -d"$mduration" --timeout "${WRK_TIMEOUT:-60s}" --latency -s "$here/taxii_readers.lua" \
    -H "Accept: application/taxii+json;version=2.1" -H "Authorization: Basic $(printf bench:bench | base64)" \
    "http://127.0.0.1:$port" | sed -n '/Latency Distribution/,/Transfer/p'
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

if [ -n "${ONE_PAGE:-}" ]; then sizes=$ONE_PAGE; fi
for n in $sizes; do
  echo "# size $n: $(date -u +%H:%M:%S) $(uptime)"
  if [ -z "${SKIP_DELTAWALL:-}" ] && [ -z "${ONE_PAGE:-}" ]; then
    deltawall sqlite "" 18093 "$n"
    echo "# $(date -u +%H:%M:%S) $(uptime)"
    psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS deltawall_bench_taxii" \
      -c "CREATE DATABASE deltawall_bench_taxii"
    deltawall postgres "postgres://postgres@127.0.0.1:5432/deltawall_bench_taxii" 18094 "$n"
    echo "# $(date -u +%H:%M:%S) $(uptime)"
  fi
  if [ -z "${SKIP_MEDALLION:-}" ]; then
    medallion "$n"
    echo "# $(date -u +%H:%M:%S) $(uptime)"
  fi
done
