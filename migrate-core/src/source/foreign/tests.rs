//! Each tool's folder read as it is: recognized, ordered by the tool's
//! rule, with its transaction marker, and its stray files ignored.

use std::path::Path;

use crate::dialect::SqlDialect;
use crate::source::{Layout, Source};

fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("migrations");
    for (rel, text) in files {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    std::fs::create_dir_all(&root).unwrap();
    dir
}

fn read(dir: &Path, layout: Option<Layout>) -> Source {
    let dialect = crate::engines::dialect(SqlDialect::Sqlite).unwrap();
    Source::load_layout(&dir.join("migrations"), dialect, layout).unwrap_or_else(|e| panic!("{e}"))
}

fn names(source: &Source) -> Vec<String> {
    source
        .app("migrations")
        .unwrap_or_default()
        .iter()
        .map(|m| m.name.clone())
        .collect()
}

fn ignored(source: &Source) -> Vec<String> {
    source
        .ignored()
        .iter()
        .map(|(p, why)| format!("{}: {why}", p.file_name().unwrap().to_string_lossy()))
        .collect()
}

#[test]
fn diesel_orders_by_the_version_text() {
    let dir = folder(&[
        (
            "2018-01-14-171611_create_users/up.sql",
            "CREATE TABLE users (id INTEGER);",
        ),
        (
            "2018-01-14-171611_create_users/down.sql",
            "DROP TABLE users;",
        ),
        (
            "20140924113530_first/up.sql",
            "CREATE TABLE a (id INTEGER);",
        ),
        (
            "2026-07-30-140000-0000_last/up.sql",
            "CREATE TABLE c (id INTEGER);",
        ),
        (
            "2024-03-13_170000_mid/up.sql",
            "CREATE TABLE b (id INTEGER);",
        ),
        (
            "2024-03-13_170000_mid/metadata.toml",
            "run_in_transaction = false\n",
        ),
        ("with space_x/up.sql", "CREATE TABLE d (id INTEGER);"),
        ("README.md", "notes"),
    ]);
    let source = read(dir.path(), None);
    assert_eq!(source.layout(), Layout::Diesel);
    // As text: 20140924113530 < 20180114171611 < 20240313 < 202607301400000000
    // < "with space" (numbers would put the 18 digits last and the 8 first).
    assert_eq!(
        names(&source),
        [
            "20140924113530_first",
            "2018-01-14-171611_create_users",
            "2024-03-13_170000_mid",
            "2026-07-30-140000-0000_last",
            "with space_x"
        ]
    );
    let app = source.app("migrations").unwrap();
    assert!(app[1].down.is_some() && app[0].down.is_none());
    assert!(!app[2].up.transaction, "metadata.toml said no transaction");
    assert!(app[1].up.transaction);
    assert_eq!(
        ignored(&source),
        ["README.md: not a diesel migration (a folder with up.sql)"]
    );
    // A target is the name as diesel writes it, or a prefix of it.
    assert_eq!(
        source.resolve("migrations", "2024-03-13").unwrap().name,
        "2024-03-13_170000_mid"
    );
}

#[test]
fn sqlx_orders_by_number_and_reads_no_transaction() {
    let dir = folder(&[
        (
            "9_nine.sql",
            "-- no-transaction\nCREATE TABLE n (id INTEGER);",
        ),
        ("10_ten.up.sql", "CREATE TABLE t (id INTEGER);"),
        ("10_ten.down.sql", "DROP TABLE t;"),
        ("20230101120000_big.sql", "CREATE TABLE b (id INTEGER);"),
        ("notes.txt", "x"),
    ]);
    let source = read(dir.path(), None);
    assert_eq!(source.layout(), Layout::Sqlx);
    assert_eq!(names(&source), ["9_nine", "10_ten", "20230101120000_big"]);
    let app = source.app("migrations").unwrap();
    assert!(!app[0].up.transaction);
    assert!(app[1].up.transaction && app[1].down.is_some());
    assert_eq!(ignored(&source), ["notes.txt: not a sqlx migration"]);
}

