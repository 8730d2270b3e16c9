//! The backend conformance suite (`migrate_core::conformance_tests!`), each
//! check on a scratch database of its own.

mod common;

use async_trait::async_trait;
use migrate_core::Error;
use migrate_core::backend::{Backend, ConnectOptions};
use migrate_core::testkit::Connector;
use migrate_mysql::MysqlBackend;

struct Scratch(common::Scratch);

#[async_trait]
impl Connector for Scratch {
    async fn connect(&self, options: &ConnectOptions) -> Result<Box<dyn Backend>, Error> {
        Ok(Box::new(MysqlBackend::connect(&self.0.url, options).await?))
    }
}

async fn connector() -> Option<Scratch> {
    common::scratch().await.map(Scratch)
}

migrate_core::conformance_tests!(connector;
    transactional_ddl = false, schemas = false, probes = true, captures = true,
    portable = true, peer = false, no_transaction = false, inspect = true);

/// A backend that classifies DDL as transactional on MySQL claims
/// rollbacks that did not happen; the implicit-commit check catches it.
#[test]
fn a_backend_that_classifies_everything_transactional_fails() {
    use migrate_core::testkit::mutants::{Fault, Mutant, fails};
    let Some(inner) = migrate_core::testkit::block_on(connector()) else {
        return;
    };
    assert!(fails(async {
        let mutant = Mutant {
            inner,
            fault: Fault::EverythingTransactional,
        };
        migrate_core::testkit::checks::implicit_commits_are_journaled(&mutant).await
    }));
}
