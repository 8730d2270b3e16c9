//! The shared backend conformance suite, on a real SQLite file.

use async_trait::async_trait;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::testkit::{Connector, run_all};
use migrate_sqlite::SqliteBackend;

struct File(String);

#[async_trait]
impl Connector for File {
    async fn connect(&self, options: &ConnectOptions) -> Box<dyn Backend> {
        Box::new(
            SqliteBackend::connect(&self.0, options)
                .await
                .expect("open SQLite file"),
        )
    }
}

#[tokio::test]
async fn sqlite_passes_the_conformance_suite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("kit.db").display());
    run_all(&File(url)).await;
}
