//! `migrate-core/tests/fixtures/check`: a folder of migrations that shows
//! every kind of finding, read for each engine as `migrate check` reads it.

use super::*;
use crate::check::analyze_source;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/check")
}

/// One line per migration: `app:name failure rollback`, then its findings
/// as `line code severity`.
fn summary(engine: SqlDialect) -> Vec<String> {
    let d = dialect(engine).unwrap();
    let source = Source::load_for(&fixtures(), d).unwrap_or_else(|e| panic!("{e}"));
    analyze_source(&source, d)
        .into_iter()
        .map(|m| {
            let r = &m.report;
            let mut line = format!(
                "{} {} {}",
                m.key,
                serde_json::to_value(r.failure).unwrap().as_str().unwrap(),
                serde_json::to_value(r.rollback).unwrap().as_str().unwrap()
            );
            for f in found(r) {
                line.push_str(&format!(" [{f}]"));
            }
            line
        })
        .collect()
}

#[test]
fn the_fixture_folder_on_sqlite() {
    assert_eq!(
        summary(SQLITE),
        [
            "catalog:0001_items atomic reversible",
            "catalog:0002_short_label atomic lossy [3 lossy warning]",
            "catalog:0003_seed atomic reversible",
            "shop:0001_users atomic reversible",
            "shop:0002_orders atomic reversible",
            "shop:0003_drop_placed_at atomic lossy [2 lossy warning]",
            "shop:0004_backfill atomic empty-down [- empty-down error]",
            "shop:0005_orders_total atomic reversible",
            "shop:0006_purge atomic irreversible [- irreversible warning]",
        ]
    );
}

#[test]
fn the_fixture_folder_on_postgres() {
    assert_eq!(
        summary(POSTGRES),
        [
            "catalog:0001_items atomic reversible",
            "catalog:0002_short_label atomic lossy [3 lossy warning]",
            "catalog:0003_seed atomic reversible",
            "shop:0001_users atomic reversible [2 not-portable error] [6 not-portable error]",
            "shop:0002_orders atomic reversible",
            "shop:0003_drop_placed_at atomic lossy [2 lossy warning]",
            "shop:0004_backfill atomic empty-down [- empty-down error]",
            "shop:0005_orders_total no-transaction reversible",
            "shop:0006_purge atomic irreversible [- irreversible warning]",
        ]
    );
}

#[test]
fn the_fixture_folder_on_mysql() {
    assert_eq!(
        summary(MYSQL),
        [
            "catalog:0001_items journaled reversible",
            "catalog:0002_short_label journaled lossy [3 lossy warning] [3 table-rewrite warning]",
            "catalog:0003_seed atomic reversible",
            "shop:0001_users journaled reversible [2 not-portable error] [6 no-inverse warning] [6 not-portable error]",
            "shop:0002_orders journaled reversible",
            "shop:0003_drop_placed_at journaled lossy [2 lossy warning]",
            "shop:0004_backfill atomic empty-down [- empty-down error]",
            "shop:0005_orders_total journaled reversible",
            "shop:0006_purge atomic irreversible [- irreversible warning]",
        ]
    );
}
