#!/usr/bin/env bash
# The SigmaHQ Windows rules over one EVTX file through `deltawall scan`, Hayabusa and rsigma,
# each under /usr/bin/time -v, one after the other on the same cores. Prints one table row
# per run: tool, wall seconds, user+sys seconds, events per CPU-second, peak RSS (MiB),
# alerts. See docs/BENCHMARKS.md ("Windows rules on EVTX beside Hayabusa and rsigma").
#
# Environment: DELTAWALL (the scan binary: deltawall or the deltawall-detect example),
# HAYABUSA (binary, run from its checkout so that its rules/config is found), RSIGMA,
# SIGMA_RULES (SigmaHQ's Windows rules for deltawall and rsigma), HAYABUSA_RULES (the same
# rules as Hayabusa ships them converted, hayabusa-rules/sigma), EVENTS (records in the file).
# Usage: evtx_peers.sh FILE.evtx OUTDIR [RUNS]
set -euo pipefail

evtx=$1
out=$2
runs=${3:-1}
mkdir -p "$out"

# Runs "$@" under time -v; prints the row. $1 is the tool's name, $2 the alert counter.
measure() {
    local name=$1 count=$2
    shift 2
    /usr/bin/time -v -o "$out/$name.time" "$@" >"$out/$name.stdout" 2>"$out/$name.stderr"
    local wall user sys rss alerts
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,t,":"); s=0; for(i=1;i<=n;i++) s=s*60+t[i]; print s}' "$out/$name.time")
    user=$(awk -F': ' '/User time/ {print $2}' "$out/$name.time")
    sys=$(awk -F': ' '/System time/ {print $2}' "$out/$name.time")
    rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2/1024}' "$out/$name.time")
    alerts=$($count)
    awk -v n="$name" -v w="$wall" -v u="$user" -v s="$sys" -v r="$rss" -v a="$alerts" -v e="$EVENTS" \
        'BEGIN {printf "| %s | %.2f | %.2f | %.0f | %s | %s |\n", n, w, u+s, e/(u+s), r, a}'
}

count_deltawall() { wc -l <"$out/deltawall.jsonl"; }
# Hayabusa's CSV: one header line, then one line per alert (no multi-line fields by default).
count_hayabusa() { echo $(($(wc -l <"$out/hayabusa.csv") - 1)); }
count_rsigma() { wc -l <"$out/rsigma.ndjson"; }

for run in $(seq "$runs"); do
    echo "# run $run $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)"
    measure deltawall count_deltawall \
        "$DELTAWALL" scan --rules "$SIGMA_RULES" --output "$out/deltawall.jsonl" "$evtx"
    (cd "$(dirname "$HAYABUSA")/../.." &&
        measure hayabusa count_hayabusa \
            "$HAYABUSA" csv-timeline -f "$evtx" -r "$HAYABUSA_RULES" -w -q -C -o "$out/hayabusa.csv")
    measure rsigma count_rsigma \
        "$RSIGMA" engine eval -r "$SIGMA_RULES" -e "@$evtx" -o "$out/rsigma.ndjson"
done
