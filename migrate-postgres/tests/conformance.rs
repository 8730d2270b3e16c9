//! The backend conformance suite (`migrate_core::conformance_tests!`), each
//! check on a scratch PostgreSQL database of its own.

mod common;

use async_trait::async_trait;
use migrate_core::Error;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::testkit::Connector;
use migrate_postgres::PostgresBackend;

struct Scratch(common::ScratchDb);

#[async_trait]
impl Connector for Scratch {
    async fn connect(&self, options: &ConnectOptions) -> Result<Box<dyn Backend>, Error> {
        Ok(Box::new(
            PostgresBackend::connect(&self.0.url, options).await?,
        ))
    }

    fn no_transaction_statement(&self, table: &str) -> Option<String> {
        Some(format!(
            "CREATE INDEX CONCURRENTLY {table}_c ON {table} (id)"
        ))
    }
}

async fn connector() -> Option<Scratch> {
    common::scratch().await.map(Scratch)
}

migrate_core::conformance_tests!(connector;
    transactional_ddl = true, schemas = true, probes = true, captures = true,
    portable = true, peer = false, no_transaction = true, inspect = true);

/// A backend that ignores the schema option fails the schema check.
#[test]
fn a_backend_that_ignores_the_schema_fails() {
    use migrate_core::testkit::mutants::{Fault, Mutant, fails};
    let Some(inner) = migrate_core::testkit::block_on(connector()) else {
        return;
    };
    assert!(fails(async {
        let mutant = Mutant {
            inner,
            fault: Fault::SchemaIgnored,
        };
        migrate_core::testkit::checks::schema_holds_the_history(&mutant).await
    }));
}
