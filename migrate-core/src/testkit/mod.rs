//! The conformance suite every backend runs against a real database
//! (feature `testkit`), and helpers for a backend's own tests.
//!
//! A backend's test file expands [`crate::conformance_tests!`] once, naming
//! an async function that returns its [`Connector`] and the capabilities it
//! claims. The macro writes one `#[test]` per check, so each check passes or
//! fails on its own, under its own name; a check that needs a capability the
//! backend does not claim is `#[ignore]`d, and shows as skipped in the test
//! list. [`checks::declared_capabilities_match`] keeps the claims honest.
//!
//! Every check uses object and history-table names of its own, made unique
//! per run ([`Kit`]), so checks run in parallel on one database and the
//! suite reruns on the same database. Every check panics with a message on
//! failure, as a test should.
//!
//! [`journal`], [`portable`] and [`schema`] hold what the drivers' own
//! tests of their statement journal, portable renderer and inspection
//! share.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use crate::backend::{Backend, ConnectOptions};
use crate::error::Error;
use crate::history::{HistoryRecord, RecordState, Value};
use crate::source::Source;

pub mod checks;
pub mod counting;
pub mod journal;
pub mod mutants;
pub mod portable;
pub mod schema;

/// Opens connections to the database under test.
#[async_trait]
pub trait Connector: Send + Sync {
    /// A new connection with these options.
    async fn connect(&self, options: &ConnectOptions) -> Result<Box<dyn Backend>, Error>;

    /// A connection to the same database through another backend of the
    /// same engine (the in-tree driver for a third-party backend, and the
    /// other way round), for the checks that two backends exclude each
    /// other. `None` when there is none; the test then claims `peer = false`.
    async fn peer(&self, options: &ConnectOptions) -> Option<Box<dyn Backend>> {
        let _ = options;
        None
    }

    /// A statement that this engine refuses inside a transaction, written
    /// to act on the table `table` (which has an integer column `id`):
    /// `VACUUM` on SQLite, `CREATE INDEX CONCURRENTLY` on PostgreSQL. `None`
    /// when the engine has none; the test then claims
    /// `no_transaction = false`.
    fn no_transaction_statement(&self, table: &str) -> Option<String> {
        let _ = table;
        None
    }
}

/// Runs a check (or any future) to its end on a new multi-threaded Tokio
/// runtime; what each test written by [`crate::conformance_tests!`] does.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a Tokio runtime")
        .block_on(future)
}

/// Writes one `#[test]` per conformance check for a backend.
///
/// ```ignore
/// async fn connector() -> Option<MyConnector> { /* None: no server, skip */ }
///
/// migrate_core::conformance_tests!(connector;
///     transactional_ddl = true, schemas = false, probes = true,
///     captures = true, portable = true, peer = false, no_transaction = true,
///     inspect = true);
/// ```
///
/// Each flag says whether the backend has that capability; the checks that
/// need one it lacks are written `#[ignore]`, so the test list shows them
/// as skipped. `inspect` may be left out, which claims `false` (what a
/// backend written before it existed says). The connector function runs
/// once per check; returning `None` (no server configured) makes the check
/// pass with a note on stderr.
#[macro_export]
macro_rules! conformance_tests {
    ($connector:path;
        transactional_ddl = $tx:tt, schemas = $sc:tt, probes = $pr:tt,
        captures = $ca:tt, portable = $po:tt, peer = $pe:tt, no_transaction = $nt:tt $(,)?) => {
        $crate::conformance_tests!($connector;
            transactional_ddl = $tx, schemas = $sc, probes = $pr, captures = $ca,
            portable = $po, peer = $pe, no_transaction = $nt, inspect = false);
    };
    ($connector:path;
        transactional_ddl = $tx:tt, schemas = $sc:tt, probes = $pr:tt,
        captures = $ca:tt, portable = $po:tt, peer = $pe:tt, no_transaction = $nt:tt,
        inspect = $in:tt $(,)?) => {
        mod conformance {
            #[allow(unused_imports)]
            use super::*;

            $crate::__check!(true, $connector, declared_capabilities_match, "", {
                $crate::testkit::checks::Claims {
                    transactional_ddl: $tx,
                    schemas: $sc,
                    probes: $pr,
                    captures: $ca,
                    portable: $po,
                    peer: $pe,
                    no_transaction: $nt,
                    inspect: $in,
                }
            });
            $crate::__check!(true, $connector, missing_history_is_empty_and_not_created);
            $crate::__check!(true, $connector, history_round_trip);
            $crate::__check!(true, $connector, odd_history_table_name);
            $crate::__check!(true, $connector, audit_log_round_trip);
            $crate::__check!(true, $connector, init_statements_run_in_order);
            $crate::__check!(true, $connector, create_false_creates_nothing);
            $crate::__check!(true, $connector, lock_is_exclusive);
            $crate::__check!(true, $connector, closing_releases_the_lock);
            $crate::__check!($pe, $connector, lock_excludes_a_peer_backend, "peer");
            $crate::__check!(
                $tx,
                $connector,
                atomic_failure_leaves_nothing,
                "transactional_ddl"
            );
            $crate::__check!(
                $tx,
                $connector,
                atomic_unapply_failure_leaves_it_applied,
                "transactional_ddl"
            );
            $crate::__check!(
                !$tx,
                $connector,
                implicit_commits_are_journaled,
                "no transactional_ddl"
            );
            $crate::__check!(true, $connector, batches_stop_at_the_first_failure);
            $crate::__check!(true, $connector, requests_grow_linearly);
            $crate::__check!(true, $connector, journaled_failure_records_partial);
            $crate::__check!(true, $connector, stored_down_statements_are_used);
            $crate::__check!($nt, $connector, no_transaction_statements, "no_transaction");
            $crate::__check!($sc, $connector, schema_holds_the_history, "schemas");
            $crate::__check!(!$sc, $connector, schema_is_refused, "no schemas");
            $crate::__check!($pr, $connector, probes_see_objects, "probes");
            $crate::__check!(
                $ca,
                $connector,
                captures_restore_dropped_objects,
                "captures"
            );
            $crate::__check!(true, $connector, repair_undoes_and_resumes);
            $crate::__check!(
                $po,
                $connector,
                portable_migration_applies_and_reverts,
                "portable"
            );
            $crate::__check!($in, $connector, inspection_reads_the_schema, "inspect");
        }
    };
}

