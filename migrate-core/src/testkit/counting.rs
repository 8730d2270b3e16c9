//! A backend that counts the requests the core makes of it, for checks that
//! the work of a run grows with what it does and no faster.
//!
//! Every [`Backend::execute`], [`Backend::query`], [`Backend::run_batch`],
//! transaction statement and lock call counts one. For the drivers of this
//! repository that is one round trip to the server (PostgreSQL pipelines a
//! batch, MySQL sends it as one multi-statement request) or one hop to
//! SQLite's thread. Captures, probes and inspection are left to their
//! defaults, which query through the counter.
//!
//! It also counts the durable writes of the history and its audit log
//! ([`Counting::history_commits`]): outside a transaction each statement
//! that writes either table commits on its own; inside one, the `COMMIT`
//! makes its writes durable at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;

use crate::backend::{Backend, BatchItem, Dialect, HistoryLocation};
use crate::error::{Error, Result};
use crate::history::Value;
use crate::lock::LockId;

/// Wraps a backend and counts its requests in a shared counter.
pub struct Counting {
    inner: Box<dyn Backend>,
    requests: Arc<AtomicUsize>,
    history_commits: Arc<AtomicUsize>,
    /// A transaction is open.
    open: bool,
    /// The open transaction wrote the history or its log.
    dirty: bool,
}

impl Counting {
    /// The wrapped backend and the counter it adds to.
    pub fn new(inner: Box<dyn Backend>) -> (Counting, Arc<AtomicUsize>) {
        let requests = Arc::new(AtomicUsize::new(0));
        let counting = Counting {
            inner,
            requests: Arc::clone(&requests),
            history_commits: Arc::default(),
            open: false,
            dirty: false,
        };
        (counting, requests)
    }

    /// The counter of durable history and log writes.
    pub fn history_commits(&self) -> Arc<AtomicUsize> {
        Arc::clone(&self.history_commits)
    }

    fn count(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// Follows `sql`, about to run, for [`Counting::history_commits`].
    fn follow(&mut self, sql: &str) {
        let first = crate::dialect::leading_keywords(sql, 1);
        match first.first().map(String::as_str) {
            Some("BEGIN" | "START") => self.opened(),
            Some("COMMIT") => self.ended(true),
            Some("ROLLBACK") => self.ended(false),
            Some("INSERT" | "UPDATE" | "DELETE" | "REPLACE")
                if sql.contains(&self.inner.location().table) =>
            {
                if self.open {
                    self.dirty = true;
                } else {
                    self.history_commits.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ => {}
        }
    }

    fn opened(&mut self) {
        self.open = true;
        self.dirty = false;
    }

    fn ended(&mut self, committed: bool) {
        if committed && self.open && self.dirty {
            self.history_commits.fetch_add(1, Ordering::Relaxed);
        }
        self.open = false;
        self.dirty = false;
    }
}

#[async_trait]
impl Backend for Counting {
    fn dialect(&self) -> &dyn Dialect {
        self.inner.dialect()
    }
    fn target(&self) -> String {
        self.inner.target()
    }
    fn location(&self) -> &HistoryLocation {
        self.inner.location()
    }
    async fn execute(&mut self, sql: &str) -> Result<()> {
        self.count();
        self.follow(sql);
        self.inner.execute(sql).await
    }
    async fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Vec<Value>>> {
        self.count();
        self.follow(sql);
        self.inner.query(sql, params).await
    }
    async fn run_batch(
        &mut self,
        items: &[BatchItem],
        in_transaction: bool,
    ) -> std::result::Result<(), (usize, Error)> {
        self.count();
        for item in items {
            self.follow(&item.sql);
        }
        self.inner.run_batch(items, in_transaction).await
    }
    async fn try_lock(&mut self, id: &LockId) -> Result<bool> {
        self.count();
        self.inner.try_lock(id).await
    }
    async fn release_lock(&mut self, id: &LockId) -> Result<()> {
        self.count();
        self.inner.release_lock(id).await
    }
    async fn begin(&mut self) -> Result<()> {
        self.count();
        self.opened();
        self.inner.begin().await
    }
    async fn commit(&mut self) -> Result<()> {
        self.count();
        self.ended(true);
        self.inner.commit().await
    }
    async fn rollback(&mut self) -> Result<()> {
        self.count();
        self.ended(false);
        self.inner.rollback().await
    }
    async fn close(self: Box<Self>) -> Result<()> {
        self.inner.close().await
    }
}
