#!/usr/bin/env bash
# A hot standby (streaming replica) of a local PostgreSQL server, in a directory of its own.
#
#   deploy/postgres-replica.sh start DIR PORT   base backup of the primary (pg_basebackup), then start it
#   deploy/postgres-replica.sh stop DIR         stop it and remove DIR
#   deploy/postgres-replica.sh allow-replication  only the pg_hba.conf entry below (CI does it first)
#
# PRIMARY (default postgresql://127.0.0.1:5432/postgres) is the primary, reached as a superuser or a
# role with REPLICATION. If the primary's pg_hba.conf has no `replication` entry for 127.0.0.1, one is
# added (trust, like the machine's other local entries) and the configuration reloaded: that needs
# the right to write pg_hba.conf (root, or the postgres user). As root, the standby runs as `postgres`
# (PostgreSQL refuses to run as root). Used by tests/test_read_replica.py and deploy/stack.sh.
set -euo pipefail

PRIMARY=${PRIMARY:-postgresql://127.0.0.1:5432/postgres}
# Debian keeps pg_ctl out of PATH, in /usr/lib/postgresql/VERSION/bin.
BINDIR=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}

as_server_user() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

primary_sql() { psql "$PRIMARY" -XAtq -v ON_ERROR_STOP=1 -c "$1"; }

allow_replication() {
    local rules
    rules=$(primary_sql "SELECT count(*) FROM pg_hba_file_rules WHERE 'replication' = ANY(database) AND type LIKE 'host%' AND address IN ('127.0.0.1', 'all', '0.0.0.0')")
    [ "$rules" != 0 ] && return 0
    local hba
    hba=$(primary_sql "SHOW hba_file")
    echo "postgres-replica: allowing replication connections from 127.0.0.1 in $hba" >&2
    printf '\n# Added by pb-service deploy/postgres-replica.sh: streaming replicas on this machine.\nhost    replication     all     127.0.0.1/32    trust\n' >> "$hba"
    primary_sql "SELECT pg_reload_conf()" >/dev/null
    sleep 0.5
}

start() {
    local dir=$1 port=$2
    allow_replication
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    chmod 700 "$dir"
    # --no-sync: a throw-away copy need not wait for the disk; -R: standby.signal and primary_conninfo.
    as_server_user "$BINDIR/pg_basebackup" --dbname="$PRIMARY" --pgdata="$dir" --write-recovery-conf \
        --wal-method=stream --checkpoint=fast --no-sync --no-manifest
    # A hot standby needs at least the primary's values of these (PostgreSQL refuses to start otherwise).
    local limits
    limits=$(primary_sql "SELECT string_agg(name || ' = ' || setting, E'\n') FROM pg_settings WHERE name IN
        ('max_connections', 'max_worker_processes', 'max_wal_senders', 'max_prepared_transactions', 'max_locks_per_transaction')")
    as_server_user tee "$dir/postgresql.conf" >/dev/null <<CONF
# pb-service read replica (deploy/postgres-replica.sh); see deploy/postgresql/replica.conf for production.
port = $port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
hot_standby = on
hot_standby_feedback = on
shared_buffers = 32MB
$limits
CONF
    as_server_user tee "$dir/pg_hba.conf" >/dev/null <<CONF
local   all     all                     trust
host    all     all     127.0.0.1/32    trust
CONF
    as_server_user touch "$dir/pg_ident.conf"
    as_server_user "$BINDIR/pg_ctl" --pgdata="$dir" --log="$dir/server.log" --wait --timeout=60 start >/dev/null
    for _ in $(seq 1 100); do
        [ "$(psql "postgresql://127.0.0.1:$port/postgres" -XAtq -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = t ] && return 0
        sleep 0.1
    done
    echo "postgres-replica: the standby on port $port did not start; its log:" >&2
    cat "$dir/server.log" >&2
    return 1
}

stop() {
    local dir=$1
    if [ -f "$dir/postmaster.pid" ]; then
        as_server_user "$BINDIR/pg_ctl" --pgdata="$dir" --mode=immediate --wait stop >/dev/null || true
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) start "$2" "$3" ;;
    stop) stop "$2" ;;
    allow-replication) allow_replication ;;
    *) echo "usage: $0 start DIR PORT | stop DIR | allow-replication" >&2; exit 2 ;;
esac
