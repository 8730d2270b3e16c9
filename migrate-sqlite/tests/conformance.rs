//! The backend conformance suite (`migrate_core::conformance_tests!`), on a
//! real SQLite file, and proof that the suite catches broken backends.

use async_trait::async_trait;
use migrate_core::Error;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::testkit::Connector;
use migrate_sqlite::SqliteBackend;

/// A database file in a folder of its own, removed with it.
struct File {
    _dir: tempfile::TempDir,
    url: String,
}

#[async_trait]
impl Connector for File {
    async fn connect(&self, options: &ConnectOptions) -> Result<Box<dyn Backend>, Error> {
        Ok(Box::new(SqliteBackend::connect(&self.url, options).await?))
    }

    fn no_transaction_statement(&self, _table: &str) -> Option<String> {
        Some("VACUUM".into())
    }
}

async fn connector() -> Option<File> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("kit.db").display());
    Some(File { _dir: dir, url })
}

migrate_core::conformance_tests!(connector;
    transactional_ddl = true, schemas = false, probes = true, captures = true,
    portable = true, peer = false, no_transaction = true, inspect = true);

/// Each broken SQLite backend fails the check that covers what it breaks.
mod mutants {
    use migrate_core::testkit::checks;
    use migrate_core::testkit::mutants::{Fault, Mutant, fails};

    async fn mutant(fault: Fault) -> Mutant<super::File> {
        Mutant {
            inner: super::connector().await.unwrap(),
            fault,
        }
    }

    #[test]
    fn a_backend_that_drops_audit_log_rows_fails() {
        assert!(fails(async {
            checks::audit_log_round_trip(&mutant(Fault::NoAuditLog).await).await
        }));
        assert!(fails(async {
            checks::stored_down_statements_are_used(&mutant(Fault::NoAuditLog).await).await
        }));
    }

    #[test]
    fn a_backend_whose_probes_cannot_tell_fails() {
        assert!(fails(async {
            checks::probes_see_objects(&mutant(Fault::ProbesCannotTell).await).await
        }));
    }

    #[test]
    fn a_backend_that_captures_nothing_fails() {
        assert!(fails(async {
            checks::captures_restore_dropped_objects(&mutant(Fault::NoCaptures).await).await
        }));
    }

    #[test]
    fn a_backend_that_classifies_everything_transactional_fails() {
        assert!(fails(async {
            checks::no_transaction_statements(&mutant(Fault::EverythingTransactional).await).await
        }));
    }

    #[test]
    fn a_backend_whose_lock_excludes_nobody_fails() {
        assert!(fails(async {
            checks::lock_is_exclusive(&mutant(Fault::LockNeverHeld).await).await
        }));
    }

    #[test]
    fn a_backend_that_inspects_nothing_fails() {
        assert!(fails(async {
            checks::inspection_reads_the_schema(&mutant(Fault::InspectsNothing).await).await
        }));
    }

    #[test]
    fn the_real_backend_passes_the_same_checks() {
        assert!(!fails(async {
            checks::audit_log_round_trip(&super::connector().await.unwrap()).await
        }));
    }
}
