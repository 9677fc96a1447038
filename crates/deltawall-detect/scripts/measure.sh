#!/bin/sh
# Whole-program measurement of `scan` with the finance pack: (a) ECS JSON authentication
# events, (b) nginx combined logs, and the whole generated day. Prints events, wall, CPU
# and peak RSS per run (GNU time; `apt-get install time` if /usr/bin/time is missing).
#
#   crates/deltawall-detect/scripts/measure.sh [CUSTOMERS] [SESSIONS] [DIR]
set -eu
customers=${1:-100000}
sessions=${2:-600000}
dir=${3:-/tmp/deltawall-bench}
target=${CARGO_TARGET_DIR:-/work/target-detect}
cargo build --release -p deltawall-detect --example deltawall-detect
bin=$target/release/examples/deltawall-detect
[ -f "$dir/truth.json" ] || "$bin" gen-logs --out "$dir" --customers "$customers" --events "$sessions"
for input in "$dir/auth.jsonl" "$dir/web.log" "$dir"; do
    echo "== $input"
    /usr/bin/time -f 'wall %e s, user %U s, sys %S s, peak RSS %M KiB' \
        "$bin" scan "$input" 2>&1 >/dev/null | grep -E 'events from|alert\(s\)$|wall'
done