#[test]
fn golang_migrate_pairs_up_and_down() {
    let dir = folder(&[
        ("1_init.up.sql", "CREATE TABLE a (id INTEGER);"),
        ("1_init.down.sql", "DROP TABLE a;"),
        ("10_later.up.sql", "CREATE TABLE c (id INTEGER);"),
        ("2_next.up.sql", "CREATE TABLE b (id INTEGER);"),
    ]);
    let source = read(dir.path(), None);
    assert_eq!(source.layout(), Layout::GolangMigrate);
    assert_eq!(names(&source), ["1_init", "2_next", "10_later"]);
}

#[test]
fn flyway_orders_by_version_parts_and_undoes_with_u() {
    let dir = folder(&[
        ("V1__init.sql", "CREATE TABLE a (id INTEGER);"),
        ("V1.10__ten.sql", "CREATE TABLE c (id INTEGER);"),
        ("V1.9__nine.sql", "CREATE TABLE b (id INTEGER);"),
        ("U1.9__nine.sql", "DROP TABLE b;"),
        ("V2_1__two.sql", "CREATE TABLE d (id INTEGER);"),
        ("R__view.sql", "CREATE VIEW v AS SELECT 1;"),
        ("R__another.sql", "CREATE VIEW w AS SELECT 2;"),
        ("R__.sql", "SELECT 3;"),
    ]);
    let source = read(dir.path(), None);
    assert_eq!(source.layout(), Layout::Flyway);
    assert_eq!(
        names(&source),
        ["V1__init", "V1.9__nine", "V1.10__ten", "V2_1__two"]
    );
    let app = source.app("migrations").unwrap();
    assert!(app[1].down.is_some() && app[0].down.is_none());
    // Repeatable ones stand apart, in name order, found by key like any.
    let repeatable: Vec<&str> = source
        .repeatables("migrations")
        .iter()
        .map(|m| m.name.as_str())
        .collect();
    assert_eq!(repeatable, ["R__another", "R__view"]);
    let view = source
        .get(&crate::migration::MigrationKey::new(
            "migrations",
            "R__view",
        ))
        .unwrap();
    assert!(view.repeatable && view.down.is_none());
    assert_eq!(view.up.sql().unwrap(), ["CREATE VIEW v AS SELECT 1"]);
    assert_eq!(
        source.order_number(&view.key()),
        None,
        "no place in the numbered order"
    );
    assert_eq!(ignored(&source), ["R__.sql: not a flyway migration"]);
}

#[test]
fn refinery_reads_sql_only_when_asked() {
    let dir = folder(&[
        ("V1__init.sql", "CREATE TABLE a (id INTEGER);"),
        ("V2__code.rs", "fn migration() -> String { String::new() }"),
        ("V3__more.sql", "CREATE TABLE b (id INTEGER);"),
    ]);
    let source = read(dir.path(), Some(Layout::Refinery));
    assert_eq!(names(&source), ["V1__init", "V3__more"]);
    assert_eq!(
        ignored(&source),
        ["V2__code.rs: a Rust migration: only SQL migrations are read"]
    );
}

#[test]
fn two_migrations_with_one_version_are_refused() {
    let dir = folder(&[
        ("1_a.sql", "CREATE TABLE a (id INTEGER);"),
        ("01_b.sql", "CREATE TABLE b (id INTEGER);"),
    ]);
    let dialect = crate::engines::dialect(SqlDialect::Sqlite).unwrap();
    let err = Source::load_layout(&dir.path().join("migrations"), dialect, None).unwrap_err();
    assert!(
        err.to_string().contains("have the same sqlx version"),
        "{err}"
    );
}

#[test]
fn this_tools_folders_are_read_as_before() {
    let dir = folder(&[("app/0001_a.sql", "CREATE TABLE a (id INTEGER);")]);
    let dialect = crate::engines::dialect(SqlDialect::Sqlite).unwrap();
    let source = Source::load_layout(&dir.path().join("migrations"), dialect, None).unwrap();
    assert_eq!(source.layout(), Layout::Migrate);
    assert_eq!(source.app("app").unwrap().len(), 1);
}
