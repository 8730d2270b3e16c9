#!/usr/bin/env bash
# How many SQLite databases per second one `migrate` run brings up to date
# at each --jobs: TENANTS new database files, MIGRATIONS migrations of 5
# statements each, all named in one --databases file. Prints databases per
# second at --jobs 1, 2, 4 and 8 and the ratio to --jobs 1; stops when a
# run does not exit 0 or a database does not report every migration
# applied.
#
#   scripts/bench-fanout.sh                 (builds the release binary first)
#   TENANTS=200 MIGRATE_BIN=target/debug/migrate scripts/bench-fanout.sh
set -euo pipefail
cd "$(dirname "$0")/.."
TENANTS=${TENANTS:-1000}
MIGRATIONS=${MIGRATIONS:-20}
JOBS=${JOBS:-"1 2 4 8"}
if [ -z "${MIGRATE_BIN:-}" ]; then
    cargo build --release -q -p migrate-cli --bin migrate
    MIGRATE_BIN=$PWD/target/release/migrate
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/migrations/bench"
for i in $(seq 0 $((MIGRATIONS - 1))); do
    printf -- "-- migrate:up\nCREATE TABLE t%d (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, n INTEGER);\nCREATE INDEX t%d_name ON t%d (name);\nINSERT INTO t%d (id, name, n) VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3);\nALTER TABLE t%d ADD COLUMN note VARCHAR(100);\nUPDATE t%d SET note = name;\n-- migrate:down\nDROP TABLE t%d;\n" \
        "$i" "$i" "$i" "$i" "$i" "$i" "$i" > "$work/migrations/bench/$(printf %04d $((i + 1)))_m$i.sql"
done

now() { date +%s%N; }

printf "%s SQLite databases x %s migrations, one run each (%s cores, %s)\n" \
    "$TENANTS" "$MIGRATIONS" "$(nproc)" "$(date -u +%F)"
printf "%-6s %10s %10s %8s\n" jobs seconds "dbs/s" ratio
base=""
for jobs in $JOBS; do
    tenants="$work/tenants-$jobs"
    mkdir -p "$tenants"
    list="$work/tenants-$jobs.txt"
    echo "# $TENANTS tenants" > "$list"
    for i in $(seq 1 "$TENANTS"); do
        echo "sqlite://$tenants/t$i.db" >> "$list"
    done
    start=$(now)
    "$MIGRATE_BIN" --dir "$work/migrations" --databases "$list" --jobs "$jobs" \
        > "$work/out-$jobs.txt" 2> "$work/err-$jobs.txt" || {
        echo "the run at --jobs $jobs failed:" >&2
        tail -5 "$work/out-$jobs.txt" "$work/err-$jobs.txt" >&2
        exit 1
    }
    end=$(now)
    summary=$(tail -1 "$work/out-$jobs.txt")
    if [ "$summary" != "$TENANTS ok, 0 failed, 0 skipped" ]; then
        echo "unexpected summary at --jobs $jobs: $summary" >&2
        exit 1
    fi
    applied=$(grep -c ": $MIGRATIONS applied (" "$work/out-$jobs.txt" || true)
    if [ "$applied" != "$TENANTS" ]; then
        echo "only $applied of $TENANTS databases report $MIGRATIONS applied at --jobs $jobs" >&2
        exit 1
    fi
    rate=$(awk -v n="$TENANTS" -v s="$start" -v e="$end" 'BEGIN {printf "%.1f", n / ((e - s) / 1e9)}')
    secs=$(awk -v s="$start" -v e="$end" 'BEGIN {printf "%.2f", (e - s) / 1e9}')
    [ -z "$base" ] && base=$rate
    ratio=$(awk -v r="$rate" -v b="$base" 'BEGIN {printf "%.2fx", r / b}')
    printf "%-6s %10s %10s %8s\n" "$jobs" "$secs" "$rate" "$ratio"
    rm -rf "$tenants"
done
