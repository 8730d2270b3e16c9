//! The conformance suite for the sqlx backend on MariaDB/MySQL, with the
//! in-tree MySQL backend as its peer.

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
        let backend = migrate_mysql::MysqlBackend::connect(&self.0.url, options);
        Some(Box::new(backend.await.ok()?))
    }
}

async fn connector() -> Option<Scratch> {
    common::ServerDb::mysql().await.map(Scratch)
}

migrate_core::conformance_tests!(connector;
    transactional_ddl = false, schemas = false, probes = true, captures = true,
    portable = true, peer = true, no_transaction = false, inspect = true);
