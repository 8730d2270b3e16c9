#!/usr/bin/env bash
# How long `migrate check` takes against applying and unapplying the same
# migrations once, on the clinic example and on 200 generated migrations of
# 5 statements, per engine (SQLite always; PostgreSQL and MariaDB when
# MIGRATE_TEST_POSTGRES_URL / MIGRATE_TEST_MYSQL_URL name a server).
# Prints the median of ROUNDS runs of each and the ratio; asserts nothing.
#
#   scripts/bench-check.sh            (builds the release binary first)
#   MIGRATE_BIN=target/debug/migrate ROUNDS=3 scripts/bench-check.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
if [ -z "${MIGRATE_BIN:-}" ]; then
    cargo build --release -q -p migrate-cli --bin migrate
    MIGRATE_BIN=$PWD/target/release/migrate
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 200 migrations of 5 statements each, as the apply benchmark writes them.
mkdir -p "$work/set200/bench"
for i in $(seq 0 199); do
    printf -- "-- migrate:up\nCREATE TABLE t%d (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, n INTEGER);\nCREATE INDEX t%d_name ON t%d (name);\nINSERT INTO t%d (id, name, n) VALUES (1, 'a', 1), (2, 'b', 2), (3, 'c', 3);\nALTER TABLE t%d ADD COLUMN note VARCHAR(100);\nUPDATE t%d SET note = name;\n-- migrate:down\nDROP TABLE t%d;\n" \
        "$i" "$i" "$i" "$i" "$i" "$i" "$i" > "$work/set200/bench/$(printf %04d $((i + 1)))_m$i.sql"
done
cp -r examples/clinic/migrations "$work/clinic"

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# fresh_db ENGINE: prints a URL of a new empty database.
fresh_db() {
    local name="bench_check_$$_$RANDOM"
    case $1 in
        sqlite) echo "sqlite://$work/$name.db" ;;
        postgres)
            psql "$MIGRATE_TEST_POSTGRES_URL" -qc "CREATE DATABASE $name" >/dev/null
            echo "${MIGRATE_TEST_POSTGRES_URL%/*}/$name" ;;
        mysql)
            local hostpart=${MIGRATE_TEST_MYSQL_URL#mysql://}
            mariadb -h "$(echo "$hostpart" | sed 's/.*@//; s/:.*//; s/\/.*//')" -u root -e "CREATE DATABASE $name"
            echo "${MIGRATE_TEST_MYSQL_URL%/}/$name" ;;
    esac
}

# apply_unapply DIR URL: every app to latest, then every app to zero.
apply_unapply() {
    local dir=$1 url=$2
    "$MIGRATE_BIN" --dir "$dir" --database "$url" >/dev/null 2>&1
    for app in $(ls "$dir" | sort -r); do
        "$MIGRATE_BIN" "$app" zero --dir "$dir" --database "$url" >/dev/null 2>&1
    done
}

engines="sqlite"
[ -n "${MIGRATE_TEST_POSTGRES_URL:-}" ] && engines="$engines postgres"
[ -n "${MIGRATE_TEST_MYSQL_URL:-}" ] && engines="$engines mysql"
printf "migrate check vs apply + unapply once, median of %s rounds (%s cores, %s)\n" "$ROUNDS" "$(nproc)" "$(date -u +%F)"
printf "%-9s %-8s %12s %12s %7s\n" engine set apply+undo check ratio
for engine in $engines; do
    for set in clinic set200; do
        applied=(); checked=()
        for _ in $(seq "$ROUNDS"); do
            url=$(fresh_db "$engine")
            t0=$(now); apply_unapply "$work/$set" "$url"; t1=$(now)
            applied+=($(( (t1 - t0) / 1000000 )))
            url=$(fresh_db "$engine")
            t0=$(now); "$MIGRATE_BIN" check --dir "$work/$set" --database "$url" >/dev/null 2>&1 || true; t1=$(now)
            checked+=($(( (t1 - t0) / 1000000 )))
        done
        a=$(printf "%s\n" "${applied[@]}" | median)
        c=$(printf "%s\n" "${checked[@]}" | median)
        printf "%-9s %-8s %10sms %10sms %6.2fx\n" "$engine" "$set" "$a" "$c" "$(echo "$c / $a" | bc -l)"
    done
done
