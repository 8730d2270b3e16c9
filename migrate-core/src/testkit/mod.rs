//! Conformance tests every backend runs against a real database
//! (feature `testkit`).
//!
//! A driver crate calls [`run_all`] from its own `tests/` with a
//! [`Connector`] that opens connections to one scratch database. Each check
//! uses its own history table and object names, so they share the database
//! without seeing each other. Checks that depend on a capability run only
//! when the backend has it, and say so when skipped.
//!
//! Every check panics with a message on failure, as a test should.
//!
//! [`portable`] holds what the drivers' tests of portable migrations share:
//! the fixtures and [`portable::run_ops`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;

use crate::backend::{Backend, BackendExt, ConnectOptions};
use crate::error::Error;
use crate::executor::{RunOptions, Silent, migrate};
use crate::history::{HistoryRecord, RecordState};
use crate::plan::Request;
use crate::source::Source;

pub mod journal;
pub mod portable;

/// Opens connections to the scratch database under test.
#[async_trait]
pub trait Connector: Sync {
    /// A new connection with these options; panics when it cannot connect.
    async fn connect(&self, options: &ConnectOptions) -> Box<dyn Backend>;
}

/// Runs every check, in order.
pub async fn run_all(connector: &dyn Connector) {
    missing_history_is_empty_and_not_created(connector).await;
    history_round_trip(connector).await;
    odd_history_table_name(connector).await;
    lock_is_exclusive(connector).await;
    atomic_failure_leaves_nothing(connector).await;
    journaled_failure_records_partial(connector).await;
    stored_down_statements_are_used(connector).await;
}

fn options(table: &str) -> ConnectOptions {
    ConnectOptions {
        history_table: table.to_string(),
        ..ConnectOptions::default()
    }
}

/// A record with text that tends to break quoting: quotes, backslashes,
/// newlines, non-ASCII.
pub fn sample_record(app: &str, name: &str) -> HistoryRecord {
    HistoryRecord {
        app: app.to_string(),
        name: name.to_string(),
        checksum: "0".repeat(64),
        applied_at: "2026-01-02T03:04:05.678Z".to_string(),
        duration_ms: 42,
        state: RecordState::Applied,
        statements_done: 2,
        statements_total: 2,
        last_error: None,
        up_sql: vec![
            "CREATE TABLE t (note TEXT DEFAULT 'it''s \\ fine')".to_string(),
            "INSERT INTO t VALUES ('line one\nline two, ünïcödé ✓')".to_string(),
        ],
        down_sql: Some(vec!["DROP TABLE t".to_string()]),
        applied_by: Some("kit@host".to_string()),
        tool_version: crate::VERSION.to_string(),
        source_commit: Some("0123abcd".to_string()),
        journal: Vec::new(),
    }
}

/// Reading a history table that does not exist gives an empty history and
/// does not create the table.
pub async fn missing_history_is_empty_and_not_created(connector: &dyn Connector) {
    let mut b = connector.connect(&options("kit_never_created")).await;
    let history = b
        .load_history()
        .await
        .expect("load_history on a missing table");
    assert!(
        history.is_empty(),
        "missing table must read as empty history"
    );
    assert!(
        b.execute("SELECT app FROM kit_never_created")
            .await
            .is_err(),
        "load_history must not create the history table"
    );
}

/// Records written are read back exactly; rewriting replaces; deleting
/// removes; `ensure_history` is idempotent.
pub async fn history_round_trip(connector: &dyn Connector) {
    let mut b = connector.connect(&options("kit_history")).await;
    b.ensure_history().await.expect("ensure_history");
    b.ensure_history().await.expect("ensure_history twice");
    let first = sample_record("patients", "0001_initial");
    let mut second = sample_record("tasks", "0002_x");
    second.down_sql = None;
    second.applied_by = None;
    second.state = RecordState::Partial;
    second.statements_done = 1;
    second.last_error = Some("statement 2 failed: boom 'quoted'".to_string());
    b.write_record(&first).await.expect("write first");
    b.write_record(&second).await.expect("write second");
    assert_eq!(
        sorted(b.load_history().await.unwrap()),
        vec![first.clone(), second.clone()]
    );

    second.state = RecordState::Applied;
    second.statements_done = 2;
    second.last_error = None;
    b.write_record(&second).await.expect("rewrite");
    assert_eq!(
        sorted(b.load_history().await.unwrap()),
        vec![first.clone(), second.clone()]
    );

    b.delete_record("patients", "0001_initial")
        .await
        .expect("delete");
    b.delete_record("patients", "0001_initial")
        .await
        .expect("delete again is no error");
    assert_eq!(b.load_history().await.unwrap(), vec![second]);
}

