//! A binary with an engine of its own: a third party registers it in a few
//! lines and gets the whole command line, no fork. Here the engine is the
//! in-tree SQLite backend under a scheme of its own, `kit:`.

use std::process::ExitCode;

use async_trait::async_trait;
use migrate_cli::{Engine, Registry};
use migrate_core::backend::{Backend, ConnectOptions, Dialect};

/// The third party's engine.
struct Kit;

#[async_trait]
impl Engine for Kit {
    fn schemes(&self) -> &[&'static str] {
        &["kit"]
    }
    fn dialect(&self) -> &dyn Dialect {
        &migrate_sqlite::SqliteDialect
    }
    async fn connect(
        &self,
        url: &str,
        options: &ConnectOptions,
    ) -> migrate_core::Result<Box<dyn Backend>> {
        let sqlite_url = url.replacen("kit:", "sqlite:", 1);
        let backend = migrate_sqlite::SqliteBackend::connect(&sqlite_url, options).await?;
        Ok(Box::new(backend))
    }
}

fn run(registry: Registry, args: &[&str]) -> ExitCode {
    let args = std::iter::once("migrate").chain(args.iter().copied());
    migrate_cli::main_with(registry, args.map(Into::into))
}

#[test]
fn a_registered_engine_runs_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir_all(migrations.join("app")).unwrap();
    std::fs::write(
        migrations.join("app/0001_t.sql"),
        "-- migrate:up\nCREATE TABLE t (id INTEGER);\n-- migrate:down\nDROP TABLE t;\n",
    )
    .unwrap();
    let db = dir.path().join("kit.db");
    let url = format!("kit:{}", db.display());
    let dir_arg = migrations.display().to_string();
    let common = ["--database", url.as_str(), "--dir", dir_arg.as_str()];
    let kit = || Registry::builtin().with(Kit);

    assert_eq!(run(kit(), &common), ExitCode::SUCCESS);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let applied: i64 = conn
        .query_row(
            "SELECT count(*) FROM migrate_history WHERE app = 'app'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        applied, 1,
        "the history is written through the registered engine"
    );
    conn.execute("INSERT INTO t VALUES (1)", [])
        .expect("the table exists");

    let status = [&common[..], &["status"]].concat();
    assert_eq!(run(kit(), &status), ExitCode::SUCCESS);
    let back = [&common[..], &["app", "zero"]].concat();
    assert_eq!(run(kit(), &back), ExitCode::SUCCESS);
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = 't'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 0, "unapplied through the registered engine");

    // Without the registration, the stock binary refuses the scheme.
    assert_eq!(run(Registry::builtin(), &common), ExitCode::from(2));
}
