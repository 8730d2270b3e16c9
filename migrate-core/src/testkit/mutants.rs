//! Deliberately broken backends, to prove that the conformance checks
//! catch what they claim to: a backend's tests wrap their real connector in
//! [`Mutant`] with one [`Fault`] and expect the named check to fail
//! ([`fails`]).

use std::time::Duration;

use async_trait::async_trait;

use crate::backend::{
    Backend, Capabilities, ConnectOptions, Dialect, HistoryLocation, StatementClass,
};
use crate::error::Result;
use crate::history::Value;
use crate::journal::{Capture, Probe, Restore};
use crate::lock::LockId;
use crate::testkit::Connector;

/// One way to break a backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Audit-log rows are silently not written.
    NoAuditLog,
    /// Probes always answer "cannot tell".
    ProbesCannotTell,
    /// Definitions are never captured.
    NoCaptures,
    /// Every statement is classified transactional.
    EverythingTransactional,
    /// The lock is reported taken without taking it.
    LockNeverHeld,
    /// `ConnectOptions::schema` is ignored.
    SchemaIgnored,
    /// Inspection finds an empty schema.
    InspectsNothing,
}

/// A connector whose backends have `fault`.
pub struct Mutant<C> {
    /// The real connector.
    pub inner: C,
    /// What to break.
    pub fault: Fault,
}

#[async_trait]
impl<C: Connector> Connector for Mutant<C> {
    async fn connect(&self, options: &ConnectOptions) -> Result<Box<dyn Backend>> {
        let mut options = options.clone();
        if self.fault == Fault::SchemaIgnored {
            options.schema = None;
        }
        let inner = self.inner.connect(&options).await?;
        let dialect = AllTransactional(
            crate::engines::dialect(inner.dialect().sql_dialect())
                .expect("mutants wrap backends of the engines the core knows"),
        );
        Ok(Box::new(Broken {
            inner,
            fault: self.fault,
            dialect,
        }))
    }

    fn no_transaction_statement(&self, table: &str) -> Option<String> {
        self.inner.no_transaction_statement(table)
    }
}

struct AllTransactional(&'static dyn Dialect);

impl Dialect for AllTransactional {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn sql_dialect(&self) -> crate::SqlDialect {
        self.0.sql_dialect()
    }
    fn capabilities(&self) -> Capabilities {
        self.0.capabilities()
    }
    fn quote_identifier(&self, ident: &str) -> String {
        self.0.quote_identifier(ident)
    }
    fn classify(&self, _statement: &str) -> StatementClass {
        StatementClass::Transactional
    }
    fn begin_statement(&self) -> &'static str {
        self.0.begin_statement()
    }
    fn renderer(&self) -> Option<&dyn crate::portable::Renderer> {
        self.0.renderer()
    }
    fn placeholder(&self, n: usize) -> String {
        self.0.placeholder(n)
    }
    fn column_types(&self) -> crate::history::ColumnTypes {
        self.0.column_types()
    }
    fn table_options(&self) -> &'static str {
        self.0.table_options()
    }
    fn upsert_sql(&self, table: &str, columns: &[&str], key: &[&str]) -> String {
        self.0.upsert_sql(table, columns, key)
    }
    fn table_exists_query(&self, schema: Option<&str>, table: &str) -> (String, Vec<Value>) {
        self.0.table_exists_query(schema, table)
    }
}

struct Broken {
    inner: Box<dyn Backend>,
    fault: Fault,
    dialect: AllTransactional,
}

#[async_trait]
impl Backend for Broken {
    fn dialect(&self) -> &dyn Dialect {
        match self.fault {
            Fault::EverythingTransactional => &self.dialect,
            _ => self.inner.dialect(),
        }
    }
    fn target(&self) -> String {
        self.inner.target()
    }
    fn location(&self) -> &HistoryLocation {
        self.inner.location()
    }
    async fn execute(&mut self, sql: &str) -> Result<()> {
        self.inner.execute(sql).await
    }
    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        let log = crate::store::log_table(self.inner.as_ref());
        if self.fault == Fault::NoAuditLog && sql.starts_with(&format!("INSERT INTO {log}")) {
            return Ok(Vec::new());
        }
        self.inner.query(sql, params).await
    }
    async fn try_lock(&mut self, id: &LockId) -> Result<bool> {
        if self.fault == Fault::LockNeverHeld {
            return Ok(true);
        }
        self.inner.try_lock(id).await
    }
    async fn release_lock(&mut self, id: &LockId) -> Result<()> {
        self.inner.release_lock(id).await
    }
    async fn lock_holder(&mut self, id: &LockId) -> Option<String> {
        self.inner.lock_holder(id).await
    }
    // `run_batch` is left to its default, which runs each item through
    // `execute` and `query` above, so that the faults apply to batches too.
    async fn begin(&mut self) -> Result<()> {
        self.inner.begin().await
    }
    async fn commit(&mut self) -> Result<()> {
        self.inner.commit().await
    }
    async fn rollback(&mut self) -> Result<()> {
        self.inner.rollback().await
    }
    async fn capture(
        &mut self,
        capture: &Capture,
        statement: &str,
    ) -> std::result::Result<Restore, String> {
        if self.fault == Fault::NoCaptures {
            return Err("not captured".into());
        }
        self.inner.capture(capture, statement).await
    }
    async fn probe(&mut self, probe: &Probe) -> Result<Option<bool>> {
        if self.fault == Fault::ProbesCannotTell {
            return Ok(None);
        }
        self.inner.probe(probe).await
    }
    async fn inspect(&mut self) -> Result<crate::schema::Schema> {
        if self.fault == Fault::InspectsNothing {
            return Ok(crate::schema::Schema::default());
        }
        self.inner.inspect().await
    }
    async fn close(self: Box<Self>) -> Result<()> {
        self.inner.close().await
    }
}

/// Whether `check` fails (panics) within a minute: what a test of a mutant
/// asserts.
pub fn fails<F: std::future::Future<Output = ()>>(check: F) -> bool {
    let run = std::panic::AssertUnwindSafe(|| {
        super::block_on(async {
            tokio::time::timeout(Duration::from_secs(60), check)
                .await
                .expect("the check finished")
        })
    });
    std::panic::catch_unwind(run).is_err()
}