/// A history table whose name needs quoting works.
pub async fn odd_history_table_name(connector: &dyn Connector) {
    let name = "kit odd \"hist\" `t`";
    let mut b = connector.connect(&options(name)).await;
    b.ensure_history()
        .await
        .expect("ensure_history with an odd name");
    let record = sample_record("app", "0001_a");
    b.write_record(&record)
        .await
        .expect("write with an odd table name");
    assert_eq!(b.load_history().await.unwrap(), vec![record]);
}

/// Only one connection holds the lock; the other times out, then gets it
/// once released.
pub async fn lock_is_exclusive(connector: &dyn Connector) {
    let mut a = connector.connect(&options("kit_lock")).await;
    let mut b = connector.connect(&options("kit_lock")).await;
    a.lock(Duration::from_secs(5)).await.expect("first lock");
    match b.lock(Duration::from_millis(1200)).await {
        Err(Error::LockTimeout { .. }) => {}
        other => panic!("second lock must time out while the first holds it, got {other:?}"),
    }
    a.unlock().await.expect("unlock");
    b.lock(Duration::from_secs(5))
        .await
        .expect("lock after release");
    b.unlock().await.expect("unlock second");
}

/// Writes migration files into a fresh folder and loads them.
pub struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    /// A new empty migrations folder under the system's temp folder.
    pub fn new(tag: &str) -> Scratch {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir =
            std::env::temp_dir().join(format!("migrate-kit-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create scratch migrations folder");
        Scratch { dir }
    }

    /// Writes `migrations/<app>/<file>`.
    pub fn write(&self, app: &str, file: &str, text: &str) -> &Self {
        let dir = self.dir.join(app);
        std::fs::create_dir_all(&dir).expect("create app folder");
        std::fs::write(dir.join(file), text).expect("write migration file");
        self
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Loads the folder for `backend`'s dialect.
    pub fn load(&self, backend: &dyn Backend) -> Source {
        Source::load_for(&self.dir, backend.dialect()).expect("valid scratch source")
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn run(b: &mut dyn Backend, source: &Source, request: Request) -> Result<(), Error> {
    migrate(b, source, &request, &RunOptions::default(), &mut Silent)
        .await
        .map(|_| ())
}

/// On an engine with transactional DDL, a failing statement leaves neither
/// the migration's earlier statements nor a history row.
pub async fn atomic_failure_leaves_nothing(connector: &dyn Connector) {
    let mut b = connector.connect(&options("kit_atomic")).await;
    if !b.dialect().capabilities().transactional_ddl {
        eprintln!("testkit: atomic_failure_leaves_nothing skipped: no transactional DDL");
        return;
    }
    let files = Scratch::new("atomic");
    files.write(
        "kit",
        "0001_fails.sql",
        "-- migrate:up\nCREATE TABLE kit_atomic_t (id INTEGER PRIMARY KEY);\nINSERT INTO kit_no_such_table VALUES (1);\n-- migrate:down\nDROP TABLE kit_atomic_t;\n",
    );
    let source = files.load(b.as_ref());
    match run(b.as_mut(), &source, Request::All).await {
        Err(Error::Statement(f)) if (f.index, f.total) == (2, 2) => {}
        other => panic!("expected statement 2 to fail, got {other:?}"),
    }
    assert!(
        b.load_history().await.unwrap().is_empty(),
        "no history row after a rolled back migration"
    );
    assert!(
        b.execute("SELECT id FROM kit_atomic_t").await.is_err(),
        "the table created by statement 1 must be rolled back"
    );
}

/// A journaled migration that fails at statement 3 leaves a `partial` row
/// with 2 statements done and the error, statements 1-2 in effect, and the
/// next run refuses.
pub async fn journaled_failure_records_partial(connector: &dyn Connector) {
    let mut b = connector.connect(&options("kit_journal")).await;
    let files = Scratch::new("journal");
    files.write(
        "kit",
        "0001_partial.sql",
        "-- migrate:up transaction=false\nCREATE TABLE kit_j1 (id INTEGER PRIMARY KEY);\nCREATE TABLE kit_j2 (id INTEGER PRIMARY KEY);\nINSERT INTO kit_no_such_table VALUES (1);\nCREATE TABLE kit_j3 (id INTEGER PRIMARY KEY);\n-- migrate:down\nDROP TABLE kit_j2;\nDROP TABLE kit_j1;\n",
    );
    let source = files.load(b.as_ref());
    match run(b.as_mut(), &source, Request::All).await {
        Err(Error::Statement(f)) if (f.index, f.total) == (3, 4) => {}
        other => panic!("expected statement 3 of 4 to fail, got {other:?}"),
    }
    let history = b.load_history().await.unwrap();
    assert_eq!(history.len(), 1, "one partial row: {history:?}");
    let row = &history[0];
    assert_eq!(row.state, RecordState::Partial);
    assert_eq!((row.statements_done, row.statements_total), (2, 4));
    let error = row.last_error.as_deref().unwrap_or("");
    assert!(
        error.starts_with("statement 3 failed"),
        "last_error names the statement: {error}"
    );
    b.execute("SELECT id FROM kit_j1")
        .await
        .expect("statement 1 stays applied");
    b.execute("SELECT id FROM kit_j2")
        .await
        .expect("statement 2 stays applied");
    assert!(
        b.execute("SELECT id FROM kit_j3").await.is_err(),
        "statement 4 never ran"
    );
    match run(b.as_mut(), &source, Request::All).await {
        Err(Error::Refused(message)) => assert!(message.contains("partially applied"), "{message}"),
        other => panic!("a partial migration must block the next run, got {other:?}"),
    }
}

/// Unapplying runs the down statements stored at apply time, even after
/// the file's down section changed.
pub async fn stored_down_statements_are_used(connector: &dyn Connector) {
    let mut b = connector.connect(&options("kit_down")).await;
    let files = Scratch::new("down");
    files.write(
        "kit",
        "0001_t.sql",
        "-- migrate:up\nCREATE TABLE kit_down_t (note VARCHAR(50));\n-- migrate:down\nDROP TABLE kit_down_t;\n",
    );
    let source = files.load(b.as_ref());
    run(b.as_mut(), &source, Request::All).await.expect("apply");
    let history = b.load_history().await.unwrap();
    assert_eq!(
        history[0].down_sql,
        Some(vec!["DROP TABLE kit_down_t".to_string()])
    );
    // The file now says something else; what ran must be undone as stored.
    files.write(
        "kit",
        "0001_t.sql",
        "-- migrate:up\nCREATE TABLE kit_down_t (note VARCHAR(50));\n-- migrate:down\nDROP TABLE kit_no_such_table_either;\n",
    );
    let edited = files.load(b.as_ref());
    run(
        b.as_mut(),
        &edited,
        Request::To {
            app: "kit".into(),
            target: "zero".into(),
        },
    )
    .await
    .expect("unapply with the stored down statements");
    assert!(
        b.execute("SELECT note FROM kit_down_t").await.is_err(),
        "table dropped"
    );
    assert!(b.load_history().await.unwrap().is_empty());
}

fn sorted(mut records: Vec<HistoryRecord>) -> Vec<HistoryRecord> {
    records.sort_by(|a, b| (&a.app, &a.name).cmp(&(&b.app, &b.name)));
    records
}
