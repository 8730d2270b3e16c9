//! The application, run as a user runs it: from another folder, with a URL
//! of each engine. It migrates at start-up, does its own query and exits 0;
//! then the `migrate` command line finds the database up to date with the
//! migrations folder the program was built from.

#[path = "../../../migrate-sqlx/tests/common/mod.rs"]
mod common;

use std::path::Path;
use std::process::{Command, ExitCode};

use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::{BackendExt, Migrator};

fn app(url: &str) -> (i32, String) {
    let elsewhere = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_embedded-app"))
        .arg(url)
        .current_dir(elsewhere.path())
        .output()
        .expect("run the application");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn migrations() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations")
}

/// Runs the application twice, then checks the history with the command
/// line and the library.
async fn runs_and_the_cli_reads_its_history(url: &str, backend: &mut dyn Backend) {
    let (code, out) = app(url);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 note(s)"), "{out}");
    let (code, out) = app(url);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("2 note(s)"),
        "the second start applies nothing new: {out}"
    );

    let history = backend.load_history().await.unwrap();
    let names: Vec<_> = history.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(names, ["0001_notes", "0002_pinned"]);
    let migrator = Migrator::from_dir(migrations());
    assert!(
        migrator.is_up_to_date(backend).await.unwrap(),
        "same checksums as the files"
    );
    let dir = migrations().display().to_string();
    let args: Vec<String> = ["migrate", "--database", url, "--dir", &dir, "--dry-run"]
        .map(String::from)
        .into();
    // A thread of its own: the command line starts its own runtime.
    let code = std::thread::spawn(move || {
        migrate_cli::main_with(
            migrate_cli::Registry::builtin(),
            args.into_iter().map(Into::into),
        )
    })
    .join()
    .unwrap();
    assert_eq!(
        code,
        ExitCode::SUCCESS,
        "the command line accepts the history as its own"
    );
}

#[tokio::test]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("notes.db").display());
    let (code, out) = app("oracle://x");
    assert_eq!(code, 2, "an unknown engine is a usage error: {out}");
    let options = ConnectOptions::default();
    let mut backend = migrate_sqlite::SqliteBackend::connect(&url, &options)
        .await
        .unwrap();
    runs_and_the_cli_reads_its_history(&url, &mut backend).await;
}

#[tokio::test]
async fn postgres() {
    let Some(db) = common::ServerDb::postgres().await else {
        return;
    };
    let options = ConnectOptions::default();
    let mut backend = migrate_postgres::PostgresBackend::connect(&db.url, &options)
        .await
        .unwrap();
    runs_and_the_cli_reads_its_history(&db.url, &mut backend).await;
    Box::new(backend).close().await.unwrap();
}

#[tokio::test]
async fn mysql() {
    let Some(db) = common::ServerDb::mysql().await else {
        return;
    };
    let options = ConnectOptions::default();
    let mut backend = migrate_mysql::MysqlBackend::connect(&db.url, &options)
        .await
        .unwrap();
    runs_and_the_cli_reads_its_history(&db.url, &mut backend).await;
    Box::new(backend).close().await.unwrap();
}
