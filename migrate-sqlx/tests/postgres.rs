//! The conformance suite for the sqlx backend on PostgreSQL, with the
//! in-tree PostgreSQL backend as its peer.

mod common;

use async_trait::async_trait;
use migrate_core::Error;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::testkit::Connector;

struct Scratch(common::ServerDb);

#[async_trait]
impl Connector for Scratch {
    async fn connect(&self, options: &ConnectOptions) -> Result<Box<dyn Backend>, Error> {
        common::from_new_pool(&self.0.url, options).await
    }

    async fn peer(&self, options: &ConnectOptions) -> Option<Box<dyn Backend>> {
        let backend = migrate_postgres::PostgresBackend::connect(&self.0.url, options);
        Some(Box::new(backend.await.ok()?))
    }

    fn no_transaction_statement(&self, table: &str) -> Option<String> {
        Some(format!(
            "CREATE INDEX CONCURRENTLY {table}_c ON {table} (id)"
        ))
    }
}

async fn connector() -> Option<Scratch> {
    common::ServerDb::postgres().await.map(Scratch)
}

migrate_core::conformance_tests!(connector;
    transactional_ddl = true, schemas = true, probes = true, captures = true,
    portable = true, peer = true, no_transaction = true, inspect = true);
