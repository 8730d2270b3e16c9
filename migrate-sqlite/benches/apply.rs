//! How much applying migrations with `migrate` costs over running the same
//! statements directly, one transaction per migration (what the `sqlite3`
//! shell does with a script per migration). Both run in this process on a
//! fresh database file, several times; the best time of each is compared.
//!
//! `cargo bench -p migrate-sqlite` (it prints, it does not assert).

use std::path::Path;
use std::time::{Duration, Instant};

use migrate_core::backend::ConnectOptions;
use migrate_core::executor::{RunOptions, Silent, migrate};
use migrate_core::plan::Request;
use migrate_core::{Backend, Source};
use migrate_sqlite::{SqliteBackend, SqliteDialect};

const MIGRATIONS: usize = 200;
const ROUNDS: usize = 10;

fn statements(i: usize) -> Vec<String> {
    vec![
        format!(
            "CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL, n INTEGER)"
        ),
        format!("CREATE INDEX t{i}_name ON t{i} (name)"),
        format!("INSERT INTO t{i} (name, n) VALUES ('a', 1), ('b', 2), ('c', 3)"),
        format!("ALTER TABLE t{i} ADD COLUMN note TEXT"),
        format!("UPDATE t{i} SET note = name || '!'"),
    ]
}

fn write_source(dir: &Path) {
    let app = dir.join("bench");
    std::fs::create_dir_all(&app).unwrap();
    for i in 0..MIGRATIONS {
        let up = statements(i).join(";\n");
        std::fs::write(
            app.join(format!("{:04}_m{i}.sql", i + 1)),
            format!("-- migrate:up\n{up};\n-- migrate:down\nDROP TABLE t{i};\n"),
        )
        .unwrap();
    }
}

/// The baseline: the statements straight through rusqlite, one
/// transaction per migration.
fn direct(db: &Path) -> Duration {
    let started = Instant::now();
    let conn = rusqlite::Connection::open(db).unwrap();
    for i in 0..MIGRATIONS {
        let mut script = String::from("BEGIN;\n");
        for sql in statements(i) {
            script.push_str(&sql);
            script.push_str(";\n");
        }
        script.push_str("COMMIT;");
        conn.execute_batch(&script).unwrap();
    }
    started.elapsed()
}

/// The tool: read the folder, connect, lock, load the history, plan, and
/// apply each migration with its history row, as `migrate` does.
fn tool(runtime: &tokio::runtime::Runtime, migrations: &Path, db: &Path) -> Duration {
    runtime.block_on(async {
        let started = Instant::now();
        let source = Source::load_for(migrations, &SqliteDialect).unwrap();
        let url = format!("sqlite://{}", db.display());
        let mut backend = SqliteBackend::connect(&url, &ConnectOptions::default())
            .await
            .unwrap();
        let reports = migrate(
            &mut backend,
            &source,
            &Request::All,
            &RunOptions::default(),
            &mut Silent,
        )
        .await
        .unwrap();
        assert_eq!(reports.len(), MIGRATIONS);
        Box::new(backend).close().await.unwrap();
        started.elapsed()
    })
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    write_source(&migrations);
    let mut best_direct = Duration::MAX;
    let mut best_tool = Duration::MAX;
    let mut best_read = Duration::MAX;
    for round in 0..ROUNDS {
        let started = Instant::now();
        Source::load_for(&migrations, &SqliteDialect).unwrap();
        best_read = best_read.min(started.elapsed());
        let a = dir.path().join(format!("direct{round}.db"));
        let b = dir.path().join(format!("tool{round}.db"));
        best_direct = best_direct.min(direct(&a));
        best_tool = best_tool.min(tool(&runtime, &migrations, &b));
    }
    let ratio = best_tool.as_secs_f64() / best_direct.as_secs_f64();
    println!("{MIGRATIONS} migrations of 5 statements, best of {ROUNDS} rounds:");
    println!("  direct (rusqlite, one transaction per migration): {best_direct:?}");
    println!("  migrate (source, lock, history, plan, apply):     {best_tool:?}");
    println!("  ratio: {ratio:.2}x");
    println!(
        "  of which reading and splitting the {MIGRATIONS} files: {best_read:?} ({:.0}% of the difference)",
        100.0 * best_read.as_secs_f64()
            / (best_tool.as_secs_f64() - best_direct.as_secs_f64()).max(1e-9)
    );
}
