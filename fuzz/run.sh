#!/usr/bin/env bash
# Run one atheris harness for SECONDS in total, restarting after each crash so a
# finding does not end the run; crashes land in OUT/art/, the log in OUT/log.
#   bash fuzz/run.sh rules|evidence|population SECONDS [OUT]   (OUT: /tmp/fuzz/NAME)
set -u
name=$1; seconds=$2; out=${3:-/tmp/fuzz/$name}
here=$(cd "$(dirname "$0")" && pwd)
py=${PYTHON:-python}
mkdir -p "$out/corpus" "$out/art"
cp -n "$here/corpus/$name/"* "$out/corpus/" 2>/dev/null || true
end=$(( $(date +%s) + seconds ))
while [ "$(date +%s)" -lt "$end" ]; do
  left=$(( end - $(date +%s) ))
  "$py" "$here/fuzz_$name.py" "$out/corpus" -max_total_time="$left" -rss_limit_mb=2048 \
    -timeout=20 -max_len=8192 -artifact_prefix="$out/art/" -print_final_stats=1 >>"$out/log" 2>&1
  echo "=== run ended $(date -u +%H:%M:%S) rc=$?" >>"$out/log"
done
