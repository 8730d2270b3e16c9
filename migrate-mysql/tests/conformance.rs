//! The backend conformance suite of `migrate_core::testkit`, on a scratch
//! database.

mod common;

use async_trait::async_trait;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::testkit::{Connector, run_all};
use migrate_mysql::MysqlBackend;

struct Scratch<'a>(&'a common::Scratch);

#[async_trait]
impl Connector for Scratch<'_> {
    async fn connect(&self, options: &ConnectOptions) -> Box<dyn Backend> {
        match MysqlBackend::connect(&self.0.url, options).await {
            Ok(backend) => Box::new(backend),
            Err(e) => panic!("cannot connect to the scratch database: {e}"),
        }
    }
}

#[tokio::test]
async fn conformance() {
    let Some(db) = common::scratch().await else {
        return;
    };
    run_all(&Scratch(&db)).await;
}
