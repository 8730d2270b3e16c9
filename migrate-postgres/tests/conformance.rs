//! The shared backend conformance suite (`migrate_core::testkit`), on a
//! scratch PostgreSQL database.

mod common;

use async_trait::async_trait;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::testkit::{Connector, run_all};
use migrate_postgres::PostgresBackend;

struct Scratch(String);

#[async_trait]
impl Connector for Scratch {
    async fn connect(&self, options: &ConnectOptions) -> Box<dyn Backend> {
        Box::new(
            PostgresBackend::connect(&self.0, options)
                .await
                .unwrap_or_else(|e| panic!("connect to the scratch database: {e}")),
        )
    }
}

#[tokio::test]
async fn postgres_passes_the_conformance_suite() {
    let Some(db) = common::scratch().await else {
        return;
    };
    run_all(&Scratch(db.url.clone())).await;
}
