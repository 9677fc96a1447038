#!/usr/bin/env bash
# Measures sign-in and an authenticated page under concurrent load with wrk, on SQLite and
# PostgreSQL. Usage: docs/bench/run.sh [BINARY]   (default target/release/deltawall)
# Needs wrk (Debian package) and PostgreSQL on 127.0.0.1:5432.
set -euo pipefail
bin=${1:-target/release/deltawall}
here=$(cd "$(dirname "$0")" && pwd)
export DW_PASSWORD=bench-password-123
run() {
  local name=$1 url=$2 port=$3
  local dir; dir=$(mktemp -d)
  "$bin" serve --data-dir "$dir" ${url:+--database-url "$url"} --listen 127.0.0.1:$port --demo --demo-password "$DW_PASSWORD" >"$dir/log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  local sid
  sid=$(curl -s -D - -o /dev/null -H 'Sec-Fetch-Site: same-origin' -d "login=fsa-admin&password=$DW_PASSWORD" "http://127.0.0.1:$port/login" \
        | tr -d '\r' | sed -n 's/^set-cookie: __Host-dw_session=\([^;]*\).*/\1/ip')
  echo "## $name: sign-in (POST /login, argon2id), 8 connections, 20 s"
  wrk -t2 -c8 -d20s --latency -s "$here/login.lua" "http://127.0.0.1:$port/login" | sed -n '/Latency Distribution/,/Transfer/p'
  echo "## $name: organisation list page (GET /orgs, 50 rows), 32 connections, 20 s"
  wrk -t2 -c32 -d20s --latency -H "Cookie: __Host-dw_session=$sid" "http://127.0.0.1:$port/orgs" | sed -n '/Latency Distribution/,/Transfer/p'
  echo "## $name: dashboard (GET /), 32 connections, 20 s"
  wrk -t2 -c32 -d20s --latency -H "Cookie: __Host-dw_session=$sid" "http://127.0.0.1:$port/" | sed -n '/Latency Distribution/,/Transfer/p'
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
run sqlite "" 18090
psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS deltawall_bench" -c "CREATE DATABASE deltawall_bench"
run postgres "postgres://postgres@127.0.0.1:5432/deltawall_bench" 18091
