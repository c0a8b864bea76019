#!/usr/bin/env bash
# Back up a demo database with pg_dump, restore it into a new database with pg_restore, and check
# that the restore is whole: every table has the same rows, row-level security is still on, and
# every published result recounts from the restored ballots to the same digest
# (`flask pb results verify`), also after `flask pb purge` has erased the voter identity hashes
# (and a second purge erases nothing). See docs/operations.md. Run with `make backup-check`.
#
#   PB_BACKUP_SERVER_URL  PostgreSQL server to use (default postgresql://127.0.0.1); the user needs
#                         CREATEDB. Two throw-away databases are created there and dropped at the end.
#   KEEP=1                keep the databases and the dump (their names are printed).
set -euo pipefail

SERVER=${PB_BACKUP_SERVER_URL:-postgresql://127.0.0.1}
SERVER=${SERVER%/}
BIN=${BIN:-.venv/bin}
STAMP=$(date -u +%Y%m%d%H%M%S)_$$
SOURCE=pb_backup_demo_$STAMP
TARGET=pb_backup_restored_$STAMP
WORK=$(mktemp -d /tmp/pb-backup-check.XXXXXX)
DUMP=$WORK/$SOURCE.dump
export FLASK_APP=wsgi

cleanup() {
    if [ "${KEEP:-0}" = 1 ]; then
        echo "kept: databases $SOURCE and $TARGET, dump $DUMP"
        return
    fi
    dropdb --if-exists --force --maintenance-db="$SERVER/postgres" "$SOURCE" || true
    dropdb --if-exists --force --maintenance-db="$SERVER/postgres" "$TARGET" || true
    rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

table_counts() {
    # Every table's row count, as the superuser or owner sees them (row-level security does not hide rows from them).
    psql -X -q -A -t -d "$SERVER/$1" -c "
        SELECT 'SELECT t, n FROM (' || string_agg(format('SELECT %L AS t, count(*) AS n FROM %I', tablename, tablename), ' UNION ALL ')
               || ') AS counts ORDER BY t'
        FROM pg_tables WHERE schemaname = 'public'" | psql -X -q -A -t -F ' ' -d "$SERVER/$1"
}

step "1. a demo database: $SOURCE"
createdb --maintenance-db="$SERVER/postgres" "$SOURCE"
DATABASE_URL="$SERVER/$SOURCE" "$BIN/flask" db upgrade 2>&1 | tail -n 1
DATABASE_URL="$SERVER/$SOURCE" "$BIN/flask" pb demo > "$WORK/demo.log"
echo "demo loaded ($(wc -l < "$WORK/demo.log") lines of output)"
DATABASE_URL="$SERVER/$SOURCE" "$BIN/flask" pb results verify > "$WORK/verify-source.txt"
tail -n 1 "$WORK/verify-source.txt"

step "2. pg_dump (custom format)"
pg_dump --format=custom --file="$DUMP" "$SERVER/$SOURCE"
echo "$(basename "$DUMP"): $(du -h "$DUMP" | cut -f1), $(pg_restore --list "$DUMP" | grep -vc '^;') objects"

step "3. pg_restore into a new database: $TARGET"
createdb --maintenance-db="$SERVER/postgres" "$TARGET"
pg_restore --exit-on-error --dbname="$SERVER/$TARGET" "$DUMP"
echo "restored"

step "4. the same rows in every table"
table_counts "$SOURCE" > "$WORK/counts-source.txt"
table_counts "$TARGET" > "$WORK/counts-target.txt"
if diff -u "$WORK/counts-source.txt" "$WORK/counts-target.txt"; then
    echo "$(wc -l < "$WORK/counts-target.txt") tables, $(awk '{s += $2} END {print s}' "$WORK/counts-target.txt") rows: identical"
    grep -E '^(ballot|voter_record|result_count|pool_result|project_result|proposal|municipality) ' "$WORK/counts-target.txt" | sed 's/^/  /'
else
    echo "FAILED: the restored tables differ"; exit 1
fi

step "5. row-level security restored"
psql -X -q -A -t -d "$SERVER/$TARGET" -c "
    SELECT count(*) FILTER (WHERE c.relrowsecurity) || ' tables with row-level security, ' ||
           (SELECT count(*) FROM pg_policies WHERE schemaname = 'public') || ' policies'
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"

step "6. every published result recounts to the same digest (flask pb results verify, restored database)"
DATABASE_URL="$SERVER/$TARGET" "$BIN/flask" pb results verify | tee "$WORK/verify-target.txt"
if diff -u "$WORK/verify-source.txt" "$WORK/verify-target.txt" > /dev/null; then
    echo "the same lines as before the backup"
else
    echo "FAILED: the recount differs from the one before the backup"; exit 1
fi
step "7. the daily purge on the restored database, then the recount again"
DATABASE_URL="$SERVER/$TARGET" "$BIN/flask" pb purge
psql -X -q -A -t -d "$SERVER/$TARGET" -c "SELECT count(*) || ' voter identity hashes left, ' || (SELECT count(*) FROM ballot) || ' ballots' FROM voter_record WHERE identity_hash IS NOT NULL"
DATABASE_URL="$SERVER/$TARGET" "$BIN/flask" pb results verify > "$WORK/verify-purged.txt"
if diff -u "$WORK/verify-source.txt" "$WORK/verify-purged.txt" > /dev/null; then
    tail -n 1 "$WORK/verify-purged.txt"
else
    cat "$WORK/verify-purged.txt"; echo "FAILED: the recount differs after the purge"; exit 1
fi
DATABASE_URL="$SERVER/$TARGET" "$BIN/flask" pb purge | tail -n 1
echo
echo "Backup and restore check passed."
