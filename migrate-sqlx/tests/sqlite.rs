//! The conformance suite for the sqlx backend on SQLite, with the in-tree
//! SQLite backend as its peer.

mod common;

use async_trait::async_trait;
use migrate_core::Error;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::testkit::Connector;

struct File {
    _dir: tempfile::TempDir,
    url: String,
}

#[async_trait]
impl Connector for File {
    async fn connect(&self, options: &ConnectOptions) -> Result<Box<dyn Backend>, Error> {
        common::from_new_pool(&format!("{}?mode=rwc", self.url), options).await
    }

    async fn peer(&self, options: &ConnectOptions) -> Option<Box<dyn Backend>> {
        Some(Box::new(
            migrate_sqlite::SqliteBackend::connect(&self.url, options)
                .await
                .ok()?,
        ))
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
    portable = true, peer = true, no_transaction = true, inspect = true);
