#!/usr/bin/env bash
# One `detect` worker for both partitions against two workers with one partition each, on
# NATS JetStream (issue 16). For every run a fresh stream (fresh --org and --stream: the
# subjects of two streams may not overlap) is filled with `publish --partitions 2`, then the
# worker(s) run with --until-idle; wall time from the start to the last exit.
#
# Usage: docs/bench/nats_workers.sh LABEL=BINARY [LABEL=BINARY...]
#   e.g. docs/bench/nats_workers.sh base=/work/main/target/release/deltawall \
#          new=target/release/examples/stream_bench
# Environment: INPUT (default /tmp/ecs/auth.jsonl), RULES (default /tmp/nb/rules),
#   PAIRS (default 3), NATS (default nats://127.0.0.1:4222), DETECT_ARGS (extra detect
#   arguments for every binary, e.g. "--batch 5000"), NEW_ARGS (extra for labels other
#   than "base").
# Output: one line per run: label, workers, wall, CPU per process (user+sys), alerts, load.
# The binaries are alternated within each pair (1 worker, then 2 workers, per binary).
set -euo pipefail
input=${INPUT:-/tmp/ecs/auth.jsonl}
rules=${RULES:-/tmp/nb/rules}
pairs=${PAIRS:-3}
nats=${NATS:-nats://127.0.0.1:4222}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Deletes a run's streams through the JetStream API (a bare NATS publish, no client needed),
# so that repeated runs do not fill the disk.
drop_streams() {
  local stream=$1 host port
  host=${nats#nats://}; port=${host##*:}; host=${host%%:*}
  exec 3<>"/dev/tcp/$host/$port"
  printf 'CONNECT {"verbose":false}\r\n' >&3
  for s in "$stream" "${stream}_ALERTS" "${stream}_DLQ" "OBJ_${stream}_ckpt"; do
    printf 'PUB $JS.API.STREAM.DELETE.%s 0\r\n\r\n' "$s" >&3
  done
  printf 'PING\r\n' >&3
  timeout 5 grep -m1 -q PONG <&3 || true
  exec 3>&-
}

cpu() { awk '{printf "%.2f", $1 + $2}' "$1"; }

run() {
  local label=$1 bin=$2 workers=$3 extra=$4
  local org stream
  org="bench$(date +%s%N)"
  stream="B_$org"
  local common=(--nats "$nats" --stream "$stream" --org "$org" --rules "$rules" --partitions 2)
  "$bin" publish "${common[@]}" --source auth "$input" >/dev/null 2>&1
  local load start end
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  start=$(date +%s.%N)
  if [ "$workers" = 1 ]; then
    # shellcheck disable=SC2086
    /usr/bin/time -f '%U %S' -o "$tmp/t0" "$bin" detect "${common[@]}" --until-idle \
      ${DETECT_ARGS:-} $extra 2>"$tmp/e0"
    end=$(date +%s.%N)
    cpus=$(cpu "$tmp/t0")
    cat "$tmp/e0" >"$tmp/e"
  else
    for p in 0 1; do
      # shellcheck disable=SC2086
      /usr/bin/time -f '%U %S' -o "$tmp/t$p" "$bin" detect "${common[@]}" --until-idle \
        --partition "$p" ${DETECT_ARGS:-} $extra 2>"$tmp/e$p" &
    done
    wait
    end=$(date +%s.%N)
    cpus="$(cpu "$tmp/t0") + $(cpu "$tmp/t1")"
    cat "$tmp/e0" "$tmp/e1" >"$tmp/e"
  fi
  local alerts
  alerts=$(grep '^done ' "$tmp/e" | grep -o '"alerts":[0-9]*' | cut -d: -f2 | paste -sd+ | bc)
  printf '%s workers=%s wall=%.2fs cpu=%ss alerts=%s load=%s\n' "$label" "$workers" \
    "$(echo "$end - $start" | bc)" "$cpus" "$alerts" "$load"
  drop_streams "$stream"
}

for i in $(seq 1 "$pairs"); do
  for spec in "$@"; do
    label=${spec%%=*}
    bin=${spec#*=}
    extra=""
    [ "$label" != base ] && extra=${NEW_ARGS:-}
    run "$label" "$bin" 1 "$extra"
    run "$label" "$bin" 2 "$extra"
  done
done
