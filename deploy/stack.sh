#!/usr/bin/env bash
# The production stack on this machine: nginx in front of two gunicorn app servers, the job worker,
# the local PostgreSQL as primary plus a streaming replica (a second cluster on another port), and
# the local Redis. The same configuration files as production (deploy/, docs/operations.md).
#
#   deploy/stack.sh up      start everything (a new database STACK_DATABASE, migrated, demo data)
#   deploy/stack.sh smoke   the smoke test, through nginx (deploy/smoke.py)
#   deploy/stack.sh down    stop everything, remove the replica and the database
#   deploy/stack.sh status  what runs
#
# `make stack-smoke` runs up, smoke and down. Needs: PostgreSQL on 127.0.0.1:5432 (trust), Redis on
# 127.0.0.1:6379, nginx and pg_basebackup (Debian packages nginx, postgresql-client), `make setup`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=${BIN:-$ROOT/.venv/bin}
STACK_DIR=${STACK_DIR:-$ROOT/instance/stack}
STACK_DATABASE=${STACK_DATABASE:-pb_stack}
PRIMARY_SERVER=${PRIMARY_SERVER:-postgresql://127.0.0.1:5432}
NGINX_PORT=${NGINX_PORT:-8480}
APP_PORTS=${APP_PORTS:-"8481 8482"}
REPLICA_PORT=${REPLICA_PORT:-5481}
REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
# The replica is a copy of the whole local server: in memory where there is room (faster), else on disk.
if [ -z "${REPLICA_DIR:-}" ]; then
    if [ -d /dev/shm ] && [ "$(df -Pk /dev/shm | awk 'NR == 2 {print $4}')" -gt 4194304 ]; then
        REPLICA_DIR=/dev/shm/pb-stack-replica-$(echo "$ROOT" | md5sum | cut -c1-8)
    else
        REPLICA_DIR=$STACK_DIR/replica
    fi
fi

log() { echo "stack: $*" >&2; }

app_environment() {
    export FLASK_APP=wsgi
    export DATABASE_URL=$PRIMARY_SERVER/$STACK_DATABASE
    export DATABASE_REPLICA_URL=postgresql://127.0.0.1:$REPLICA_PORT/$STACK_DATABASE
    # Rate limits and the job queue share the local Redis, each under its own prefix.
    export REDIS_URL RATELIMIT_STORAGE_URI=$REDIS_URL RATELIMIT_KEY_PREFIX=pb-stack JOBS_BROKER_URL=$REDIS_URL JOBS_NAMESPACE=pb-stack
    export TRUSTED_PROXIES=1 MAIL_BACKEND=console
    # Plain HTTP on this machine: development cookies (production's are HTTPS-only), real secrets.
    export PB_ENV=development
    export SECRET_KEY=$(cat "$STACK_DIR/secret_key") VOTER_SECRET=$(cat "$STACK_DIR/voter_secret")
    export SERVER_NAME_FOR_MAIL=http://127.0.0.1:$NGINX_PORT
}

server_sql() { psql "$PRIMARY_SERVER/postgres" -XAtq -v ON_ERROR_STOP=1 -c "$1" >/dev/null; }

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for_url() {
    for _ in $(seq 1 120); do
        "$BIN/python" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" 2>/dev/null && return 0
        sleep 0.5
    done
    log "$1 did not answer in 60 s"; return 1
}

render() {  # render TEMPLATE OUTPUT NAME=VALUE...
    local template=$1 output=$2; shift 2
    cp "$template" "$output"
    for pair in "$@"; do
        local name=${pair%%=*} value=${pair#*=}
        python3 - "$output" "@$name@" "$value" <<'PY'
import sys
path, key, value = sys.argv[1:]
text = open(path).read().replace(key, value)
open(path, "w").write(text)
PY
    done
}

up() {
    for port in $NGINX_PORT $APP_PORTS $REPLICA_PORT; do
        port_free "$port" || { log "port $port is taken (another stack? deploy/stack.sh down)"; exit 1; }
    done
    mkdir -p "$STACK_DIR/nginx-tmp"
    for secret in secret_key voter_secret; do
        [ -s "$STACK_DIR/$secret" ] || python3 -c 'import secrets; print(secrets.token_urlsafe(48))' > "$STACK_DIR/$secret"
    done
    app_environment

    log "database $STACK_DATABASE on the primary ($PRIMARY_SERVER): migrations, demo data"
    # A new database each time: its secrets (second factors) are sealed with this clone's SECRET_KEY.
    server_sql "DROP DATABASE IF EXISTS $STACK_DATABASE WITH (FORCE)"
    server_sql "CREATE DATABASE $STACK_DATABASE"
    DATABASE_REPLICA_URL= "$BIN/flask" db upgrade >/dev/null 2>"$STACK_DIR/migrate.log" || { cat "$STACK_DIR/migrate.log" >&2; exit 1; }
    DATABASE_REPLICA_URL= "$BIN/flask" pb demo >"$STACK_DIR/demo.log"

    log "replica: pg_basebackup of the primary into $REPLICA_DIR, hot standby on port $REPLICA_PORT"
    PRIMARY=$PRIMARY_SERVER/postgres deploy/postgres-replica.sh start "$REPLICA_DIR" "$REPLICA_PORT"
    echo "$REPLICA_DIR" > "$STACK_DIR/replica_dir"

    for port in $APP_PORTS; do
        log "app server on 127.0.0.1:$port (deploy/gunicorn.conf.py)"
        PB_BIND=127.0.0.1:$port PB_WORKERS=2 PB_THREADS=4 PB_PROC_NAME=pb-stack-$port \
            PB_ACCESS_LOG=$STACK_DIR/app-$port.log PB_ERROR_LOG=$STACK_DIR/app-$port-error.log \
            "$BIN/gunicorn" -c deploy/gunicorn.conf.py --daemon --pid "$STACK_DIR/app-$port.pid" wsgi:app
    done

    if "$BIN/flask" pb worker --help >/dev/null 2>&1; then
        log "job worker (flask pb worker)"
        nohup "$BIN/flask" pb worker >"$STACK_DIR/worker.log" 2>&1 &
        echo $! > "$STACK_DIR/worker.pid"
    else
        log "no job worker: this version has no 'flask pb worker' (jobs run in-process)"
    fi

    local servers=""
    for port in $APP_PORTS; do servers="${servers}server 127.0.0.1:$port max_fails=3 fail_timeout=10s; "; done
    render deploy/nginx/pb-service.conf "$STACK_DIR/pb-service.conf" \
        "APP_SERVERS=$servers" "LISTEN=127.0.0.1:$NGINX_PORT" "SERVER_NAME=127.0.0.1" "STATIC_ROOT=$ROOT/static"
    # As root, nginx's workers run as root too here: they read static/ wherever the clone is.
    render deploy/nginx/stack-nginx.conf "$STACK_DIR/nginx.conf" "STACK_DIR=$STACK_DIR" \
        "USER=$([ "$(id -u)" = 0 ] && echo 'user root;' || echo '')"
    log "nginx on 127.0.0.1:$NGINX_PORT"
    nginx -p "$STACK_DIR" -c "$STACK_DIR/nginx.conf" -e "$STACK_DIR/nginx-error.log"

    for port in $APP_PORTS; do wait_for_url "http://127.0.0.1:$port/healthz"; done
    wait_for_url "http://127.0.0.1:$NGINX_PORT/healthz"
    log "up: http://127.0.0.1:$NGINX_PORT (demo accounts in $STACK_DIR/demo.log)"
}

smoke() {
    app_environment
    local worker_pid=""
    [ -f "$STACK_DIR/worker.pid" ] && worker_pid=$(cat "$STACK_DIR/worker.pid")
    "$BIN/python" deploy/smoke.py --base-url "http://127.0.0.1:$NGINX_PORT" \
        --app-logs $(for port in $APP_PORTS; do echo "$STACK_DIR/app-$port.log"; done) \
        --replica "postgresql://127.0.0.1:$REPLICA_PORT/postgres" --database "$STACK_DATABASE" \
        --redis "$REDIS_URL" --rate-limit-prefix pb-stack ${worker_pid:+--worker-pid "$worker_pid"}
}

stop_pid_file() {
    local file=$1
    [ -f "$file" ] || return 0
    local pid
    pid=$(cat "$file")
    if kill -0 "$pid" 2>/dev/null; then
        kill "$pid"
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    fi
    rm -f "$file"
}

down() {
    [ -f "$STACK_DIR/nginx.pid" ] && nginx -p "$STACK_DIR" -c "$STACK_DIR/nginx.conf" -e "$STACK_DIR/nginx-error.log" -s quit 2>/dev/null || true
    stop_pid_file "$STACK_DIR/worker.pid"
    for port in $APP_PORTS; do stop_pid_file "$STACK_DIR/app-$port.pid"; done
    stop_pid_file "$STACK_DIR/nginx.pid"
    if [ -f "$STACK_DIR/replica_dir" ]; then
        deploy/postgres-replica.sh stop "$(cat "$STACK_DIR/replica_dir")"
        rm -f "$STACK_DIR/replica_dir"
    fi
    server_sql "DROP DATABASE IF EXISTS $STACK_DATABASE WITH (FORCE)" || true
    log "down (database $STACK_DATABASE dropped)"
}

status() {
    for name in nginx worker $(for port in $APP_PORTS; do echo "app-$port"; done); do
        if [ -f "$STACK_DIR/$name.pid" ] && kill -0 "$(cat "$STACK_DIR/$name.pid")" 2>/dev/null; then
            echo "$name: running (pid $(cat "$STACK_DIR/$name.pid"))"
        else
            echo "$name: not running"
        fi
    done
    psql "postgresql://127.0.0.1:$REPLICA_PORT/postgres" -XAtqc "SELECT 'replica: running, in recovery: ' || pg_is_in_recovery()" 2>/dev/null || echo "replica: not running"
}

case "${1:-}" in
    up) up ;;
    smoke) smoke ;;
    down) down ;;
    status) status ;;
    *) echo "usage: $0 up|smoke|down|status" >&2; exit 2 ;;
esac