/// One conformance test; used by [`crate::conformance_tests!`].
#[doc(hidden)]
#[macro_export]
macro_rules! __check {
    (!true, $($rest:tt)*) => { $crate::__check!(false, $($rest)*); };
    (!false, $($rest:tt)*) => { $crate::__check!(true, $($rest)*); };
    (true, $connector:path, $name:ident $(, $needs:literal)?) => {
        #[test]
        fn $name() {
            $crate::testkit::block_on(async {
                match $connector().await {
                    Some(c) => $crate::testkit::checks::$name(&c).await,
                    None => eprintln!("{}: no database configured, not run", stringify!($name)),
                }
            });
        }
    };
    (false, $connector:path, $name:ident, $needs:literal) => {
        #[test]
        #[ignore = concat!("the backend does not claim ", $needs)]
        fn $name() {}
    };
    (true, $connector:path, $name:ident, $needs:literal, $arg:block) => {
        #[test]
        fn $name() {
            $crate::testkit::block_on(async {
                match $connector().await {
                    Some(c) => $crate::testkit::checks::$name(&c, $arg).await,
                    None => eprintln!("{}: no database configured, not run", stringify!($name)),
                }
            });
        }
    };
}

/// Unique names for one check's objects, and small helpers on them.
pub struct Kit {
    /// A suffix unique to this run of this check: `<tag>_<hex>`.
    pub tag: String,
}

impl Kit {
    /// Names for the check `tag` (a few lowercase letters).
    pub fn new(tag: &str) -> Kit {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let unique = (u64::from(std::process::id()) << 32 | u64::from(nanos)) % 0xff_ffff_ffff;
        Kit {
            tag: format!("{tag}_{unique:x}"),
        }
    }

    /// `kit_<tag>_<name>`: a table, index or schema name of this check.
    pub fn name(&self, name: &str) -> String {
        format!("kit_{}_{name}", self.tag)
    }

    /// Connection options whose history table is this check's own.
    pub fn options(&self) -> ConnectOptions {
        ConnectOptions {
            history_table: self.name("history"),
            ..ConnectOptions::default()
        }
    }
}

/// Connects, or panics saying why.
pub async fn connect(c: &dyn Connector, options: &ConnectOptions) -> Box<dyn Backend> {
    c.connect(options)
        .await
        .unwrap_or_else(|e| panic!("cannot connect: {e}"))
}

/// Whether `table` exists where the backend creates unqualified tables.
pub async fn table_exists(b: &mut dyn Backend, table: &str) -> bool {
    let schema = b.location().schema.clone();
    let (sql, params) = b.dialect().table_exists_query(schema.as_deref(), table);
    let rows = b
        .query(&sql, &params)
        .await
        .unwrap_or_else(|e| panic!("cannot look for {table}: {e}"));
    rows.first()
        .and_then(|r| r.first())
        .is_some_and(Value::is_true)
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
