//! Helpers for a backend's own tests of its statement journal: the entry a
//! destructive statement gets, running its inverse, and probes of objects
//! that a statement removes.

use crate::backend::{Backend, BackendExt};
use crate::journal::{JournalEntry, Probe};

/// Runs one statement; panics with it when it fails.
pub async fn run(backend: &mut dyn Backend, sql: &str) {
    backend
        .execute(sql)
        .await
        .unwrap_or_else(|e| panic!("`{sql}`: {e}"));
}

/// The journal entry of `sql`, after checking that it has an inverse.
pub async fn journaled(backend: &mut dyn Backend, sql: &str) -> (JournalEntry, Vec<String>) {
    let entry = backend
        .journal_entry(sql)
        .await
        .unwrap_or_else(|e| panic!("journal entry of `{sql}`: {e}"));
    let inverse = entry
        .inverse
        .clone()
        .unwrap_or_else(|| panic!("`{sql}` got no inverse: {entry:?}"));
    (entry, inverse)
}

/// Runs an inverse, statement by statement.
pub async fn undo(backend: &mut dyn Backend, inverse: &[String]) {
    for sql in inverse {
        run(backend, sql).await;
    }
}

/// What the backend sees of a probe's object now.
pub async fn exists(backend: &mut dyn Backend, probe: Probe) -> Option<bool> {
    backend.probe(&probe).await.expect("probe")
}

/// A probe of a table that the statement drops.
pub fn table(name: &str) -> Probe {
    Probe::Table {
        name: name.into(),
        exists_after: false,
    }
}

/// A probe of a column that the statement drops.
pub fn column(table: &str, column: &str) -> Probe {
    Probe::Column {
        table: table.into(),
        column: column.into(),
        exists_after: false,
    }
}

/// A probe of an index that the statement drops.
pub fn index(table: Option<&str>, name: &str) -> Probe {
    Probe::Index {
        table: table.map(Into::into),
        name: name.into(),
        exists_after: false,
    }
}

/// A probe of a view that the statement drops.
pub fn view(name: &str) -> Probe {
    Probe::View {
        name: name.into(),
        exists_after: false,
    }
}

/// A probe of a named constraint that the statement drops.
pub fn constraint(table: &str, name: &str) -> Probe {
    Probe::Constraint {
        table: table.into(),
        name: name.into(),
        exists_after: false,
    }
}
