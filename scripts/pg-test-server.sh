#!/usr/bin/env bash
# A throw-away PostgreSQL server for the tests and benchmarks of the PostgreSQL backend (pipeline-store).
#
#   scripts/pg-test-server.sh [start] [DIR]   start (or reuse) the server in DIR; the last line printed is
#                                             PIPELINE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:PORT/pipeline_test
#   scripts/pg-test-server.sh stop [DIR]      stop it (DIR and its data stay; `rm -rf DIR` to drop them)
#
# DIR defaults to $PIPELINE_PG_TEST_DIR, else ${TMPDIR:-/tmp}/pipeline-editor-pg-test. `start` is idempotent and
# safe to run from many processes at once (cargo nextest runs each test in its own process): a lock serialises
# them, the first creates the cluster (initdb) and starts it, the others find it running and print its URL.
# The server keeps running after the tests, so the next run starts in milliseconds; stop it with `stop`.
#
# The server listens on 127.0.0.1 only, on a free port, with trust authentication (nothing outside this machine
# can reach it) and fsync on (the durability tests mean something only if commits reach the disk). No Unix
# socket, so nothing is needed under /run. PostgreSQL refuses to run as root: as root, the server runs as the
# `postgres` OS user (created by Debian's postgresql package), or as a `pipeline-pg` system user made here.
# Binaries: $PGBIN if set, else the newest /usr/lib/postgresql/*/bin, else wherever `initdb` is on PATH.
set -euo pipefail

cmd=start
case "${1:-}" in
    start | stop) cmd=$1; shift ;;
esac
dir=${1:-${PIPELINE_PG_TEST_DIR:-${TMPDIR:-/tmp}/pipeline-editor-pg-test}}
dir=$(realpath -m "$dir")
data=$dir/data
db=pipeline_test

log() { echo "pg-test-server: $*" >&2; }
die() { log "$*"; exit 1; }

if [[ -z "${PGBIN:-}" ]]; then
    PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
    if [[ -z "$PGBIN" ]]; then
        initdb_path=$(command -v initdb || true)
        [[ -n "$initdb_path" ]] || die "PostgreSQL not found (no /usr/lib/postgresql/*/bin, no initdb on PATH); install postgresql, or set PGBIN"
        PGBIN=$(dirname "$(realpath "$initdb_path")")
    fi
fi
for tool in initdb pg_ctl; do
    [[ -x "$PGBIN/$tool" ]] || die "$PGBIN/$tool not found"
done

# Who runs the server, and how commands are run as them.
as_owner=()
if [[ $(id -u) -eq 0 ]]; then
    owner=postgres
    if ! id "$owner" >/dev/null 2>&1; then
        owner=pipeline-pg
        if ! id "$owner" >/dev/null 2>&1; then
            log "creating system user $owner to run PostgreSQL (it refuses to run as root)"
            useradd --system --user-group --no-create-home --shell /usr/sbin/nologin "$owner"
        fi
    fi
    if command -v runuser >/dev/null 2>&1; then
        as_owner=(runuser -u "$owner" --)
    else
        as_owner=(su -s /bin/sh "$owner" -c '"$0" "$@"')
    fi
fi
run() { "${as_owner[@]}" "$@"; }

# The server must inherit no descriptor but its log: an inherited lock descriptor would hold the lock below for
# the server's lifetime, and an inherited pipe would keep the caller (a test reading this script's output)
# waiting for end-of-file.
start_server() (
    for fd in /proc/$BASHPID/fd/*; do
        fd=${fd##*/}
        if [[ $fd -gt 2 ]]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    run "$PGBIN/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 start \
        -o "-c listen_addresses=127.0.0.1 -p $1 -c unix_socket_directories= -c fsync=on -c max_connections=300 -c shared_buffers=1GB" \
        </dev/null >/dev/null 2>&1
)

running() { [[ -f "$data/PG_VERSION" ]] && run "$PGBIN/pg_ctl" -D "$data" status >/dev/null 2>&1; }

if [[ $cmd == stop ]]; then
    if running; then
        run "$PGBIN/pg_ctl" -D "$data" -m fast -w stop >&2
    else
        log "no server running in $dir"
    fi
    exit 0
fi

mkdir -p "$dir"
chmod 755 "$dir"
exec 9>"$dir.lock"
flock 9

if ! running; then
    if [[ ! -f "$data/PG_VERSION" ]]; then
        rm -rf "$data"
        mkdir -p "$data"
        [[ ${#as_owner[@]} -eq 0 ]] || chown "$owner" "$data" "$dir"
        chmod 700 "$data"
        log "initdb in $data"
        run "$PGBIN/initdb" -D "$data" -A trust -U postgres --encoding=UTF8 --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 ||
            die "initdb failed; see $dir/initdb.log"
    fi
    started=
    for _ in 1 2 3 4 5; do
        port=$(cat "$dir/port" 2>/dev/null || echo $((20000 + RANDOM % 30000)))
        if start_server "$port"; then
            started=yes
            echo "$port" >"$dir/port"
            break
        fi
        log "could not start on port $port (in use?); trying another"
        rm -f "$dir/port"
    done
    [[ -n $started ]] || die "PostgreSQL did not start; see $dir/server.log"
    log "started PostgreSQL ($("$PGBIN/postgres" --version)) on 127.0.0.1:$(cat "$dir/port"), data in $data"
fi
port=$(cat "$dir/port")

# The database the tests connect to first (they create one database per test from there).
psql=$(command -v psql || echo "$PGBIN/psql")
if ! "$psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1; then
    "$psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE $db" >&2
fi
echo "PIPELINE_TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/$db"
