#!/usr/bin/env bash
# One `pipeline-editor serve` for the harness's run.sh (its SERVER_CMD), on a fresh copy of the prepared data
# folder (user + token already in it), so every scenario starts from an empty store with the same token.
#
# The server keeps this script's PID (exec), so run.sh's --server-pid readings (RSS, CPU) are the server's own.
# Its output goes through a small filter that copies every line and, after the "Pipeline Editor is running at
# http://HOST:PORT/" line, prints "READY url=ws://HOST:PORT", which is what run.sh waits for. The filter ends
# when the server does.
#
# Env (set by run-ours.sh): PE_BIN (the server binary), PE_TEMPLATE (prepared data folder), PE_WORK (where the
# fresh copies go), PE_LOGDIR (optional: a copy of the server's output goes there), PORT (from run.sh; 0 = any
# free port).
set -euo pipefail
: "${PE_BIN:?}" "${PE_TEMPLATE:?}" "${PE_WORK:?}"
DATA="$(mktemp -d "$PE_WORK/data.XXXXXX")"
cp -a "$PE_TEMPLATE/." "$DATA/"
# A copy of the server's output outlives run.sh's scratch folder when PE_LOGDIR is set.
LOG=/dev/null
if [ -n "${PE_LOGDIR:-}" ]; then LOG="$PE_LOGDIR/server-$(date -u +%Y%m%dT%H%M%SZ)-$$.log"; fi
echo "serve-ours: data $DATA, binary $PE_BIN, log copy $LOG" | tee -a "$LOG"
exec "$PE_BIN" serve --data "$DATA" --listen "127.0.0.1:${PORT:-0}" > >(
  # bash's `read` takes a pipe byte by byte, so nothing is held back in a buffer (mawk would hold the line);
  # after the address line the rest is copied by tee.
  while IFS= read -r line; do
    printf '%s\n' "$line" | tee -a "$LOG"
    if [[ $line =~ running\ at\ http://([^/[:space:]]+) ]]; then
      printf 'READY url=ws://%s\n' "${BASH_REMATCH[1]}"
      exec tee -a "$LOG"
    fi
  done
) 2>&1
